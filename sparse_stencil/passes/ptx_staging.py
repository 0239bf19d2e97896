"""What every kernel of `lower-mma-to-ptx` begins with: the prologue and the staging.

Both kernel forms (tensor-core and CUDA-core, :mod:`sparse_stencil.dialects.mma`) tile the
grid's interior by blocks from its low end, and each block copies its *input box* (its
output box widened by the halo) from global to shared memory before it computes:

1. *prologue* (:func:`prologue`): the kernel's parameters (input and output grid), thread,
   lane and warp ids; per axis the points left in the interior from the block's output
   origin (``lim``), and the flat index of the block's input box origin;
2. *stage* (:func:`stage`): warps walk the box's rows (the axis before the innermost), lanes
   its columns (in 1D all threads walk the one row), one element per access or a vector of
   them where the grid's rows and the block's output box are aligned to the vector (so that
   every access is aligned and lies wholly inside or outside the grid); outer axes are
   unrolled. A load is predicated on the point being in the grid and zero-filled otherwise
   (``selp``), a store on the point being in the box; then ``bar.sync``. A kernel fusing
   steps (:mod:`sparse_stencil.kernel.fusion`) stages the reach of all its steps, which may
   start before the grid (so the loads check the low end too), into both of its buffers. The loaded
   registers may be converted on the way (the CUDA-core kernel stages f32; a split precision
   mode stores each f32 value as two 16-bit parts, in two planes of the box).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from xdsl.ir import Operation, SSAValue

from sparse_stencil.dialects import ptx
from sparse_stencil.kernel.geometry import WARP

STORAGE_PTX = {"float16": "f16", "bfloat16": "bf16", "float32": "f32"}
"""The PTX type of each storage type's elements."""


@dataclass
class Builder:
    """Appends ptx instructions in order and hands back their results."""

    ops: list[Operation] = field(default_factory=list[Operation])

    def emit(self, op: Operation) -> SSAValue:
        """Append `op` and return its (first) result."""
        self.ops.append(op)
        return op.results[0]

    def emit_all(self, op: Operation) -> tuple[SSAValue, ...]:
        """Append `op` and return all its results."""
        self.ops.append(op)
        return tuple(op.results)

    def both(self, first: SSAValue | None, second: SSAValue | None) -> SSAValue | None:
        """The conjunction of two predicates, where None means always true."""
        if first is None or second is None:
            return second if first is None else first
        return self.emit(ptx.AndOp("pred", first, second))


class _Threads(Protocol):
    @property
    def threads(self) -> int:
        """Threads per block."""
        ...


class StagedBlock(Protocol):
    """What the prologue and the staging need of a block tiling (a tensor-core
    :class:`~sparse_stencil.kernel.geometry.Geometry` or a CUDA-core
    :class:`~sparse_stencil.kernel.direct.DirectGeometry`), per axis outermost first."""

    @property
    def dims(self) -> int:
        """Rank of the grid."""
        ...

    @property
    def halo(self) -> tuple[int, ...]:
        """The fixed boundary band."""
        ...

    @property
    def origin(self) -> tuple[int, ...]:
        """Where the output box starts in the staged box."""
        ...

    @property
    def early(self) -> tuple[int, ...]:
        """Points the staged box of block b starts before ``b E`` in the grid."""
        ...

    @property
    def lead(self) -> int:
        """Output points before the interior on the innermost axis."""
        ...

    @property
    def leads(self) -> tuple[int, ...]:
        """The lead per axis (0 but on the innermost)."""
        ...

    @property
    def fuse(self) -> int:
        """Steps one launch applies."""
        ...

    @property
    def buffer_bytes(self) -> int:
        """Bytes of one staged buffer (a fused kernel has two)."""
        ...

    @property
    def extent(self) -> tuple[int, ...]:
        """Output points per axis of one block."""
        ...

    @property
    def interior(self) -> tuple[int, ...]:
        """Points per axis that the kernel updates."""
        ...

    @property
    def box(self) -> tuple[int, ...]:
        """Extents of the staged input box."""
        ...

    @property
    def global_strides(self) -> tuple[int, ...]:
        """Element strides of the grid."""
        ...

    @property
    def shared_strides(self) -> tuple[int, ...]:
        """Element strides of the staged box (the innermost row padded to the pitch)."""
        ...

    @property
    def shared_bytes(self) -> int:
        """Shared memory one block stages."""
        ...

    @property
    def block(self) -> _Threads:
        """The block's layout (its threads)."""
        ...


def output_offset(tiling: StagedBlock) -> int:
    """Elements from the block's input box origin to its output origin in the grid."""
    return sum(o * s for o, s in zip(tiling.origin, tiling.global_strides, strict=True))


@dataclass(frozen=True)
class Registers:
    """What the prologue computed, for the phases to use."""

    x: SSAValue
    y: SSAValue
    tid: SSAValue
    lane: SSAValue
    warp: SSAValue
    limits: list[SSAValue]
    """Per axis, interior points from the block's output origin to the interior's end."""
    box_start: SSAValue
    """Flat element index of the block's input box origin in the grid (negative where a
    fused box starts before the grid)."""
    firsts: list[SSAValue]
    """Per axis, where the interior starts from the block's output origin (``lead - b E``);
    empty unless the kernel fuses steps or has a lead."""
    shared: SSAValue
    """Shared-memory address of the staged box."""


def prologue(builder: Builder, tiling: StagedBlock, name: str) -> Registers:
    """Declare the staged box and compute the ids and block origins (module docstring)."""
    emit = builder.emit
    builder.emit_all(ptx.SharedOp(f"{name}_box", tiling.shared_bytes))
    x = emit(ptx.CvtaOp("global", emit(ptx.LdParamOp(f"{name}_x", "u64"))))
    y = emit(ptx.CvtaOp("global", emit(ptx.LdParamOp(f"{name}_y", "u64"))))
    tid = emit(ptx.SpecialRegOp("tid.x"))
    lane = emit(ptx.AndOp("b32", tid, WARP - 1))
    warp = emit(ptx.ShrOp("u32", tid, 5))
    dims = tiling.dims
    block_ids = [emit(ptx.SpecialRegOp(f"ctaid.{'xyz'[dims - 1 - a]}")) for a in range(dims)]
    leads = tiling.leads
    limits = [
        emit(ptx.MadOp("s32", block_ids[a], -tiling.extent[a], tiling.interior[a] + leads[a]))
        for a in range(dims)
    ]
    strides = tiling.global_strides
    box_start = emit(ptx.MulOp("s32", block_ids[0], tiling.extent[0] * strides[0], mode="lo"))
    for a in range(1, dims):
        box_start = emit(ptx.MadOp("s32", block_ids[a], tiling.extent[a] * strides[a], box_start))
    early = tiling.early
    if any(early):
        box_start = emit(
            ptx.SubOp("s32", box_start, sum(e * s for e, s in zip(early, strides, strict=True)))
        )
    firsts = (
        [
            emit(ptx.MadOp("s32", block_ids[a], -tiling.extent[a], leads[a]))
            if leads[a]
            else emit(ptx.MulOp("s32", block_ids[a], -tiling.extent[a], mode="lo"))
            for a in range(dims)
        ]
        if tiling.fuse > 1 or tiling.lead
        else []
    )
    shared = emit(ptx.AddressOfOp(f"{name}_box", "u32"))
    return Registers(x, y, tid, lane, warp, limits, box_start, firsts, shared)


Convert = Callable[[Builder, Sequence[SSAValue]], list[SSAValue]]
"""Turns the registers of one staging load into those that one staging store writes."""


@dataclass(frozen=True)
class StagePlan:
    """How one staging access moves elements: `vector` elements of `global_bytes` each are
    loaded as `load` (a PTX type and a register count), `convert`-ed, and stored to shared
    memory as `store_type` registers of elements of `shared_bytes` each."""

    vector: int
    global_bytes: int
    load: tuple[str, int]
    shared_bytes: int
    store_type: str
    convert: Convert | None = None
    """None: the loaded registers are stored as they are."""
    planes: int = 1
    """Planes the converted registers fill, in equal shares, each stored `plane_bytes`
    after the previous one (a split precision mode's hi and lo parts)."""
    plane_bytes: int = 0
    copies: int = 1
    """Buffers every store writes, each `copy_bytes` after the previous one (two in a
    kernel fusing steps: both start as the staged input)."""
    copy_bytes: int = 0


def stage(builder: Builder, tiling: StagedBlock, registers: Registers, plan: StagePlan) -> None:
    """Copy the block's input box to shared memory (module docstring, step 2)."""
    emit = builder.emit
    dims, box = tiling.dims, tiling.box
    gstrides, sstrides = tiling.global_strides, tiling.shared_strides
    # Points of the box inside the grid, per axis: the box starts `origin` before the
    # block's output origin, so its points from `limit + r + origin` on are past the grid's
    # end; a box that may start before the grid has its points before `first + origin - r`
    # there.
    in_grid = [
        emit(ptx.MinOp("s32", emit(ptx.AddOp("s32", limit, r + origin)), extent))
        for limit, r, origin, extent in zip(
            registers.limits, tiling.halo, tiling.origin, box, strict=True
        )
    ]
    lows: list[SSAValue | None] = [None] * dims
    for a, first in enumerate(registers.firsts):
        if tiling.early[a]:
            lows[a] = emit(ptx.AddOp("s32", first, tiling.origin[a] - tiling.halo[a]))
    vector = plan.vector
    lanes = registers.tid if dims == 1 else registers.lane
    columns = lanes if vector == 1 else emit(ptx.ShlOp("b32", lanes, vector.bit_length() - 1))
    width = (tiling.block.threads if dims == 1 else WARP) * vector
    column_grid = emit(ptx.SubOp("s32", in_grid[-1], columns))
    column_low = None if lows[-1] is None else emit(ptx.SubOp("s32", lows[-1], columns))
    rows: list[tuple[int, SSAValue | None, SSAValue | None]] = [(0, None, None)]
    global_offset = columns
    shared_offset = columns
    if dims >= 2:
        warps = tiling.block.threads // WARP
        row_grid = emit(ptx.SubOp("s32", in_grid[-2], registers.warp))
        row_low = None if lows[-2] is None else emit(ptx.SubOp("s32", lows[-2], registers.warp))
        rows = [
            (
                it * warps,
                builder.both(
                    emit(ptx.SetpOp("gt", "s32", row_grid, it * warps)),
                    _low_guard(builder, row_low, it * warps),
                ),
                _box_guard(builder, registers.warp, box[-2], it * warps, warps),
            )
            for it in range(_span(box[-2], warps))
        ]
        global_offset = emit(ptx.MadOp("s32", registers.warp, gstrides[-2], columns))
        shared_offset = emit(ptx.MadOp("s32", registers.warp, sstrides[-2], columns))
    start = emit(ptx.AddOp("s32", registers.box_start, global_offset))
    source = emit(
        ptx.AddOp("s64", registers.x, emit(ptx.MulOp("s32", start, plan.global_bytes, "wide")))
    )
    target = emit(
        ptx.AddOp(
            "u32", registers.shared, emit(ptx.MulOp("u32", shared_offset, plan.shared_bytes, "lo"))
        )
    )
    column_guards = [
        (
            chunk * width,
            builder.both(
                emit(ptx.SetpOp("gt", "s32", column_grid, chunk * width)),
                _low_guard(builder, column_low, chunk * width),
            ),
            _box_guard(builder, columns, box[-1], chunk * width, width - vector + 1),
        )
        for chunk in range(_span(box[-1], width))
    ]
    outer = range(box[0]) if dims == 3 else [0]
    for plane in outer:
        plane_guard = (
            builder.both(
                emit(ptx.SetpOp("gt", "s32", in_grid[0], plane)),
                _low_guard(builder, lows[0], plane),
            )
            if dims == 3
            else None
        )
        for row, row_in_grid, row_in_box in rows:
            row_guard = builder.both(plane_guard, row_in_grid)
            for column, column_in_grid, column_in_box in column_guards:
                loaded = builder.both(row_guard, column_in_grid)
                stored = builder.both(row_in_box, column_in_box)
                offset = _shift(gstrides, plane, row, column) * plan.global_bytes
                values = _load_or_zero(builder, source, offset, plan.load, loaded)
                if plan.convert is not None:
                    values = plan.convert(builder, values)
                share = len(values) // plan.planes
                for copy in range(plan.copies):
                    for part in range(plan.planes):
                        builder.emit_all(
                            ptx.StOp(
                                "shared",
                                plan.store_type,
                                target,
                                values[part * share : (part + 1) * share],
                                offset=_shift(sstrides, plane, row, column) * plan.shared_bytes
                                + part * plan.plane_bytes
                                + copy * plan.copy_bytes,
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


def _low_guard(builder: Builder, low: SSAValue | None, index: int) -> SSAValue | None:
    """``index >= low`` (the point is not before the grid); None without a low end."""
    if low is None:
        return None
    return builder.emit(ptx.SetpOp("le", "s32", low, index))


def _box_guard(
    builder: Builder, index: SSAValue, extent: int, shift: int, width: int
) -> SSAValue | None:
    """``index + shift < extent`` for an index in [0, width); None when always true."""
    if shift + width <= extent:
        return None
    return builder.emit(ptx.SetpOp("lt", "s32", index, extent - shift))


def _load_or_zero(
    builder: Builder,
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
