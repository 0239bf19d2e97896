"""Decoding of warp-collective instructions: ``ldmatrix``, ``mma``/``mma.sp``, ``shfl.sync``,
``vote.sync`` and ``bar.warp.sync``. Their ops are marked collective: the executor runs them
only for whole warps (all 32 lanes together); the semantics are in
:mod:`sparse_stencil.sim.tensor_core`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from sparse_stencil.sim import tensor_core
from sparse_stencil.sim.errors import ThreadFault
from sparse_stencil.sim.memory_ops import address_reader, record_traffic
from sparse_stencil.sim.operands import (
    DecodeContext,
    Mask,
    Op,
    Writer,
    expect_operands,
    modifiers,
    normal_op,
    per_thread,
    reader,
    vector_items,
    writer,
)
from sparse_stencil.sim.ptx_parser import TYPE_BITS, Imm, Instruction, Operand, PredPair, Reg

if TYPE_CHECKING:
    from sparse_stencil.sim.machine import State


def _by_warp(st: State, slot: int) -> npt.NDArray[np.uint32]:
    """The 32-bit register in `slot` as a (warps, 32) view."""
    return st.regs[slot].view(np.uint32).reshape(-1, 32)


def _warp_registers(st: State, slot: int, warps: npt.NDArray[np.intp]) -> Any:
    return _by_warp(st, slot)[warps]


def _write_warps(st: State, slot: int, warps: npt.NDArray[np.intp], values: Any) -> None:
    _by_warp(st, slot)[warps] = values


def _active_warps(st: State, mask: Mask) -> npt.NDArray[np.intp]:
    if mask is None:
        return np.arange(st.count // 32)
    return np.flatnonzero(mask.reshape(-1, 32).any(axis=1))


def _b32_slots(
    ctx: DecodeContext, ins: Instruction, operand: Operand, count: int, what: str
) -> list[int]:
    items = vector_items(operand)
    if len(items) != count:
        raise ctx.error(ins, f"{what} needs {count} registers, got {len(items)}")
    slots: list[int] = []
    for item in items:
        if not isinstance(item, Reg) or TYPE_BITS[ctx.types[item.name]] != 32:
            raise ctx.error(ins, f"{what} must be 32-bit registers")
        slots.append(ctx.slots[item.name])
    return slots


def decode_ldmatrix(ctx: DecodeContext, ins: Instruction) -> Op:
    allowed = {"sync", "aligned", "m8n8", "x1", "x2", "x4", "trans", "space"}
    mods = modifiers(ctx, ins, allowed)
    if not {"sync", "aligned", "m8n8"} <= mods.flags or mods.types != ["b16"]:
        raise ctx.error(ins, "expected ldmatrix.sync.aligned.m8n8.{x1,x2,x4}{.trans}.shared.b16")
    counts = [int(flag[1]) for flag in mods.flags if flag in ("x1", "x2", "x4")]
    if len(counts) != 1:
        raise ctx.error(ins, "expected one of .x1, .x2, .x4")
    matrices = counts[0]
    space = mods.space or "generic"
    if space not in ("shared", "generic"):
        raise ctx.error(ins, "ldmatrix reads .shared memory")
    expect_operands(ctx, ins, 2)
    slots = _b32_slots(ctx, ins, ins.operands[0], matrices, "the destination")
    address = address_reader(ctx, ins, ins.operands[1], space)
    transpose = "trans" in mods.flags

    def run(st: State, mask: Mask) -> None:
        warps = _active_warps(st, mask)
        addresses = address(st).reshape(-1, 32)[warps]  # (W, 32)
        lanes = addresses[:, : 8 * matrices]
        threads = (warps[:, None] * 32 + np.arange(8 * matrices)).reshape(-1)
        rows = st.memory.load(space, lanes.reshape(-1), 16, threads)
        # one 8x8 matrix per bank phase: the 8 lanes giving its rows are one 16-byte group
        record_traffic(
            st,
            space,
            lanes.reshape(-1),
            np.repeat(warps, 8 * matrices),
            np.tile(np.arange(8 * matrices), warps.size),
            16,
            False,
        )
        rows = rows.reshape(warps.size, matrices, 8, 16).view(np.uint16)
        for slot, values in zip(
            slots, tensor_core.ldmatrix_fragments(rows, transpose), strict=True
        ):
            _write_warps(st, slot, warps, values)

    return normal_op(ins, run, collective=True, counters={"ldmatrix": 1})


def decode_shfl(ctx: DecodeContext, ins: Instruction) -> Op:
    """``shfl.sync.{up,down,bfly,idx}.b32 d[|p], a, b, c, membermask`` (PTX ISA pseudocode:
    lane j = f(lane, b) inside the segment and clamp that c encodes; an out-of-range j reads
    the lane's own value and clears p)."""
    mods = modifiers(ctx, ins, {"sync", "up", "down", "bfly", "idx"})
    modes = mods.flags & {"up", "down", "bfly", "idx"}
    if "sync" not in mods.flags or len(modes) != 1 or mods.types != ["b32"]:
        raise ctx.error(ins, "expected shfl.sync.{up,down,bfly,idx}.b32")
    (mode,) = modes
    expect_operands(ctx, ins, 5)
    destination, source, lane_operand, clamp_operand, member_operand = ins.operands
    check_members = _full_warp_members(ctx, ins, member_operand)
    if isinstance(destination, PredPair):
        write = writer(ctx, ins, destination.first, "b32")
        write_valid: Writer | None = writer(ctx, ins, destination.second, "pred")
    else:
        write, write_valid = writer(ctx, ins, destination, "b32"), None
    read = per_thread(reader(ctx, ins, source, "b32"))
    read_lane = per_thread(reader(ctx, ins, lane_operand, "b32"))
    read_clamp = per_thread(reader(ctx, ins, clamp_operand, "b32"))

    def run(st: State, mask: Mask) -> None:
        check_members(st, mask)
        lane = st.special["%laneid"].astype(np.int64)
        offset = read_lane(st).astype(np.int64) & 31
        control = read_clamp(st).astype(np.int64)
        segment = (control >> 8) & 31
        top = (lane & segment) | (control & 31 & ~segment)
        if mode == "up":
            source_lane = lane - offset
            valid = source_lane >= top
        else:
            source_lane = {
                "down": lane + offset,
                "bfly": lane ^ offset,
                "idx": (lane & segment) | (offset & ~segment),
            }[mode]
            valid = source_lane <= top
        source_lane = np.where(valid, source_lane, lane)
        values = read(st)
        warp_start = np.arange(st.count) - lane
        write(st, values[warp_start + source_lane], mask)
        if write_valid is not None:
            write_valid(st, valid, mask)

    return normal_op(ins, run, collective=True)


def decode_mma(ctx: DecodeContext, ins: Instruction) -> Op:
    head = ins.modifiers[0] if ins.modifiers else ""
    sparse = head in ("sp", "sp::ordered_metadata")
    ordered = head == "sp::ordered_metadata"
    rest = list(ins.modifiers[1:] if sparse else ins.modifiers)
    shapes = [m for m in rest if m.startswith("m16n8k")]
    types = [m for m in rest if m in TYPE_BITS]
    other = set(rest) - set(shapes) - set(types)
    if other != {"sync", "aligned", "row", "col"} or len(shapes) != 1 or len(types) != 4:
        raise ctx.error(
            ins, "expected mma{.sp::ordered_metadata}.sync.aligned.SHAPE.row.col.D.A.B.C"
        )
    if rest.index("row") > rest.index("col"):
        raise ctx.error(ins, "only .row.col layouts exist")
    shape = tensor_core.mma_shape(sparse, shapes[0], *types)
    if isinstance(shape, str):
        raise ctx.error(ins, shape)
    expect_operands(ctx, ins, 6 if sparse else 4)
    d = _b32_slots(ctx, ins, ins.operands[0], shape.cd_registers, "D")
    a = _b32_slots(ctx, ins, ins.operands[1], shape.a_registers, "A")
    b = _b32_slots(ctx, ins, ins.operands[2], shape.b_registers, "B")
    c = _b32_slots(ctx, ins, ins.operands[3], shape.cd_registers, "C")
    metadata_slot = None
    selector = 0
    if sparse:
        (metadata_slot,) = _b32_slots(ctx, ins, ins.operands[4], 1, "the metadata")
        selector_operand = ins.operands[5]
        if not isinstance(selector_operand, Imm) or isinstance(selector_operand.value, float):
            raise ctx.error(ins, "the sparsity selector must be an integer immediate")
        selector = int(selector_operand.value)
        if not 0 <= selector < shape.selectors:
            raise ctx.error(
                ins,
                f"sparsity selector {selector} is out of range "
                f"0..{shape.selectors - 1} for {shapes[0]}.{types[1]}",
            )

    def run(st: State, mask: Mask) -> None:
        warps = _active_warps(st, mask)
        try:
            result = tensor_core.mma(
                shape,
                [_warp_registers(st, s, warps) for s in a],
                [_warp_registers(st, s, warps) for s in b],
                [_warp_registers(st, s, warps) for s in c],
                _warp_registers(st, metadata_slot, warps) if metadata_slot is not None else None,
                selector,
                ordered,
            )
        except tensor_core.WarpFault as fault:
            raise ThreadFault(int(warps[fault.warp]) * 32 + fault.lane, fault.message) from None
        for slot, values in zip(d, result, strict=True):
            _write_warps(st, slot, warps, values)

    return normal_op(ins, run, collective=True, counters={"mma.sp" if sparse else "mma": 1})


def decode_vote(ctx: DecodeContext, ins: Instruction) -> Op:
    """``vote.sync.{all,any,uni}.pred d, {!}a, membermask`` and ``vote.sync.ballot.b32``
    (bit L of d = a of lane L), over the 32 lanes of each warp."""
    mods = modifiers(ctx, ins, {"sync", "all", "any", "uni", "ballot"})
    modes = mods.flags & {"all", "any", "uni", "ballot"}
    mode = next(iter(modes), None)
    expected_type = "b32" if mode == "ballot" else "pred"
    if "sync" not in mods.flags or len(modes) != 1 or mods.types != [expected_type]:
        raise ctx.error(ins, "expected vote.sync.{all,any,uni}.pred or vote.sync.ballot.b32")
    expect_operands(ctx, ins, 3)
    write = writer(ctx, ins, ins.operands[0], expected_type)
    read = per_thread(reader(ctx, ins, ins.operands[1], "pred"))
    check_members = _full_warp_members(ctx, ins, ins.operands[2])
    lane_bits = np.uint32(1) << np.arange(32, dtype=np.uint32)

    def run(st: State, mask: Mask) -> None:
        check_members(st, mask)
        votes = read(st).reshape(-1, 32)
        if mode == "ballot":
            per_warp: Any = np.bitwise_or.reduce(np.where(votes, lane_bits, 0), axis=1)
        elif mode == "all":
            per_warp = votes.all(axis=1)
        elif mode == "any":
            per_warp = votes.any(axis=1)
        else:
            per_warp = votes.all(axis=1) | ~votes.any(axis=1)
        write(st, np.repeat(per_warp, 32), mask)

    return normal_op(ins, run, collective=True)


def decode_warp_sync(ctx: DecodeContext, ins: Instruction) -> Op:
    """``bar.warp.sync membermask``: the simulator requires the full warp (0xffffffff)."""
    expect_operands(ctx, ins, 1)
    check_members = _full_warp_members(ctx, ins, ins.operands[0])
    return normal_op(ins, check_members, collective=True)


def _full_warp_members(
    ctx: DecodeContext, ins: Instruction, operand: Operand
) -> Callable[[State, Mask], None]:
    """A check that the member mask of a ``.sync`` warp instruction names the full warp,
    which is what the simulator requires: at decode time for an immediate, at run time for
    a register (nvcc loads ``0xffffffff`` into a register)."""
    message = "the simulator requires the full warp as member mask (0xffffffff)"
    if isinstance(operand, Imm):
        if isinstance(operand.value, float) or int(operand.value) & 0xFFFFFFFF != 0xFFFFFFFF:
            raise ctx.error(ins, f"member mask {int(operand.value) & 0xFFFFFFFF:#010x}: {message}")
        return lambda st, mask: None
    read = per_thread(reader(ctx, ins, operand, "b32"))

    def check(st: State, mask: Mask) -> None:
        members = read(st)
        partial = members != 0xFFFFFFFF
        if mask is not None:
            partial = partial & mask
        if partial.any():
            thread = int(np.argmax(partial))
            raise ThreadFault(thread, f"member mask {int(members[thread]):#010x}: {message}")

    return check
