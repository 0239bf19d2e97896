"""Decoding of loads, stores and address conversions (``ld``, ``st``, ``cvta``).

Addresses are ``[base+offset]`` with a register, a symbol (a variable or a kernel parameter)
or nothing as base; accesses go through :class:`~sparse_stencil.sim.memory.Memory`, which
checks them for the active threads only. Each access adds its global bytes and shared-memory
bank conflicts to the launch's profile (:mod:`sparse_stencil.sim.profile`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from sparse_stencil.sim.memory import WINDOWS, Memory
from sparse_stencil.sim.operands import (
    FLOAT_TYPES,
    INT_TYPES,
    NUMPY_TYPES,
    UINT,
    DecodeContext,
    Mask,
    Op,
    expect_operands,
    modifiers,
    normal_op,
    one_type,
    per_thread,
    reader,
    vector_items,
    writer,
)
from sparse_stencil.sim.profile import bank_conflicts
from sparse_stencil.sim.ptx_parser import TYPE_BITS, Addr, Instruction, Operand, Sym, type_bytes

if TYPE_CHECKING:
    from sparse_stencil.sim.machine import State


def decode_cvta(ctx: DecodeContext, ins: Instruction) -> Op:
    to_space = "to" in ins.modifiers
    rest = [m for m in ins.modifiers if m != "to"]
    if (
        len(rest) != 2
        or rest[0] not in ("global", "shared", "const", "local")
        or rest[1] not in ("u32", "u64")
    ):
        raise ctx.error(ins, "expected cvta{.to}.{global,shared,const,local}.{u32,u64}")
    space, type_name = rest
    expect_operands(ctx, ins, 2)
    read = reader(ctx, ins, ins.operands[1], type_name)
    write = writer(ctx, ins, ins.operands[0], type_name)
    convert = Memory.from_generic if to_space else Memory.to_generic
    numpy_type = NUMPY_TYPES[type_name]
    return normal_op(
        ins,
        lambda st, mask: write(
            st, convert(space, np.asarray(read(st)).astype(np.uint64)).astype(numpy_type), mask
        ),
    )


def address_reader(
    ctx: DecodeContext, ins: Instruction, operand: Operand, space: str
) -> Callable[[State], Any]:
    """A function giving the uint64 address per thread of ``[base+offset]``."""
    if not isinstance(operand, Addr):
        raise ctx.error(ins, f"expected an address [..], got {operand}")
    offset = np.uint64(operand.offset & (2**64 - 1))
    base = operand.base
    if base is None:
        return lambda st: np.full(st.count, offset, dtype=np.uint64)
    if isinstance(base, Sym):
        if base.name not in ctx.symbols:
            raise ctx.error(ins, f"unknown symbol '{base.name}'")
        symbol_space, address = ctx.symbols[base.name]
        if space == "generic":
            if symbol_space == "param":
                raise ctx.error(ins, "generic access to a kernel parameter is not supported")
            address += WINDOWS.get(symbol_space, 0)
        elif symbol_space != space:
            raise ctx.error(ins, f"'{base.name}' is in .{symbol_space}, not .{space}")
        value = np.uint64((address + operand.offset) & (2**64 - 1))
        return lambda st: np.full(st.count, value, dtype=np.uint64)
    register_bits = TYPE_BITS[ctx.types[base.name]]
    if register_bits not in (32, 64):
        raise ctx.error(ins, f"address register {base.name} must be 32 or 64 bits")
    read = reader(ctx, ins, base, f"u{register_bits}")
    return lambda st: np.asarray(read(st)).astype(np.uint64) + offset


def record_traffic(
    st: State,
    space: str,
    addresses: npt.NDArray[np.uint64],
    warp: npt.NDArray[np.intp],
    lane: npt.NDArray[np.intp],
    size: int,
    store: bool,
) -> None:
    """Profile one instruction's accesses of `size` bytes at `addresses` in `space`, made by
    lanes `lane` of warps `warp` (every warp of the batch that executed it): the bytes that
    reach global memory, and the bank conflicts of those that reach shared memory."""
    for target, selected, local in Memory.split(space, addresses):
        if target == "global":
            key = "global.store_bytes" if store else "global.load_bytes"
            st.profile[key] += int(np.count_nonzero(selected)) * size
        elif target == "shared":
            st.profile["bank_conflicts"] += bank_conflicts(
                local, warp[selected], lane[selected], size
            )


def _record(st: State, space: str, addresses: Any, threads: Any, size: int, store: bool) -> None:
    warp, lane = st.threads.warp_of_thread[threads], st.threads.lane_of_thread[threads]
    record_traffic(st, space, addresses, warp, lane, size, store)


def _active_threads(st: State, mask: Mask) -> npt.NDArray[np.intp]:
    return np.arange(st.count) if mask is None else np.flatnonzero(mask)


def decode_load_store(ctx: DecodeContext, ins: Instruction) -> Op:
    mods = modifiers(ctx, ins, {"space", "vector", "cache"})
    type_name = one_type(ctx, ins, mods, INT_TYPES | FLOAT_TYPES - {"tf32"})
    space = mods.space or "generic"
    expect_operands(ctx, ins, 2)
    store = ins.opcode == "st"
    value_operand, address_operand = (ins.operands[1], ins.operands[0]) if store else ins.operands
    items = vector_items(value_operand)
    if len(items) != mods.vector:
        raise ctx.error(ins, f"expected {mods.vector} values, got {len(items)}")
    address = address_reader(ctx, ins, address_operand, space)
    element_bytes = type_bytes(type_name)
    unsigned = UINT[element_bytes * 8]
    size = element_bytes * len(items)
    if size > 16:
        raise ctx.error(ins, f"a {size}-byte access: vector accesses are at most 16 bytes")
    if store:
        if space in ("const", "param"):
            raise ctx.error(ins, f"cannot store to .{space}")
        readers = [per_thread(reader(ctx, ins, item, type_name)) for item in items]

        def run_store(st: State, mask: Mask) -> None:
            threads = _active_threads(st, mask)
            columns = [read(st).view(unsigned)[threads] for read in readers]
            data = np.stack(columns, axis=1).view(np.uint8).reshape(threads.size, size)
            addresses = address(st)[threads]
            st.memory.store(space, addresses, data, threads)
            _record(st, space, addresses, threads, size, True)

        return normal_op(ins, run_store)
    writers = [writer(ctx, ins, item, type_name) for item in items]
    numpy_type = NUMPY_TYPES[type_name]

    def run_load(st: State, mask: Mask) -> None:
        threads = _active_threads(st, mask)
        addresses = address(st)[threads]
        data = st.memory.load(space, addresses, size, threads)
        _record(st, space, addresses, threads, size, False)
        values = data.reshape(threads.size, len(items), element_bytes).view(unsigned)
        for index, write in enumerate(writers):
            full = np.zeros(st.count, dtype=unsigned)
            full[threads] = values[:, index, 0]
            write(st, full.view(numpy_type), mask)

    return normal_op(ins, run_load)
