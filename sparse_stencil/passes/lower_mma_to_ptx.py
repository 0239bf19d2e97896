"""Lower L2 to L3: each `mma.kernel` becomes a `ptx.entry` (and, on the tensor cores, the two
tables it reads, as `ptx.global`s).

The kernel is straight-line code: the grid shape, the block layout and the K steps are known
at compile time, so every loop is unrolled and every shift between elements, rows, groups and
K steps is an immediate offset of a load or store. What depends on the thread comes from
the tables (:mod:`sparse_stencil.kernel.tables`), what depends on the block from ``%ctaid``.
There is no division or remainder anywhere, and no branch but those over a fused round's
passes (below): edges are handled by predicates.

Parameters: the input grid and the output grid (both global, row-major). Per thread of a
tensor-core kernel:

1. *prologue* (:func:`~.ptx_staging.prologue`): thread, lane and warp ids; per axis the points
   left in the interior from the block's output origin (``lim``), and that origin's flat
   index; the address of the thread's row of the thread table;
2. *stage* (``mma.stage``, :func:`~.ptx_staging.stage`): the block's input box is copied to
   shared memory as it is, one element per access, or 16 bytes where the grid's rows and
   the block's output box are multiples of 16 bytes; in a split precision mode
   (:mod:`sparse_stencil.kernel.precision`) each f32 value x is split on the way into
   ``hi = cvt.rn(x)`` and ``lo = cvt.rn(x - hi)`` (x - hi is exact in f32), stored in two
   planes of the box;
3. *tile product* (``mma.tile_product``): per round of K steps
   (:mod:`~sparse_stencil.kernel.gathers`: one step, or two dense ones whose B registers
   load together) the fragment table's words each step needs (A registers and metadata, the
   B offsets of its loads), the B addresses (tile base + offset), then per group of MMA
   columns the B gathers (``ld.shared`` of 4, 8 or 16 bytes, or two 16-bit halves and a
   pack) and one MMA per step on that group's accumulators; a split mode also loads the
   coefficients' lo parts, gathers the lo plane at the same offsets (plus the plane's
   bytes) and issues three MMAs per step: ``ch·hi``, ``ch·lo``, ``cl·hi``;
4. *store* (``mma.store``): per accumulator value the point's global address and per-axis
   limits from the thread table (and, where blocks start before the interior, a check of
   its start on the innermost axis), then per group a predicate, a conversion to the
   storage type (none for f32) and a store.

A kernel fusing k steps (:mod:`sparse_stencil.kernel.fusion`) stages into two buffers and
runs k - 1 rounds before the last: per pass of the block's tiles the tile product of the
groups that write in it (its gathers shifted by the pass and the buffer that the round
reads, as immediates), then per accumulator value a conversion to the storage type and a
store to the other buffer, predicated on the point being an interior point of the grid
that no earlier pass wrote; a warp with no tile that writes in a pass branches over it
(``bra.uni``: the whole warp goes one way). A ``bar.sync`` ends each round. The last round
is steps 3 and 4 on the buffer it reads.

A CUDA-core kernel (``mma.stage`` then ``mma.direct``) shares the prologue and the staging
and is lowered by :mod:`~sparse_stencil.passes.lower_direct`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
from xdsl.context import Context
from xdsl.dialects import builtin
from xdsl.ir import Block, Operation, Region, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from sparse_stencil.dialects import mma, ptx
from sparse_stencil.kernel.fusion import Pass, round_passes
from sparse_stencil.kernel.gathers import (
    Round,
    gather_rounds,
    load_elements,
    offset_words,
    register_count,
)
from sparse_stencil.kernel.geometry import WARP, Geometry
from sparse_stencil.kernel.instruction import MmaInstruction
from sparse_stencil.kernel.search import table_words
from sparse_stencil.kernel.tables import LOW_A_WORD, METADATA_WORD, OFFSET_WORD
from sparse_stencil.passes.lower_direct import lower_direct_kernel
from sparse_stencil.passes.ptx_staging import (
    STORAGE_PTX,
    Builder,
    Registers,
    StagePlan,
    output_offset,
    prologue,
    stage,
)


@dataclass(frozen=True)
class _KernelContext:
    """What the prologue computed, for the phases to use."""

    geometry: Geometry
    instruction: MmaInstruction
    storage: str
    registers: Registers
    thread_row: SSAValue
    """Global address of this thread's row of the thread table."""
    words: int
    """Words per lane per K step of the fragment table."""
    split: str | None
    """The 16-bit PTX type of a split precision mode's parts, or None."""


def lower_kernel(kernel: mma.KernelOp) -> list[Operation]:
    """The module-level ptx ops of `kernel`: its two tables and its entry."""
    name = kernel.sym_name.data
    geometry = kernel.geometry
    assert isinstance(geometry, Geometry)  # the verifier: a tile product means a tiling
    product = kernel.phase(mma.TileProductOp)
    store = kernel.phase(mma.StoreOp)
    fragments = ptx.GlobalOp(f"{name}_fragments", "global", "b32", product.fragments.get_values())
    threads = ptx.GlobalOp(
        f"{name}_threads", "global", "b32", _thread_words(geometry, product, store)
    )
    builder = Builder()
    context = _prologue(builder, kernel, geometry, name)
    stage(builder, geometry, context.registers, _stage_plan(context))
    steps = product.instructions
    bases = np.array(product.tile_bases.get_values(), dtype=np.int64)
    passes = [round_passes(geometry, j) for j in range(1, geometry.fuse + 1)]
    rounds = gather_rounds(
        steps,
        geometry,
        np.array(product.fragments.get_values(), dtype=np.int32).reshape(
            len(steps), WARP, context.words
        ),
        # loads that suit every pass's tiles (a pass may shift their alignment)
        np.concatenate(
            [
                bases - _lowest(geometry) + _pass_bytes(geometry, p.shift, 0)
                for r in passes
                for p in r
            ]
        ),
    )
    operands = _operands(builder, context, name)
    # a fused kernel reads the point words before any pass that a warp may branch over
    points = _point_words(builder, context) if geometry.fuse > 1 else []
    warp_bit = _warp_bit(builder, context, passes[:-1])
    for j, round_passes_ in enumerate(passes[:-1], start=1):
        for i, pass_ in enumerate(round_passes_):
            done = _branch_unless_writer(builder, context, warp_bit, pass_, f"round{j}_pass{i}")
            source = _pass_bytes(geometry, pass_.shift, _buffer(geometry, j - 1))
            accumulators = _tile_product(
                builder, context, steps, rounds, operands, source, pass_.groups
            )
            _store_shared(builder, context, accumulators, points, pass_, _buffer(geometry, j))
            if done is not None:
                builder.emit_all(ptx.LabelOp(done))
        builder.emit_all(ptx.BarSyncOp(0))
    last = _pass_bytes(geometry, passes[-1][0].shift, _buffer(geometry, geometry.fuse - 1))
    every_group = range(geometry.block.groups)
    accumulators = _tile_product(builder, context, steps, rounds, operands, last, every_group)
    _store(builder, context, accumulators, points or _point_words(builder, context))
    builder.emit_all(ptx.RetOp())
    params = [(f"{name}_x", "u64"), (f"{name}_y", "u64")]
    return [fragments, threads, ptx.EntryOp(name, params, Region(Block(builder.ops)))]


def thread_row_words(geometry: Geometry) -> int:
    """Words per thread in the thread table: the tile base (padded to 4), then the points."""
    return 4 + 4 * (1 + geometry.dims)


def _thread_words(geometry: Geometry, product: mma.TileProductOp, store: mma.StoreOp) -> list[int]:
    threads = geometry.block.threads
    bases = np.array(product.tile_bases.get_values(), dtype=np.int64).reshape(threads, 1)
    points = np.array(store.points.get_values(), dtype=np.int64).reshape(threads, -1)
    padding = np.zeros((threads, 3), dtype=np.int64)
    return np.concatenate([bases, padding, points], axis=1).reshape(-1).tolist()


def _prologue(
    builder: Builder, kernel: mma.KernelOp, geometry: Geometry, name: str
) -> _KernelContext:
    registers = prologue(builder, geometry, name)
    table = builder.emit(ptx.AddressOfOp(f"{name}_threads", "u64"))
    row_bytes = 4 * thread_row_words(geometry)
    offset = builder.emit(ptx.MulOp("u32", registers.tid, row_bytes, mode="wide"))
    return _KernelContext(
        geometry=geometry,
        instruction=kernel.mma_instruction,
        storage=STORAGE_PTX[kernel.grid.storage.name],
        registers=registers,
        thread_row=builder.emit(ptx.AddOp("s64", table, offset)),
        words=kernel.fragment_words,
        split=None if kernel.split is None else kernel.mma_instruction.a_type,
    )


def _buffer(geometry: Geometry, round_: int) -> int:
    """Shared-memory bytes from the staged box to the buffer that round `round_` writes
    (0: the staging) of a kernel fusing steps: the two buffers alternate."""
    return round_ % 2 * geometry.buffer_bytes


def _pass_bytes(geometry: Geometry, shift: Sequence[int], buffer: int) -> int:
    """Bytes from the lowest tile base of a kernel (:func:`_operands`: its tiles in the first
    pass of the first round) to its tiles in a pass of `shift`, in the buffer at `buffer`."""
    strides = geometry.shared_strides
    lowest = [r - e for r, e in zip(geometry.halo, geometry.reach, strict=True)]
    points = sum((s - low) * stride for s, low, stride in zip(shift, lowest, strides, strict=True))
    return buffer + points * geometry.element_bytes


def _lowest(geometry: Geometry) -> int:
    """Bytes from a thread's lowest tile base to its tile base in the thread table (its
    tiles in the last round)."""
    return _pass_bytes(geometry, (0,) * geometry.dims, 0)


def _warp_bit(
    builder: Builder, context: _KernelContext, rounds: Sequence[Sequence[Pass]]
) -> SSAValue | None:
    """``1 << warp``, if some warp skips a pass of `rounds` (a fused kernel's rounds before
    the last), to test against a pass's mask of warps."""
    warps = context.geometry.block.warps
    if all(len(p.warps) == warps for r in rounds for p in r):
        return None
    one = builder.emit(ptx.MovOp("b32", 1))
    return builder.emit(ptx.ShlOp("b32", one, context.registers.warp))


def _branch_unless_writer(
    builder: Builder,
    context: _KernelContext,
    warp_bit: SSAValue | None,
    pass_: Pass,
    name: str,
) -> str | None:
    """Branch over the pass `name` unless this warp writes in it: the label to place after
    the pass, or None where every warp writes."""
    if warp_bit is None or len(pass_.warps) == context.geometry.block.warps:
        return None
    label = f"{name}_done"
    mine = builder.emit(ptx.AndOp("b32", warp_bit, sum(1 << w for w in pass_.warps)))
    idle = builder.emit(ptx.SetpOp("eq", "b32", mine, 0))
    builder.emit_all(ptx.BraOp(label, guard=idle))
    return label


def _stage_plan(context: _KernelContext) -> StagePlan:
    """Elements staged as they are: one each, or 16 bytes as four b32s; in a split mode f32
    elements (one, or four in 16 bytes) split into two planes of 16-bit parts. A kernel
    fusing steps stages into both of its buffers."""
    size = context.instruction.element_bytes
    vector = context.geometry.stage_vector
    if context.split is not None:
        return StagePlan(
            vector,
            context.geometry.global_bytes,
            ("f32", vector),
            size,
            "b16" if vector == 1 else "b32",
            partial(_split, context.split),
            planes=context.geometry.planes,
            plane_bytes=context.geometry.plane_bytes,
        )
    load = ("b32" if size == 4 else "b16", 1) if vector == 1 else ("b32", 4)
    copies = 2 if context.geometry.fuse > 1 else 1
    return StagePlan(
        vector, size, load, size, load[0], copies=copies, copy_bytes=context.geometry.buffer_bytes
    )


def _split(part: str, builder: Builder, values: Sequence[SSAValue]) -> list[SSAValue]:
    """The hi parts of f32 `values` in the 16-bit type `part`, then their lo parts; packed
    in pairs when there are several (one 32-bit register per two staged elements)."""
    highs: list[SSAValue] = []
    lows: list[SSAValue] = []
    for value in values:
        high = builder.emit(ptx.CvtOp(part, "f32", value, rounding="rn"))
        widened = builder.emit(ptx.CvtOp("f32", part, high))
        rest = builder.emit(ptx.SubOp("f32", value, widened))  # exact: hi keeps x's top bits
        highs.append(high)
        lows.append(builder.emit(ptx.CvtOp(part, "f32", rest, rounding="rn")))
    if len(values) == 1:
        return highs + lows
    return [
        builder.emit(ptx.PackOp(parts[i], parts[i + 1]))
        for parts in (highs, lows)
        for i in range(0, len(parts), 2)
    ]


@dataclass(frozen=True)
class _Operands:
    """Where the tile product reads: the thread's lowest tile base in shared memory (that
    of its tiles in the first pass of the first round, :func:`_pass_bytes`), and its lane's
    row of the fragment table."""

    tile_base: SSAValue
    fragments: SSAValue


def _operands(builder: Builder, context: _KernelContext, name: str) -> _Operands:
    emit = builder.emit
    geometry = context.geometry
    base_word = emit(ptx.LdOp("global", "b32", context.thread_row, non_coherent=True))
    tile_base = emit(ptx.AddOp("u32", context.registers.shared, base_word))
    lowest = _lowest(geometry)
    if lowest:
        tile_base = emit(ptx.SubOp("u32", tile_base, lowest))
    table = emit(ptx.AddressOfOp(f"{name}_fragments", "u64"))
    lane_offset = emit(ptx.MulOp("u32", context.registers.lane, context.words * 4, mode="wide"))
    return _Operands(tile_base, emit(ptx.AddOp("s64", table, lane_offset)))


def _tile_product(
    builder: Builder,
    context: _KernelContext,
    steps: Sequence[MmaInstruction],
    rounds: Sequence[Round],
    operands: _Operands,
    shift: int,
    groups: Sequence[int],
) -> list[tuple[SSAValue, ...]]:
    """Accumulate `groups` over the K steps (module docstring, step 3), on the tiles
    `shift` bytes from the lowest tile base: one accumulator per group."""
    geometry = context.geometry
    emit = builder.emit
    tile_base, fragments = operands.tile_base, operands.fragments
    zero = emit(ptx.MovOp("f32", 0))
    accumulators: list[tuple[SSAValue, ...]] = [(zero,) * 4 for _ in groups]
    group_bytes = (
        geometry.group_shift * geometry.shared_strides[0] * context.instruction.element_bytes
    )
    needed = offset_words(rounds, steps)
    for round_ in rounds:
        a: dict[int, list[SSAValue]] = {}
        a_low: dict[int, list[SSAValue]] = {}
        metadata: dict[int, SSAValue | None] = {}
        offsets: dict[int, list[SSAValue]] = {}
        for index in round_.steps:
            step = steps[index]
            entry = index * WARP * context.words * 4
            count = len(step.a_registers(0, 0))
            a[index] = _load_words(builder, fragments, entry, count)
            if context.split is not None:
                a_low[index] = _load_words(builder, fragments, entry + 4 * LOW_A_WORD, count)
            metadata[index] = (
                _load_words(builder, fragments, entry + 4 * METADATA_WORD, 1)[0]
                if step.sparse
                else None
            )
            count = table_words(max(needed[index], default=-1) + 1)
            offsets[index] = _load_words(builder, fragments, entry + 4 * OFFSET_WORD, count)
        addresses = _gather_addresses(builder, tile_base, round_, steps, offsets)
        for slot, group in enumerate(groups):
            at = shift + group * group_bytes
            b = _gather(builder, context, round_, addresses, at)
            b_low = (
                _gather(builder, context, round_, addresses, at + geometry.plane_bytes)
                if context.split is not None
                else []
            )
            for index in round_.steps:
                count = register_count(steps[index])
                registers, b = b[:count], b[count:]
                # split modes: ch·hi, ch·lo, cl·hi (cl·lo is dropped, see kernel.precision)
                products = [(a[index], registers)]
                if context.split is not None:
                    low, b_low = b_low[:count], b_low[count:]
                    products += [(a[index], low), (a_low[index], registers)]
                for a_part, b_part in products:
                    accumulators[slot] = _mma(
                        builder, steps[index], a_part, b_part, metadata[index], accumulators[slot]
                    )
    return accumulators


def _load_words(builder: Builder, address: SSAValue, offset: int, count: int) -> list[SSAValue]:
    """`count` consecutive table words at `address + offset`, in vector loads of 4, 2, 1."""
    words: list[SSAValue] = []
    while len(words) < count:
        left = count - len(words)
        vector = 4 if left >= 4 else 2 if left >= 2 else 1
        words += builder.emit_all(
            ptx.LdOp(
                "global",
                "b32",
                address,
                offset=offset + 4 * len(words),
                vector=vector,
                non_coherent=True,
            )
        )
    return words


def _gather_addresses(
    builder: Builder,
    tile_base: SSAValue,
    round_: Round,
    steps: Sequence[MmaInstruction],
    offsets: dict[int, list[SSAValue]],
) -> list[list[SSAValue]]:
    """Per load of a round, the shared addresses it reads (two for a split register)."""
    addresses: list[list[SSAValue]] = []
    for load in round_.loads:
        index, elements = load_elements(round_, steps, load)
        addresses.append(
            [builder.emit(ptx.AddOp("u32", tile_base, offsets[index][e])) for e in elements]
        )
    return addresses


def _gather(
    builder: Builder,
    context: _KernelContext,
    round_: Round,
    addresses: Sequence[Sequence[SSAValue]],
    shift: int,
) -> list[SSAValue]:
    """The lane's B registers of a round for one group: whole registers in loads of 1, 2 or
    4 words, a split one as two 16-bit loads and a pack."""
    registers: list[SSAValue] = []
    for load, where in zip(round_.loads, addresses, strict=True):
        if load.width:
            registers += builder.emit_all(
                ptx.LdOp("shared", "b32", where[0], offset=shift, vector=load.width)
            )
            continue
        low, high = (builder.emit(ptx.LdOp("shared", "b16", a, offset=shift)) for a in where)
        registers.append(builder.emit(ptx.PackOp(low, high)))
    return registers


def _mma(
    builder: Builder,
    instruction: MmaInstruction,
    a: Sequence[SSAValue],
    b: Sequence[SSAValue],
    metadata: SSAValue | None,
    c: Sequence[SSAValue],
) -> tuple[SSAValue, ...]:
    if metadata is not None:
        op = ptx.MmaSpOp(instruction.shape, instruction.a_type, a, b, c, metadata, 0)
    else:
        op = ptx.MmaOp(instruction.shape, instruction.a_type, a, b, c)
    return builder.emit_all(op)


def _point_words(builder: Builder, context: _KernelContext) -> list[SSAValue]:
    """The thread-table words of the thread's accumulator values: per value the point's
    element offset and coordinates from the block's output origin."""
    words: list[SSAValue] = []
    for vector in range(1, 2 + context.geometry.dims):
        words += builder.emit_all(
            ptx.LdOp(
                "global", "b32", context.thread_row, offset=16 * vector, vector=4, non_coherent=True
            )
        )
    return words


def _store_shared(
    builder: Builder,
    context: _KernelContext,
    accumulators: Sequence[tuple[SSAValue, ...]],
    words: Sequence[SSAValue],
    pass_: Pass,
    buffer: int,
) -> None:
    """Round a pass's points (`accumulators` of its groups) to the storage type and store
    to the buffer at `buffer` those that are interior points of the grid and that no
    earlier pass wrote."""
    geometry = context.geometry
    emit = builder.emit
    dims = geometry.dims
    size = geometry.element_bytes
    strides = geometry.shared_strides
    group_bytes = geometry.group_shift * strides[0] * size
    # per axis, the first and the end of the points that the pass writes, as coordinates
    # of a first-group point: interior points, and those of no earlier pass
    ends = [
        emit(ptx.SubOp("s32", limit, shift)) if shift else limit
        for limit, shift in zip(context.registers.limits, pass_.shift, strict=True)
    ]
    firsts = [
        emit(ptx.MaxOp("s32", emit(ptx.SubOp("s32", start, shift)), first))
        for start, shift, first in zip(
            context.registers.firsts, pass_.shift, pass_.first, strict=True
        )
    ]
    bounds = [
        (
            emit(ptx.SubOp("s32", firsts[0], group * geometry.group_shift)) if group else firsts[0],
            emit(ptx.SubOp("s32", ends[0], group * geometry.group_shift)) if group else ends[0],
        )
        for group in pass_.groups
    ]
    origin = buffer + size * sum(
        (o + s) * stride for o, s, stride in zip(geometry.origin, pass_.shift, strides, strict=True)
    )
    for value in range(4):
        coordinates = words[value * (1 + dims) + 1 : (value + 1) * (1 + dims)]
        offset = emit(ptx.MulOp("s32", coordinates[0], strides[0] * size, mode="lo"))
        for axis in range(1, dims):
            offset = emit(ptx.MadOp("s32", coordinates[axis], strides[axis] * size, offset))
        address = emit(ptx.AddOp("u32", context.registers.shared, offset))
        others: SSAValue | None = None
        for axis in range(1, dims):
            others = _within(builder, coordinates[axis], firsts[axis], ends[axis], others)
        for slot, (group, accumulator) in enumerate(zip(pass_.groups, accumulators, strict=True)):
            guard = _within(builder, coordinates[0], *bounds[slot], others)
            _store_rounded(
                builder,
                context,
                "shared",
                address,
                accumulator[value],
                origin + group * group_bytes,
                guard,
            )


def _within(
    builder: Builder,
    coordinate: SSAValue,
    first: SSAValue,
    end: SSAValue,
    others: SSAValue | None,
) -> SSAValue:
    """``first <= coordinate < end``, and `others` where given."""
    low = builder.emit(
        ptx.SetpOp(
            "ge", "s32", coordinate, first, combine=None if others is None else ("and", others)
        )
    )
    return builder.emit(ptx.SetpOp("lt", "s32", coordinate, end, combine=("and", low)))


def _store(
    builder: Builder,
    context: _KernelContext,
    accumulators: Sequence[tuple[SSAValue, ...]],
    words: Sequence[SSAValue],
) -> None:
    """Round and store the interior points (module docstring, step 4)."""
    geometry = context.geometry
    emit = builder.emit
    dims = geometry.dims
    size = geometry.global_bytes
    origin = emit(ptx.AddOp("s32", context.registers.box_start, output_offset(geometry)))
    first_limits = [
        emit(ptx.SubOp("s32", context.registers.limits[0], group * geometry.group_shift))
        if group
        else context.registers.limits[0]
        for group in range(geometry.block.groups)
    ]
    group_elements = geometry.group_shift * geometry.global_strides[0]
    for value in range(4):
        entry = words[value * (1 + dims) : (value + 1) * (1 + dims)]
        point = emit(ptx.AddOp("s32", origin, entry[0]))
        address = emit(
            ptx.AddOp("s64", context.registers.y, emit(ptx.MulOp("s32", point, size, mode="wide")))
        )
        others: SSAValue | None = None
        for axis in range(1, dims):
            others = emit(
                ptx.SetpOp(
                    "lt",
                    "s32",
                    entry[1 + axis],
                    context.registers.limits[axis],
                    combine=None if others is None else ("and", others),
                )
            )
        # a lead puts the first block's first points before the interior; in 1D only
        # group 0 reaches them (a group shift is wider than the lead)
        low = (
            emit(
                ptx.SetpOp(
                    "ge",
                    "s32",
                    entry[dims],
                    context.registers.firsts[-1],
                    combine=None if others is None else ("and", others),
                )
            )
            if geometry.lead
            else None
        )
        if dims > 1 and low is not None:
            others, low = low, None
        for group, accumulator in enumerate(accumulators):
            above = builder.both(others, low if group == 0 else None)
            guard = emit(
                ptx.SetpOp(
                    "lt",
                    "s32",
                    entry[1],
                    first_limits[group],
                    combine=None if above is None else ("and", above),
                )
            )
            _store_rounded(
                builder,
                context,
                "global",
                address,
                accumulator[value],
                group * group_elements * size,
                guard,
            )


def _store_rounded(
    builder: Builder,
    context: _KernelContext,
    space: str,
    address: SSAValue,
    value: SSAValue,
    offset: int,
    guard: SSAValue,
) -> None:
    """Store an f32 accumulator value rounded to the grid's storage type, where `guard`."""
    if context.storage != "f32":
        value = builder.emit(ptx.CvtOp(context.storage, "f32", value, rounding="rn"))
    store_type = "f32" if context.storage == "f32" else "b16"
    builder.emit_all(ptx.StOp(space, store_type, address, [value], offset=offset, guard=guard))


class _LowerKernel(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: mma.KernelOp, rewriter: PatternRewriter) -> None:
        lowered = lower_direct_kernel(op) if op.is_direct else lower_kernel(op)
        rewriter.replace(op, lowered, [])


@dataclass(frozen=True)
class LowerMmaToPtxPass(ModulePass):
    """Replaces every `mma.kernel` by its `ptx.entry` and the `ptx.global` tables it reads."""

    name = "lower-mma-to-ptx"

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        PatternRewriteWalker(_LowerKernel(), apply_recursively=False).rewrite_module(op)
