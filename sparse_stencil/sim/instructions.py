"""Decoding PTX instructions into closures that run over all threads of a batch at once.

Each :class:`~sparse_stencil.sim.ptx_parser.Instruction` becomes one
:class:`~sparse_stencil.sim.operands.Op` (see :mod:`~sparse_stencil.sim.operands` for how
operands are read and written). Decoding happens once per kernel, so executing is a loop over
ops. The instructions are decoded by :mod:`~sparse_stencil.sim.alu` (integer, float,
compare, select, move, convert), :mod:`~sparse_stencil.sim.bits` (bit fields, bit reversal,
funnel shifts, byte permutes), :mod:`~sparse_stencil.sim.memory_ops` (ld, st, cvta),
:mod:`~sparse_stencil.sim.warp_ops` (ldmatrix, mma, shfl, vote, bar.warp.sync) and here
(control flow, barriers, fences). An instruction outside the subset is refused with an
error naming it and its line.
"""

from __future__ import annotations

from collections.abc import Callable

from sparse_stencil.sim.alu import (
    FLOAT_OPS,
    INT_OPS,
    decode_arithmetic,
    decode_cvt,
    decode_mov,
    decode_selp,
    decode_setp,
)
from sparse_stencil.sim.bits import BIT_DECODERS
from sparse_stencil.sim.errors import PtxParseError
from sparse_stencil.sim.memory_ops import decode_cvta, decode_load_store
from sparse_stencil.sim.operands import (
    DecodeContext,
    Op,
    OpKind,
    expect_operands,
    modifiers,
    normal_op,
)
from sparse_stencil.sim.profile import instruction_class
from sparse_stencil.sim.ptx_parser import Imm, Instruction, Not, Sym
from sparse_stencil.sim.warp_ops import (
    decode_ldmatrix,
    decode_mma,
    decode_shfl,
    decode_vote,
    decode_warp_sync,
)


def _decode_branch(ctx: DecodeContext, ins: Instruction) -> Op:
    modifiers(ctx, ins, {"uni"})
    expect_operands(ctx, ins, 1)
    target = ins.operands[0]
    assert isinstance(target, Sym)  # checked by the parser
    return Op(ins.line, ins.name, OpKind.BRANCH, target=ctx.kernel.labels[target.name])


def _decode_exit(ctx: DecodeContext, ins: Instruction) -> Op:
    modifiers(ctx, ins, {"uni"})
    expect_operands(ctx, ins, (0,))
    return Op(ins.line, ins.name, OpKind.EXIT)


def _decode_barrier(ctx: DecodeContext, ins: Instruction) -> Op:
    mods = modifiers(ctx, ins, {"sync", "aligned", "cta"})
    if "sync" not in mods.flags:
        raise ctx.error(ins, "only bar.sync / barrier.sync are supported")
    expect_operands(ctx, ins, (1, 2))
    count = None
    if len(ins.operands) == 2:
        operand = ins.operands[1]
        if not isinstance(operand, Imm):
            raise ctx.error(ins, "the thread count of bar.sync must be an immediate")
        count = int(operand.value)
    if not isinstance(ins.operands[0], Imm):
        raise ctx.error(ins, "the barrier number must be an immediate")
    return Op(ins.line, ins.name, OpKind.BARRIER, barrier_threads=count)


def _decode_fence(ctx: DecodeContext, ins: Instruction) -> Op:
    """membar/fence order memory; the simulator executes every access in program order."""
    expect_operands(ctx, ins, 0)
    return normal_op(ins, lambda st, mask: None)


_DECODERS: dict[str, Callable[[DecodeContext, Instruction], Op]] = {
    **{name: decode_arithmetic for name in INT_OPS | FLOAT_OPS},
    **BIT_DECODERS,
    "setp": decode_setp,
    "selp": decode_selp,
    "mov": decode_mov,
    "cvt": decode_cvt,
    "cvta": decode_cvta,
    "ld": decode_load_store,
    "st": decode_load_store,
    "bra": _decode_branch,
    "ret": _decode_exit,
    "exit": _decode_exit,
    "bar": _decode_barrier,
    "barrier": _decode_barrier,
    "membar": _decode_fence,
    "fence": _decode_fence,
    "ldmatrix": decode_ldmatrix,
    "mma": decode_mma,
    "shfl": decode_shfl,
    "vote": decode_vote,
}


def refuse_calls(ctx: DecodeContext) -> None:
    """Device-function calls are not simulated. Checked before decoding, since the argument
    passing that precedes a call would otherwise be what gets reported."""
    for ins in ctx.kernel.body:
        if ins.opcode == "call":
            callee = next((o.name for o in ins.operands if isinstance(o, Sym)), "?")
            raise ctx.error(
                ins, f"calls to device functions ('{callee}') are not supported by the simulator"
            )


def decode(ctx: DecodeContext, ins: Instruction) -> Op:
    """The Op for one instruction; unknown instructions are refused naming them and the line."""
    if ins.opcode == "bar" and ins.modifiers[:1] == ("warp",):
        op = decode_warp_sync(ctx, ins)
    elif ins.opcode not in _DECODERS:
        raise PtxParseError(
            f"line {ins.line}: unsupported instruction '{ins.name}' "
            "(not in the simulator's PTX subset)"
        )
    else:
        op = _DECODERS[ins.opcode](ctx, ins)
    op.profile_class = instruction_class(ins)
    if ins.guard is not None:
        register = ins.guard.operand if isinstance(ins.guard, Not) else ins.guard
        if ctx.types[register.name] != "pred":
            raise ctx.error(ins, f"guard {register.name} is not a predicate")
        op.guard = ctx.slots[register.name]
        op.negate = isinstance(ins.guard, Not)
    return op
