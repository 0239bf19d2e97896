"""Lower L2 to L3: each `mma.kernel` becomes a `ptx.entry` and its two tables `ptx.global`s.

The kernel is straight-line code: the grid shape, the block layout and the K steps are known
at compile time, so every loop is unrolled and every shift between elements, rows, groups and
K steps is an immediate offset of a load or store. What depends on the thread comes from
the tables (:mod:`sparse_stencil.kernel.tables`), what depends on the block from ``%ctaid``.
There is no division or remainder anywhere, and no branch: edges are handled by predicates.

Parameters: the input grid and the output grid (both global, row-major). Per thread:

1. *prologue*: thread, lane and warp ids; per axis the points left in the interior from the
   block's output origin (``lim``), and that origin's flat index;
2. *stage* (``mma.stage``): warps walk the box's rows (the axis before the innermost), lanes
   its columns (one element each, or 16 bytes each where the grid's rows and the block's
   output box are multiples of 16 bytes, so that every access is aligned and lies wholly
   inside or outside the grid), outer axes are unrolled; a load is predicated on the point
   being in the grid and zero-filled otherwise (``selp``), a store on the point being in
   the box; ``bar.sync``;
3. *tile product* (``mma.tile_product``): per K step two 16-byte loads of the fragment table
   (A registers and metadata, B offsets), the B addresses (tile base + offset), then per
   group of MMA columns the B gathers (``ld.shared``, packed in pairs for 16-bit types) and
   one MMA on that group's accumulators;
4. *store* (``mma.store``): per accumulator value the point's global address and per-axis
   limits from the thread table, then per group a predicate, a conversion to the storage
   type and a store.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

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
from sparse_stencil.kernel.geometry import WARP, Geometry
from sparse_stencil.kernel.instruction import MmaInstruction
from sparse_stencil.kernel.tables import (
    FRAGMENT_WORDS,
    METADATA_WORD,
    OFFSET_WORD,
    paired_registers,
)

_STORAGE_PTX = {"float16": "f16", "bfloat16": "bf16", "float32": "f32"}


@dataclass
class _Builder:
    """Appends ptx instructions in order and hands back their results."""

    ops: list[Operation] = field(default_factory=list[Operation])

    def emit(self, op: Operation) -> SSAValue:
        """Append `op` and return its (first) result."""
        self.ops.append(op)
        return op.results[0]

    def emit_all(self, op: Operation) -> tuple[SSAValue, ...]:
        self.ops.append(op)
        return tuple(op.results)

    def both(self, first: SSAValue | None, second: SSAValue | None) -> SSAValue | None:
        """The conjunction of two predicates, where None means always true."""
        if first is None or second is None:
            return second if first is None else first
        return self.emit(ptx.AndOp("pred", first, second))


@dataclass
class _KernelContext:
    """What the prologue computed, for the phases to use."""

    geometry: Geometry
    instruction: MmaInstruction
    storage: str
    x: SSAValue
    y: SSAValue
    tid: SSAValue
    lane: SSAValue
    warp: SSAValue
    limits: list[SSAValue]
    """Per axis, interior points from the block's output origin to the interior's end."""
    box_start: SSAValue
    """Flat element index of the block's input box origin in the grid."""
    shared: SSAValue
    """Shared-memory address of the staged box."""
    thread_row: SSAValue
    """Global address of this thread's row of the thread table."""


def lower_kernel(kernel: mma.KernelOp) -> list[Operation]:
    """The module-level ptx ops of `kernel`: its two tables and its entry."""
    name = kernel.sym_name.data
    geometry = kernel.geometry
    product = kernel.phase(mma.TileProductOp)
    store = kernel.phase(mma.StoreOp)
    fragments = ptx.GlobalOp(f"{name}_fragments", "global", "b32", product.fragments.get_values())
    threads = ptx.GlobalOp(
        f"{name}_threads", "global", "b32", _thread_words(geometry, product, store)
    )
    builder = _Builder()
    context = _prologue(builder, kernel, name)
    _stage(builder, context)
    steps = product.instructions
    paired = paired_registers(
        steps,
        geometry,
        np.array(product.fragments.get_values(), dtype=np.int32).reshape(
            len(steps), WARP, FRAGMENT_WORDS
        ),
        np.array(product.tile_bases.get_values(), dtype=np.int32),
    )
    accumulators = _tile_product(builder, context, steps, paired, name)
    _store(builder, context, accumulators)
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


def _prologue(builder: _Builder, kernel: mma.KernelOp, name: str) -> _KernelContext:
    geometry = kernel.geometry
    emit = builder.emit
    builder.emit_all(ptx.SharedOp(f"{name}_box", geometry.shared_bytes))
    x = emit(ptx.CvtaOp("global", emit(ptx.LdParamOp(f"{name}_x", "u64"))))
    y = emit(ptx.CvtaOp("global", emit(ptx.LdParamOp(f"{name}_y", "u64"))))
    tid = emit(ptx.SpecialRegOp("tid.x"))
    lane = emit(ptx.AndOp("b32", tid, WARP - 1))
    warp = emit(ptx.ShrOp("u32", tid, 5))
    dims = geometry.dims
    block_ids = [emit(ptx.SpecialRegOp(f"ctaid.{'xyz'[dims - 1 - a]}")) for a in range(dims)]
    limits = [
        emit(ptx.MadOp("s32", block_ids[a], -geometry.extent[a], geometry.interior[a]))
        for a in range(dims)
    ]
    strides = geometry.global_strides
    box_start = emit(ptx.MulOp("s32", block_ids[0], geometry.extent[0] * strides[0], mode="lo"))
    for a in range(1, dims):
        box_start = emit(ptx.MadOp("s32", block_ids[a], geometry.extent[a] * strides[a], box_start))
    shared = emit(ptx.AddressOfOp(f"{name}_box", "u32"))
    table = emit(ptx.AddressOfOp(f"{name}_threads", "u64"))
    row_bytes = 4 * thread_row_words(geometry)
    thread_row = emit(ptx.AddOp("s64", table, emit(ptx.MulOp("u32", tid, row_bytes, mode="wide"))))
    return _KernelContext(
        geometry=geometry,
        instruction=kernel.mma_instruction,
        storage=_STORAGE_PTX[kernel.grid.storage.name],
        x=x,
        y=y,
        tid=tid,
        lane=lane,
        warp=warp,
        limits=limits,
        box_start=box_start,
        shared=shared,
        thread_row=thread_row,
    )


def _stage(builder: _Builder, context: _KernelContext) -> None:
    """Copy the block's input box to shared memory (module docstring, step 2)."""
    geometry = context.geometry
    emit = builder.emit
    dims, box = geometry.dims, geometry.box
    size = context.instruction.element_bytes
    gstrides, sstrides = geometry.global_strides, geometry.shared_strides
    # Points of the box inside the grid, per axis: the box starts at the block's output
    # origin minus the halo, so it holds `limit + 2 r` grid points (at most the box).
    in_grid = [
        emit(ptx.MinOp("s32", emit(ptx.AddOp("s32", limit, 2 * r)), extent))
        for limit, r, extent in zip(context.limits, geometry.halo, box, strict=True)
    ]
    vector = geometry.stage_vector
    lanes = context.tid if dims == 1 else context.lane
    columns = lanes if vector == 1 else emit(ptx.ShlOp("b32", lanes, vector.bit_length() - 1))
    width = (geometry.block.threads if dims == 1 else WARP) * vector
    column_grid = emit(ptx.SubOp("s32", in_grid[-1], columns))
    chunks = _span(box[-1], width)
    rows: list[tuple[int, SSAValue | None, SSAValue | None]] = [(0, None, None)]
    global_offset = columns
    shared_offset = columns
    if dims >= 2:
        warps = geometry.block.warps
        row_grid = emit(ptx.SubOp("s32", in_grid[-2], context.warp))
        rows = [
            (
                it * warps,
                emit(ptx.SetpOp("gt", "s32", row_grid, it * warps)),
                _box_guard(builder, context.warp, box[-2], it * warps, warps),
            )
            for it in range(_span(box[-2], warps))
        ]
        global_offset = emit(ptx.MadOp("s32", context.warp, gstrides[-2], columns))
        shared_offset = emit(ptx.MadOp("s32", context.warp, sstrides[-2], columns))
    start = emit(ptx.AddOp("s32", context.box_start, global_offset))
    source = emit(ptx.AddOp("s64", context.x, emit(ptx.MulOp("s32", start, size, mode="wide"))))
    target = emit(
        ptx.AddOp("u32", context.shared, emit(ptx.MulOp("u32", shared_offset, size, mode="lo")))
    )
    column_guards = [
        (
            chunk * width,
            emit(ptx.SetpOp("gt", "s32", column_grid, chunk * width)),
            _box_guard(builder, columns, box[-1], chunk * width, width - vector + 1),
        )
        for chunk in range(chunks)
    ]
    outer = range(box[0]) if dims == 3 else [0]
    for plane in outer:
        plane_guard = emit(ptx.SetpOp("gt", "s32", in_grid[0], plane)) if dims == 3 else None
        for row, row_in_grid, row_in_box in rows:
            row_guard = builder.both(plane_guard, row_in_grid)
            for column, column_in_grid, column_in_box in column_guards:
                loaded = builder.both(row_guard, column_in_grid)
                stored = builder.both(row_in_box, column_in_box)
                values = _load_or_zero(
                    builder,
                    source,
                    _shift(gstrides, plane, row, column) * size,
                    _stage_type(context, vector),
                    loaded,
                )
                builder.emit_all(
                    ptx.StOp(
                        "shared",
                        _stage_type(context, vector)[0],
                        target,
                        values,
                        offset=_shift(sstrides, plane, row, column) * size,
                        guard=stored,
                    )
                )
    builder.emit_all(ptx.BarSyncOp(0))


def _shift(strides: Sequence[int], plane: int, row: int, column: int) -> int:
    """Elements from a thread's first staged element to the one at (plane, row, column)
    further: planes on the outermost axis of a 3D box, rows on the axis before the
    innermost."""
    outer = [plane, row][-(len(strides) - 1) :] if len(strides) > 1 else []
    return sum(o * s for o, s in zip(outer, strides, strict=False)) + column


def _span(extent: int, width: int) -> int:
    return -(-extent // width)


def _box_guard(
    builder: _Builder, index: SSAValue, extent: int, shift: int, width: int
) -> SSAValue | None:
    """``index + shift < extent`` for an index in [0, width); None when always true."""
    if shift + width <= extent:
        return None
    return builder.emit(ptx.SetpOp("lt", "s32", index, extent - shift))


def _element_type(context: _KernelContext) -> str:
    return "b32" if context.instruction.element_bytes == 4 else "b16"


def _stage_type(context: _KernelContext, vector: int) -> tuple[str, int]:
    """The type and vector width of one staging access: one element, or 16 bytes as b32s."""
    if vector == 1:
        return _element_type(context), 1
    return "b32", 4


def _load_or_zero(
    builder: _Builder,
    address: SSAValue,
    offset: int,
    access: tuple[str, int],
    guard: SSAValue | None,
) -> list[SSAValue]:
    """A staging load, its registers zero where `guard` is false (points beyond the grid)."""
    kind, width = access
    values = builder.emit_all(
        ptx.LdOp(
            "global", kind, address, offset=offset, vector=width, non_coherent=True, guard=guard
        )
    )
    if guard is None:
        return list(values)
    return [builder.emit(ptx.SelpOp(kind, value, 0, guard)) for value in values]


def _tile_product(
    builder: _Builder,
    context: _KernelContext,
    steps: Sequence[MmaInstruction],
    paired: Sequence[Sequence[bool]],
    name: str,
) -> list[tuple[SSAValue, ...]]:
    """Accumulate every group over the K steps (module docstring, step 3)."""
    geometry = context.geometry
    emit = builder.emit
    base_word = emit(ptx.LdOp("global", "b32", context.thread_row, non_coherent=True))
    tile_base = emit(ptx.AddOp("u32", context.shared, base_word))
    table = emit(ptx.AddressOfOp(f"{name}_fragments", "u64"))
    lane_offset = emit(ptx.MulOp("u32", context.lane, FRAGMENT_WORDS * 4, mode="wide"))
    fragments = emit(ptx.AddOp("s64", table, lane_offset))
    zero = emit(ptx.MovOp("f32", 0))
    groups = geometry.block.groups
    accumulators: list[tuple[SSAValue, ...]] = [(zero,) * 4 for _ in range(groups)]
    group_bytes = (
        geometry.group_shift * geometry.shared_strides[0] * context.instruction.element_bytes
    )
    for index, step in enumerate(steps):
        entry = index * WARP * FRAGMENT_WORDS * 4
        a = _load_words(builder, fragments, entry, len(step.a_registers(0, 0)))
        metadata = (
            _load_words(builder, fragments, entry + 4 * METADATA_WORD, 1)[0]
            if step.sparse
            else None
        )
        b_offsets = _load_words(builder, fragments, entry + 4 * OFFSET_WORD, len(step.b_rows(0)))
        registers = paired[index]
        addresses = {
            e: emit(ptx.AddOp("u32", tile_base, o))
            for e, o in enumerate(b_offsets)
            if not (e % 2 and e // 2 < len(registers) and registers[e // 2])
        }
        for group in range(groups):
            b = _gather(builder, context, addresses, registers, group * group_bytes)
            accumulators[group] = _mma(builder, step, a, b, metadata, accumulators[group])
    return accumulators


def _load_words(builder: _Builder, address: SSAValue, offset: int, count: int) -> list[SSAValue]:
    """`count` consecutive table words at `address + offset`, in vector loads of up to 4."""
    words: list[SSAValue] = []
    while len(words) < count:
        vector = min(4, count - len(words))
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


def _gather(
    builder: _Builder,
    context: _KernelContext,
    addresses: dict[int, SSAValue],
    paired: Sequence[bool],
    shift: int,
) -> list[SSAValue]:
    """The lane's B registers for one group: 32-bit elements, or pairs of 16-bit ones, each
    one aligned 32-bit load where `paired` says so, else two loads and a pack."""
    if context.instruction.element_bytes == 4:
        return [
            builder.emit(ptx.LdOp("shared", "b32", addresses[e], offset=shift))
            for e in sorted(addresses)
        ]
    registers: list[SSAValue] = []
    for r, whole in enumerate(paired):
        if whole:
            registers.append(
                builder.emit(ptx.LdOp("shared", "b32", addresses[2 * r], offset=shift))
            )
            continue
        low, high = (
            builder.emit(ptx.LdOp("shared", "b16", addresses[e], offset=shift))
            for e in (2 * r, 2 * r + 1)
        )
        registers.append(builder.emit(ptx.PackOp(low, high)))
    return registers


def _mma(
    builder: _Builder,
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


def _store(
    builder: _Builder,
    context: _KernelContext,
    accumulators: Sequence[tuple[SSAValue, ...]],
) -> None:
    """Round and store the interior points (module docstring, step 4)."""
    geometry = context.geometry
    emit = builder.emit
    dims = geometry.dims
    size = context.instruction.element_bytes
    words: list[SSAValue] = []
    for vector in range(1, 2 + dims):
        words += builder.emit_all(
            ptx.LdOp(
                "global", "b32", context.thread_row, offset=16 * vector, vector=4, non_coherent=True
            )
        )
    origin = emit(ptx.AddOp("s32", context.box_start, _flat_halo(geometry)))
    first_limits = [
        emit(ptx.SubOp("s32", context.limits[0], group * geometry.group_shift))
        if group
        else context.limits[0]
        for group in range(geometry.block.groups)
    ]
    group_elements = geometry.group_shift * geometry.global_strides[0]
    for value in range(4):
        entry = words[value * (1 + dims) : (value + 1) * (1 + dims)]
        point = emit(ptx.AddOp("s32", origin, entry[0]))
        address = emit(
            ptx.AddOp("s64", context.y, emit(ptx.MulOp("s32", point, size, mode="wide")))
        )
        others: SSAValue | None = None
        for axis in range(1, dims):
            others = emit(
                ptx.SetpOp(
                    "lt",
                    "s32",
                    entry[1 + axis],
                    context.limits[axis],
                    combine=None if others is None else ("and", others),
                )
            )
        for group, accumulator in enumerate(accumulators):
            guard = emit(
                ptx.SetpOp(
                    "lt",
                    "s32",
                    entry[1],
                    first_limits[group],
                    combine=None if others is None else ("and", others),
                )
            )
            result = accumulator[value]
            if context.storage != "f32":
                result = emit(ptx.CvtOp(context.storage, "f32", result, rounding="rn"))
            builder.emit_all(
                ptx.StOp(
                    "global",
                    "f32" if context.storage == "f32" else "b16",
                    address,
                    [result],
                    offset=group * group_elements * size,
                    guard=guard,
                )
            )


def _flat_halo(geometry: Geometry) -> int:
    """Elements from the block's input box origin to its output origin."""
    return sum(r * s for r, s in zip(geometry.halo, geometry.global_strides, strict=True))


class _LowerKernel(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: mma.KernelOp, rewriter: PatternRewriter) -> None:
        rewriter.replace(op, lower_kernel(op), [])


@dataclass(frozen=True)
class LowerMmaToPtxPass(ModulePass):
    """Replaces every `mma.kernel` by its `ptx.entry` and the `ptx.global` tables it reads."""

    name = "lower-mma-to-ptx"

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        PatternRewriteWalker(_LowerKernel(), apply_recursively=False).rewrite_module(op)
