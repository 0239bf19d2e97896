"""Integer, floating-point and bit-manipulation instructions against independent references.

kernels/alu.ptx and kernels/bits.ptx store one result per operation per thread; every column
is recomputed here, integers with Python's unbounded ints (bit by bit, as the PTX ISA's
pseudocode says, for the bit-field instructions) and floats with exact rationals rounded once
(fraction_rounding), so no expectation borrows numpy's or the simulator's rounding.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from fraction_rounding import exact, round_fraction
from sim_cases import kernel_text

from sparse_stencil.sim import run_ptx

THREADS = 64
MASK = 0xFFFFFFFF


def _signed(value: int) -> int:
    return value - (1 << 32) if value & 0x80000000 else value


def _f32_bits(value: float) -> int:
    return struct.unpack("<I", struct.pack("<f", value))[0]


def _f16_bits(value: float) -> int:
    return int(np.array(value, dtype=np.float16).view(np.uint16))


def _bf16_bits(value: float) -> int:
    return _f32_bits(value) >> 16  # value is exact in bf16, so the top half is its encoding


@pytest.fixture(scope="module")
def int_results() -> tuple[np.ndarray, list[list[int]]]:
    """Every thread's int_ops results, and their independent recomputation."""
    rng = np.random.default_rng(11)
    a = rng.integers(0, 2**32, size=THREADS, dtype=np.uint64).astype(np.uint32)
    b = rng.integers(1, 2**32, size=THREADS, dtype=np.uint64).astype(np.uint32)
    a[:6] = [0, 1, 0x80000000, 0xFFFFFFFF, 100, 0x7FFFFFFF]
    b[:6] = [7, 0xFFFFFFFF, 0xFFFFFFFF, 3, 100, 32]
    out = np.zeros((THREADS, 32), dtype=np.uint32)
    run_ptx(kernel_text("alu.ptx"), "int_ops", 1, THREADS, [a, b, out])
    return out, [_int_expected(int(x), int(y)) for x, y in zip(a, b, strict=True)]


def _int_expected(x: int, y: int) -> list[int]:
    xs, ys = _signed(x), _signed(y)
    quotient = abs(xs) // abs(ys) * (1 if (xs < 0) == (ys < 0) else -1)
    shift = y & 63
    field = (x >> 20) & 0xFFF
    low16 = x & 0xFFFF
    greater = x > y
    flags = (1 if greater or x == 0 else 0) + (0 if greater else 2)
    values = [
        x + y,
        x - y,
        x * y,
        (x * y) >> 32,
        (xs * ys) >> 32,
        x // y,
        x % y,
        quotient,
        xs - quotient * ys,
        min(xs, ys),
        max(x, y),
        x & y,
        x | y,
        x ^ y,
        ~x,
        x << shift if shift < 32 else 0,
        x >> shift if shift < 32 else 0,
        xs >> min(shift, 31),
        bin(x).count("1"),
        32 - x.bit_length(),
        (x >> 4) & 0xFF,
        field - (1 << 12) if field & 0x800 else field,
        (x & 0xFFFF) | ((y & 0xFFFF) << 16),
        min(xs, ys),
        (x * y) & MASK,
        (x * y) >> 32,
        xs * ys + 7,
        abs(xs),
        -xs,
        low16 - (1 << 16) if low16 & 0x8000 else low16,
        max(-128, min(127, xs)),
        flags,
    ]
    return [v & MASK for v in values]


INT_COLUMNS = [
    "add",
    "sub",
    "mul.lo",
    "mul.hi.u32",
    "mul.hi.s32",
    "div.u32",
    "rem.u32",
    "div.s32",
    "rem.s32",
    "min.s32",
    "max.u32",
    "and",
    "or",
    "xor",
    "not",
    "shl",
    "shr.u32",
    "shr.s32",
    "popc",
    "clz",
    "bfe.u32",
    "bfe.s32",
    "prmt",
    "setp+selp",
    "mul.wide lo",
    "mul.wide hi",
    "mad.lo",
    "abs",
    "neg",
    "cvt s16->s32",
    "cvt.sat.s8",
    "setp.or and guard",
]


def _float_inputs() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(12)
    scale = np.ldexp(1.0, rng.integers(-12, 12, size=(3, THREADS)))
    x, y, z = (rng.standard_normal((3, THREADS)) * scale).astype(np.float32)
    # ties and edges: an f16 midpoint, a tf32 midpoint, halves for rni, out-of-range ints
    x[:8] = [1 + 2.0**-11, 1 + 2.0**-11 + 2.0**-22, -(1 + 2.0**-11), 2.5, -3.5, 3e9, -3e9, 0.0]
    x[8] = np.float32(np.uint32(0x3F801000).view(np.float32))  # tf32 tie: rna rounds up
    return x, y, z


@pytest.fixture(scope="module")
def float_results() -> tuple[np.ndarray, list[list[int]]]:
    """Every thread's float_ops results, and their independent recomputation."""
    x, y, z = _float_inputs()
    out = np.zeros((THREADS, 32), dtype=np.uint32)
    run_ptx(kernel_text("alu.ptx"), "float_ops", 1, THREADS, [x, y, z, out])
    inputs = zip(x.tolist(), y.tolist(), z.tolist(), strict=True)
    return out, [_float_expected(*values) for values in inputs]


def _rounded(operation: Callable[..., Any], operands: tuple[float, ...], fmt: str) -> float:
    """operation(*operands) rounded once to `fmt`; with an infinite operand, IEEE float
    arithmetic (every case here then gives an infinity, which no rounding changes)."""
    if all(math.isfinite(v) for v in operands):
        result = round_fraction(operation(*(Fraction(v) for v in operands)), fmt)
        return result if result != 0 else math.copysign(0.0, operation(*operands))
    return float(operation(*operands))


def _to_int(value: float, how: str) -> int:
    rounded = {"rzi": math.trunc, "rni": round}[how](value)  # round(): ties to even
    return max(-(2**31), min(2**31 - 1, rounded)) & MASK


def _float_expected(x: float, y: float, z: float) -> list[int]:
    fx, fy, fz = exact(x), exact(y), exact(z)
    hx, hy, hz = (round_fraction(exact(v), "f16") for v in (x, y, z))  # may be infinite

    def f32(value: Fraction, mode: str = "rn", sign: float = 1.0) -> int:
        """`value` rounded to f32; an exact zero takes the sign IEEE gives it (`sign`)."""
        result = round_fraction(value, "f32", mode)
        return _f32_bits(result if result != 0 else math.copysign(0.0, sign))

    bf = _bf16_bits(round_fraction(fx, "bf16"))
    product = Fraction(x) * Fraction(2) ** -126
    flushed_input = hx * 2.0**-126
    values = [
        f32(fx + fy),
        f32(fx - fy),
        f32(fx * fy, sign=x * y),
        f32(fx * fy + fz),
        f32(fx / fy, sign=x / y),
        _f32_bits(min(x, y)),
        _f32_bits(max(x, y)),
        _f32_bits(x) ^ 0x80000000,
        _f32_bits(abs(x)),
        _f32_bits(float(np.sqrt(np.float32(abs(x))))),
        _f32_bits(hx),
        _f32_bits(round_fraction(fx, "f16", "rz")),
        _f32_bits(round_fraction(fx, "tf32", "rna")),
        _to_int(x, "rzi"),
        _to_int(x, "rni"),
        f32(Fraction(_signed(_f32_bits(y)))),
        f32(fx + fy, "rz"),
        f32(fx * fy, "rm", x * y),
        f32(fx * fy + fz, "rp"),
        _f32_bits(_rounded(lambda a, b: a + b, (hx, hy), "f16")),
        _f32_bits(_rounded(lambda a, b, c: a * b + c, (hx, hy, hz), "f16")),
        bf | (bf << 16),
        _f16_bits(hy) | (_f16_bits(hx) << 16),
        _f16_bits(_rounded(lambda a: a * a, (hy,), "f16"))
        | (_f16_bits(_rounded(lambda a, b: a * b, (hx, hz), "f16")) << 16),
        f32(1 / fy),
        _f32_bits(math.floor(x)),
        _f32_bits(1.0 if x > y else -1.0),
        int(x != y),
        _f32_bits(flushed_input if abs(flushed_input) >= 2.0**-126 else math.copysign(0, x)),
        f32(product),
        _f32_bits(min(max(x, 0.0), 1.0)),
        0,
    ]
    return [v & MASK for v in values]


FLOAT_COLUMNS = [
    "add",
    "sub",
    "mul",
    "fma.rn",
    "div.rn",
    "min",
    "max",
    "neg",
    "abs",
    "sqrt.rn",
    "cvt.rn.f16",
    "cvt.rz.f16",
    "cvt.rna.tf32",
    "cvt.rzi.s32",
    "cvt.rni.s32",
    "cvt.rn.f32.s32",
    "add.rz",
    "mul.rm",
    "fma.rp",
    "add.f16",
    "fma.rn.f16",
    "cvt.rn.bf16",
    "cvt.rn.f16x2",
    "mul.rn.f16x2",
    "rcp.rn",
    "cvt.rmi.f32",
    "setp.gtu",
    "setp.neu",
    "mul.ftz",
    "mul subnormal",
    "cvt.sat.f32",
    "cvt.rn.f32.f64",
]


def _bit(value: int, index: int) -> int:
    return (value >> index) & 1


def _bfe(a: int, position: int, length: int, bits: int, signed: bool) -> int:
    msb = bits - 1
    position &= 0xFF
    length &= 0xFF
    sign = _bit(a, min(position + length - 1, msb)) if signed and length else 0
    return sum(
        (_bit(a, position + i) if i < length and position + i <= msb else sign) << i
        for i in range(bits)
    )


def _bfi(a: int, b: int, position: int, length: int, bits: int) -> int:
    position &= 0xFF
    for i in range(length & 0xFF):
        if position + i > bits - 1:
            break
        b = (b & ~(1 << (position + i))) | (_bit(a, i) << (position + i))
    return b


def _bfind(a: int, bits: int, signed: bool, shift_amount: bool = False) -> int:
    if signed and _bit(a, bits - 1):
        a = ~a & ((1 << bits) - 1)  # negative: the most significant 0 instead
    found = next((i for i in range(bits - 1, -1, -1) if _bit(a, i)), None)
    if found is None:
        return MASK
    return bits - 1 - found if shift_amount else found


def _brev(a: int, bits: int) -> int:
    return sum(_bit(a, i) << (bits - 1 - i) for i in range(bits))


def _shf(a: int, b: int, count: int, left: bool, clamp: bool) -> int:
    n = min(count, 32) if clamp else count & 31
    joined = b << 32 | a
    return ((joined << n) >> 32 if left else joined >> n) & MASK


def _bits_expected(a: int, b: int, c: int, d: int) -> list[int]:
    a32, b32 = a & MASK, b & MASK
    return [
        _bfe(a32, c, d, 32, False),
        _bfe(a32, c, d, 32, True),
        _bfe(a, c, d, 64, False),
        _bfe(a, c, d, 64, True),
        _bfi(a32, b32, c, d, 32),
        _bfi(a, b, c, d, 64),
        _bfind(a32, 32, False),
        _bfind(a32, 32, True),
        _bfind(a, 64, False, shift_amount=True),
        _bfind(a, 64, True),
        _brev(a32, 32),
        _brev(a, 64),
        _shf(a32, b32, c, left=True, clamp=True),
        _shf(a32, b32, c, left=False, clamp=True),
        _shf(a32, b32, c, left=True, clamp=False),
        (c + abs(_signed(a32) - _signed(b32))) & MASK,
    ]


BIT_COLUMNS = [
    "bfe.u32",
    "bfe.s32",
    "bfe.u64",
    "bfe.s64",
    "bfi.b32",
    "bfi.b64",
    "bfind.u32",
    "bfind.s32",
    "bfind.shiftamt.u64",
    "bfind.s64",
    "brev.b32",
    "brev.b64",
    "shf.l.clamp",
    "shf.r.clamp",
    "shf.l.wrap",
    "sad.s32",
]


@pytest.fixture(scope="module")
def bits_results() -> tuple[np.ndarray, list[list[int]]]:
    """Every thread's bit_ops results, and their independent recomputation. Positions and
    lengths cover fields that end past the top bit, zero lengths, and values >= 256 (only
    their low byte counts); operands cover 0, -1 and single sign bits."""
    rng = np.random.default_rng(13)
    a = rng.integers(0, 2**64, size=THREADS, dtype=np.uint64)
    b = rng.integers(0, 2**64, size=THREADS, dtype=np.uint64)
    c = rng.integers(0, 70, size=THREADS).astype(np.uint32)
    d = rng.integers(0, 70, size=THREADS).astype(np.uint32)
    a[:6] = [0, 2**64 - 1, 2**63, 2**31, 1, 0x00000000FFFF0000]
    c[:8] = [0, 31, 32, 33, 63, 64, 255, 256 + 5]
    d[:8] = [0, 8, 1, 40, 64, 0, 3, 256 + 7]
    out = np.zeros((THREADS, 16), dtype=np.uint64)
    run_ptx(kernel_text("bits.ptx"), "bit_ops", 1, THREADS, [a, b, c, d, out])
    inputs = zip(a.tolist(), b.tolist(), c.tolist(), d.tolist(), strict=True)
    return out, [_bits_expected(*values) for values in inputs]


@pytest.mark.parametrize(
    ("kind", "column", "name"),
    [("int", column, name) for column, name in enumerate(INT_COLUMNS)]
    + [("float", column, name) for column, name in enumerate(FLOAT_COLUMNS)]
    + [("bits", column, name) for column, name in enumerate(BIT_COLUMNS)],
)
def test_instruction(request: pytest.FixtureRequest, kind: str, column: int, name: str) -> None:
    """Column `column` of every thread's results (int_ops or float_ops of alu.ptx, bit_ops
    of bits.ptx) equals the independent recomputation from that thread's inputs."""
    out, expected = request.getfixturevalue(f"{kind}_results")
    assert [hex(v) for v in out[:, column].tolist()] == [hex(row[column]) for row in expected], name


def test_vote_sync() -> None:
    """Four warps chosen so that each vote mode is both true and false in some warp."""
    rng = np.random.default_rng(14)
    x = np.concatenate(
        [
            rng.integers(1, 50, 32),  # uni, all; not any
            np.r_[0, rng.integers(0, 200, 31)],  # a zero: not all
            rng.integers(50, 300, 32),  # uni (all !p false), any
            rng.integers(0, 2**32, 32, dtype=np.uint64),
        ]
    ).astype(np.uint32)
    out = np.zeros((128, 4), dtype=np.uint32)
    run_ptx(kernel_text("warp_shuffle.ptx"), "votes", 1, 128, [x, out])
    for warp in range(4):
        values = x[32 * warp : 32 * warp + 32].tolist()
        low = [v < 50 for v in values]
        expected = [
            sum(1 << lane for lane, v in enumerate(values) if v % 2),
            int(all(v != 0 for v in values)),
            int(any(v > 100 for v in values)),
            int(all(low) or not any(low)),
        ]
        assert out[32 * warp : 32 * warp + 32].tolist() == [expected] * 32, f"warp {warp}"
