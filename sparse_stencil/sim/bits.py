"""Decoding of bit-manipulation instructions: ``bfe``, ``bfi``, ``bfind``, ``brev``, ``prmt``
and ``shf`` (what nvcc emits for ``__brev``, ``__ffs``, ``__clz``-like searches, bit fields,
``__byte_perm`` and ``__funnelshift_l/r``), following the PTX ISA's pseudocode.

Every value is handled as its unsigned bit pattern widened to uint64; shift counts that reach
the width are handled explicitly (numpy, like C, leaves such shifts undefined).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from sparse_stencil.sim.operands import (
    NUMPY_TYPES,
    UINT,
    DecodeContext,
    Op,
    expect_operands,
    modifiers,
    normal_op,
    one_type,
    reader,
    writer,
)
from sparse_stencil.sim.ptx_parser import TYPE_BITS, Instruction

if TYPE_CHECKING:
    from sparse_stencil.sim.machine import State

U64Array = npt.NDArray[np.uint64]
I64Array = npt.NDArray[np.int64]

_ONE = np.uint64(1)
_ALL = np.uint64(2**64 - 1)
_BYTE_REVERSED = np.array([int(f"{b:08b}"[::-1], 2) for b in range(256)], dtype=np.uint8)


def _bits_of(value: npt.ArrayLike) -> U64Array:
    """The raw bit pattern of `value` (any integer type) as uint64, zero-extended."""
    array = np.asarray(value)
    return array.view(UINT[array.dtype.itemsize * 8]).astype(np.uint64)


def _count(value: npt.ArrayLike) -> I64Array:
    """A shift count or field size as int64."""
    return np.asarray(value).astype(np.int64)


def shift_left(value: U64Array | np.uint64, count: npt.ArrayLike) -> U64Array:
    """uint64 ``value << count`` for counts 0..any (0 from 64 on)."""
    count = _count(count)
    return np.where(count >= 64, np.uint64(0), value << np.minimum(count, 63).astype(np.uint64))


def shift_right(value: U64Array | np.uint64, count: npt.ArrayLike) -> U64Array:
    """uint64 ``value >> count`` for counts 0..any (0 from 64 on)."""
    count = _count(count)
    return np.where(count >= 64, np.uint64(0), value >> np.minimum(count, 63).astype(np.uint64))


def low_mask(count: npt.ArrayLike) -> U64Array:
    """uint64 with the low `count` bits set (count 0..64)."""
    count = _count(count)
    return np.where(count >= 64, _ALL, shift_left(_ONE, count) - _ONE)


def bit_length(value: npt.ArrayLike) -> I64Array:
    """Number of significant bits of unsigned uint64 values (0 for 0), as int64."""
    value = np.asarray(value, dtype=np.uint64)
    length = np.zeros(value.shape, dtype=np.int64)
    probe = value.copy()
    for step in (32, 16, 8, 4, 2, 1):
        big = probe >= shift_left(_ONE, step)
        length = np.where(big, length + step, length)
        probe = np.where(big, probe >> np.uint64(step), probe)
    return np.where(value > 0, length + 1, 0)


def _result(values: U64Array, type_name: str) -> npt.NDArray[np.generic]:
    """uint64 bit patterns as values of `type_name` (the low bits)."""
    return np.asarray(values).astype(UINT[TYPE_BITS[type_name]]).view(NUMPY_TYPES[type_name])


def _field_width(position: I64Array, length: I64Array, bits: int) -> I64Array:
    """How many bits of a field at `position` of `length` lie inside a `bits`-wide value."""
    return np.clip(np.minimum(length, bits - position), 0, bits)


def _decode_bfe(ctx: DecodeContext, ins: Instruction) -> Op:
    """``bfe.type d, a, pos, len``: bits pos..pos+len-1 of a, zero- or sign-extended; bits
    past the top of a repeat the sign bit a[min(pos+len-1, msb)] (signed types)."""
    type_name = one_type(ctx, ins, modifiers(ctx, ins, set()), {"u32", "s32", "u64", "s64"})
    expect_operands(ctx, ins, 4)
    a = reader(ctx, ins, ins.operands[1], type_name)
    position, length = (reader(ctx, ins, o, "u32") for o in ins.operands[2:])
    write = writer(ctx, ins, ins.operands[0], type_name)
    bits = TYPE_BITS[type_name]
    signed = type_name.startswith("s")

    def extract(st: State) -> npt.NDArray[np.generic]:
        value = _bits_of(a(st))
        pos = _count(position(st)) & 0xFF
        size = _count(length(st)) & 0xFF
        inside = _field_width(pos, size, bits)
        field = shift_right(value, pos) & low_mask(inside)
        if signed:
            top = np.minimum(pos + size - 1, bits - 1)
            sign = (size != 0) & ((shift_right(value, top) & _ONE) == 1)
            field = np.where(sign, field | (~low_mask(inside)), field)
        return _result(field, type_name)

    return normal_op(ins, lambda st, mask: write(st, extract(st), mask))


def _decode_bfi(ctx: DecodeContext, ins: Instruction) -> Op:
    """``bfi.type f, a, b, pos, len``: b with bits pos..pos+len-1 (inside the value)
    replaced by the low bits of a."""
    type_name = one_type(ctx, ins, modifiers(ctx, ins, set()), {"b32", "b64"})
    expect_operands(ctx, ins, 5)
    a, b = (reader(ctx, ins, o, type_name) for o in ins.operands[1:3])
    position, length = (reader(ctx, ins, o, "u32") for o in ins.operands[3:])
    write = writer(ctx, ins, ins.operands[0], type_name)
    bits = TYPE_BITS[type_name]

    def insert(st: State) -> npt.NDArray[np.generic]:
        pos = _count(position(st)) & 0xFF
        field = shift_left(low_mask(_field_width(pos, _count(length(st)) & 0xFF, bits)), pos)
        merged = (_bits_of(b(st)) & ~field) | (shift_left(_bits_of(a(st)), pos) & field)
        return _result(merged, type_name)

    return normal_op(ins, lambda st, mask: write(st, insert(st), mask))


def _decode_bfind(ctx: DecodeContext, ins: Instruction) -> Op:
    """``bfind{.shiftamt}.type d, a``: position of the most significant bit that differs
    from the sign (signed types) or is set (unsigned), 0xffffffff if none; ``.shiftamt``
    gives the left shift that moves it to the top instead."""
    mods = modifiers(ctx, ins, {"shiftamt"})
    type_name = one_type(ctx, ins, mods, {"u32", "s32", "u64", "s64"})
    expect_operands(ctx, ins, 2)
    a = reader(ctx, ins, ins.operands[1], type_name)
    write = writer(ctx, ins, ins.operands[0], "u32")
    bits = TYPE_BITS[type_name]
    shift_amount = "shiftamt" in mods.flags
    signed = type_name.startswith("s")

    def find(st: State) -> npt.NDArray[np.uint32]:
        value = np.asarray(a(st))
        pattern = _bits_of(value)
        if signed:
            pattern = np.where(value < 0, ~pattern & low_mask(bits), pattern)
        top = bit_length(pattern) - 1
        if shift_amount:
            top = bits - 1 - top
        return np.where(pattern == 0, np.uint32(0xFFFFFFFF), top.astype(np.uint32))

    return normal_op(ins, lambda st, mask: write(st, find(st), mask))


def _decode_brev(ctx: DecodeContext, ins: Instruction) -> Op:
    """``brev.type d, a``: the bits of a in reverse order."""
    type_name = one_type(ctx, ins, modifiers(ctx, ins, set()), {"b32", "b64"})
    expect_operands(ctx, ins, 2)
    a = reader(ctx, ins, ins.operands[1], type_name)
    write = writer(ctx, ins, ins.operands[0], type_name)
    size = TYPE_BITS[type_name] // 8
    little_endian = np.dtype(f"<u{size}")

    def reverse(st: State) -> npt.NDArray[np.generic]:
        value = np.atleast_1d(np.asarray(a(st))).astype(little_endian)
        as_bytes = value.view(np.uint8).reshape(value.size, size)
        flipped = np.ascontiguousarray(_BYTE_REVERSED[as_bytes[:, ::-1]])
        return _result(flipped.view(little_endian).reshape(-1), type_name)

    return normal_op(ins, lambda st, mask: write(st, reverse(st), mask))


def _decode_prmt(ctx: DecodeContext, ins: Instruction) -> Op:
    """``prmt.b32 d, a, b, c`` (default mode): byte i of d is byte (c >> 4i) & 7 of b:a, or
    that byte's sign replicated when bit 3 of the selector nibble is set."""
    mods = modifiers(ctx, ins, set())
    if mods.types != ["b32"]:
        raise ctx.error(ins, "only the default mode of prmt.b32 is supported")
    expect_operands(ctx, ins, 4)
    a, b, selector = (reader(ctx, ins, o, "b32") for o in ins.operands[1:])
    write = writer(ctx, ins, ins.operands[0], "b32")

    def permute(st: State) -> npt.NDArray[np.uint32]:
        source = _bits_of(a(st)) | (_bits_of(b(st)) << np.uint64(32))
        select = _bits_of(selector(st))
        result = np.zeros(np.broadcast(source, select).shape, dtype=np.uint64)
        for byte in range(4):
            nibble = (select >> np.uint64(4 * byte)) & np.uint64(0xF)
            value = (source >> (np.uint64(8) * (nibble & np.uint64(7)))) & np.uint64(0xFF)
            replicate = np.where(value >> np.uint64(7) == 1, np.uint64(0xFF), np.uint64(0))
            value = np.where(nibble >= 8, replicate, value)
            result |= value << np.uint64(8 * byte)
        return result.astype(np.uint32)

    return normal_op(ins, lambda st, mask: write(st, permute(st), mask))


def _decode_shf(ctx: DecodeContext, ins: Instruction) -> Op:
    """``shf.{l,r}.{wrap,clamp}.b32 d, a, b, c``: the 64-bit b:a shifted by n (c mod 32 with
    .wrap, min(c, 32) with .clamp); .l keeps the upper 32 bits, .r the lower."""
    mods = modifiers(ctx, ins, {"l", "r", "wrap", "clamp"})
    one_type(ctx, ins, mods, {"b32"})
    direction = mods.flags & {"l", "r"}
    mode = mods.flags & {"wrap", "clamp"}
    if len(direction) != 1 or len(mode) != 1:
        raise ctx.error(ins, "expected shf.{l,r}.{wrap,clamp}.b32")
    expect_operands(ctx, ins, 4)
    a, b, amount = (reader(ctx, ins, o, "b32") for o in ins.operands[1:])
    write = writer(ctx, ins, ins.operands[0], "b32")
    left = "l" in direction
    wrap = "wrap" in mode

    def funnel(st: State) -> npt.NDArray[np.uint32]:
        joined = _bits_of(a(st)) | (_bits_of(b(st)) << np.uint64(32))
        count = _count(amount(st)) & 0xFFFFFFFF
        count = count & 31 if wrap else np.minimum(count, 32)
        if left:
            return (shift_left(joined, count) >> np.uint64(32)).astype(np.uint32)
        return (shift_right(joined, count) & np.uint64(0xFFFFFFFF)).astype(np.uint32)

    return normal_op(ins, lambda st, mask: write(st, funnel(st), mask))


BIT_DECODERS = {
    "bfe": _decode_bfe,
    "bfi": _decode_bfi,
    "bfind": _decode_bfind,
    "brev": _decode_brev,
    "prmt": _decode_prmt,
    "shf": _decode_shf,
}
"""Opcode -> decoder, for :mod:`sparse_stencil.sim.instructions`."""
