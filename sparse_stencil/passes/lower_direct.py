"""Lower a CUDA-core `mma.kernel` (``mma.stage`` then ``mma.direct``) to a `ptx.entry`.

Straight-line code, like the tensor-core kernels (:mod:`~.lower_mma_to_ptx`): no table, no
division or remainder (a thread's coordinates are shifts and masks of its id, the
arrangement being powers of two), no branch. Per thread:

1. *prologue* and *stage* (:mod:`~.ptx_staging`): the block's input box is staged as f32,
   each element converted once (``cvt.f32.f16``; a bf16 value is the high half of its f32,
   ``mov.b32 {0, x}``; f32 as it is), four elements per access where rows are aligned;
2. the thread's coordinates in the block, the shared-memory address of its first run's
   window origin and the global address of its first output, and the points left in the
   interior from it on each axis;
3. per run (the thread's ``groups``, stacked on the outermost axis: an immediate shift):
   per row of the stencil, the window's loads (``ld.shared.v4.f32`` where aligned), then
   for every output of the run and term of the row one ``mul.rn.f32`` (its first term) or
   ``mad.rn.f32`` (an FMA) with the coefficient as an f32 immediate; per output a
   predicate, one rounding to the storage type and a store.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
from xdsl.ir import Block, Operation, Region, SSAValue

from sparse_stencil.dialects import mma, ptx
from sparse_stencil.kernel.direct import (
    DirectGeometry,
    StencilRow,
    stencil_rows,
    window_loads,
)
from sparse_stencil.passes.ptx_staging import (
    STORAGE_PTX,
    Builder,
    Registers,
    StagePlan,
    output_offset,
    prologue,
    stage,
)
from sparse_stencil.stencil import Stencil

_F32_BYTES = 4


def lower_direct_kernel(kernel: mma.KernelOp) -> list[Operation]:
    """The `ptx.entry` of the CUDA-core kernel `kernel`."""
    name = kernel.sym_name.data
    geometry = kernel.geometry
    assert isinstance(geometry, DirectGeometry)  # the verifier: mma.direct means CUDA cores
    terms = kernel.phase(mma.DirectOp).terms
    stencil = Stencil(terms)
    rows = stencil_rows(stencil, [c for _, c in terms])
    storage = STORAGE_PTX[kernel.grid.storage.name]
    builder = Builder()
    registers = prologue(builder, geometry, name)
    stage(builder, geometry, registers, _stage_plan(builder, geometry, storage))
    thread = _Thread.of(builder, geometry, registers)
    for group in range(geometry.block.groups):
        outputs = _run(builder, geometry, rows, thread.window, group)
        _store(builder, geometry, storage, thread, group, outputs)
    builder.emit_all(ptx.RetOp())
    params = [(f"{name}_x", "u64"), (f"{name}_y", "u64")]
    return [ptx.EntryOp(name, params, Region(Block(builder.ops)))]


def _stage_plan(builder: Builder, geometry: DirectGeometry, storage: str) -> StagePlan:
    """Staging to f32: f32 elements as they are, f16 ones converted, bf16 ones widened by a
    zero low half (whose register this emits)."""
    vector = geometry.stage_vector
    if storage == "f32":
        return StagePlan(vector, 4, ("b32", vector), _F32_BYTES, "b32")
    if storage == "f16":
        return StagePlan(vector, 2, ("b16", vector), _F32_BYTES, "f32", _widen_f16)
    zero = builder.emit(ptx.MovOp("b16", 0))
    return StagePlan(vector, 2, ("b16", vector), _F32_BYTES, "b32", partial(_widen_bf16, zero))


def _widen_f16(builder: Builder, values: Sequence[SSAValue]) -> list[SSAValue]:
    return [builder.emit(ptx.CvtOp("f32", "f16", value)) for value in values]


def _widen_bf16(zero: SSAValue, builder: Builder, values: Sequence[SSAValue]) -> list[SSAValue]:
    return [builder.emit(ptx.PackOp(zero, value)) for value in values]


@dataclass(frozen=True)
class _Thread:
    """Where a thread's first run lies, and the operands of its store predicates."""

    window: SSAValue
    """Shared address of the staged element of its first output, less the halo."""
    output: SSAValue
    """Global address of its first output."""
    columns_left: SSAValue
    """Interior points on the innermost axis from the first output on."""
    rows_left: SSAValue | None
    """Interior points on the outermost axis from the thread's row on (2D and 3D)."""
    others: SSAValue | None
    """Whether the thread's coordinate on the middle axis is interior (3D)."""

    @classmethod
    def of(cls, builder: Builder, geometry: DirectGeometry, registers: Registers) -> _Thread:
        """Compute them from the thread id (module docstring, step 2)."""
        emit = builder.emit
        position = _coordinates(builder, geometry, registers.tid)
        shared = _linear(builder, position, geometry.shared_strides, None)
        window = (
            registers.shared
            if shared is None
            else emit(ptx.MadOp("u32", shared, _F32_BYTES, registers.shared))
        )
        origin = emit(ptx.AddOp("s32", registers.box_start, output_offset(geometry)))
        point = _linear(builder, position, geometry.global_strides, origin)
        assert point is not None
        size = 4 if geometry.element_bytes == 4 else 2
        output = emit(ptx.AddOp("s64", registers.y, emit(ptx.MulOp("s32", point, size, "wide"))))
        limits = registers.limits
        columns_left = _left(builder, limits[-1], position[-1])
        if geometry.dims == 1:
            return cls(window, output, columns_left, None, None)
        others: SSAValue | None = None
        for coordinate, limit in zip(position[1:-1], limits[1:-1], strict=True):
            if coordinate is not None:
                combine = None if others is None else ("and", others)
                others = emit(ptx.SetpOp("lt", "s32", coordinate, limit, combine))
        rows_left = _left(builder, limits[0], position[0])
        return cls(window, output, columns_left, rows_left, others)


def _coordinates(
    builder: Builder, geometry: DirectGeometry, tid: SSAValue
) -> list[SSAValue | None]:
    """Per axis, the thread's first output from the block's origin (None: always 0)."""
    emit = builder.emit
    arrangement = geometry.block.arrangement
    position: list[SSAValue | None] = []
    shift = 0
    for axis in reversed(range(geometry.dims)):
        threads = arrangement[axis]
        if threads == 1:
            position.append(None)
            continue
        value = tid if shift == 0 else emit(ptx.ShrOp("u32", tid, shift))
        if shift + threads.bit_length() - 1 < geometry.block.threads.bit_length() - 1:
            value = emit(ptx.AndOp("b32", value, threads - 1))
        points = geometry.tile[axis]
        if points > 1:
            value = emit(ptx.ShlOp("b32", value, points.bit_length() - 1))
        position.append(value)
        shift += threads.bit_length() - 1
    return position[::-1]


def _linear(
    builder: Builder,
    position: Sequence[SSAValue | None],
    strides: Sequence[int],
    start: SSAValue | None,
) -> SSAValue | None:
    """``start + sum position[a] * strides[a]`` in elements (None: zero)."""
    total = start
    for value, stride in zip(position, strides, strict=True):
        if value is None:
            continue
        if total is None:
            total = value if stride == 1 else builder.emit(ptx.MulOp("s32", value, stride, "lo"))
        elif stride == 1:
            total = builder.emit(ptx.AddOp("s32", total, value))
        else:
            total = builder.emit(ptx.MadOp("s32", value, stride, total))
    return total


def _left(builder: Builder, limit: SSAValue, position: SSAValue | None) -> SSAValue:
    """Interior points on an axis from the thread's position on."""
    return limit if position is None else builder.emit(ptx.SubOp("s32", limit, position))


def _run(
    builder: Builder,
    geometry: DirectGeometry,
    rows: Sequence[StencilRow],
    window: SSAValue,
    group: int,
) -> list[SSAValue]:
    """The f32 sums of one run's outputs (module docstring, step 3)."""
    emit = builder.emit
    strides = geometry.shared_strides
    inner = geometry.halo[-1]
    shift = group * geometry.group_shift * strides[0]
    sums: list[SSAValue | None] = [None] * geometry.run
    for row in rows:
        base = shift + sum(
            (r + o) * s for r, o, s in zip(geometry.halo, row.outer, strides, strict=False)
        )
        inputs: dict[int, SSAValue] = {}
        for column, width in window_loads(*row.window(inner, geometry.run), geometry.alignment):
            offset = (base + column) * _F32_BYTES
            values = builder.emit_all(ptx.LdOp("shared", "f32", window, offset, vector=width))
            inputs.update(zip(range(column, column + width), values, strict=True))
        for k in range(geometry.run):
            for o, c in row.terms:
                x = inputs[inner + o + k]
                bits = int(np.float32(c).view(np.uint32))
                previous = sums[k]
                sums[k] = emit(
                    ptx.MulOp("f32", x, bits, "rn")
                    if previous is None
                    else ptx.MadOp("f32", x, bits, previous, "rn")
                )
    return [s for s in sums if s is not None]


def _store(
    builder: Builder,
    geometry: DirectGeometry,
    storage: str,
    thread: _Thread,
    group: int,
    outputs: Sequence[SSAValue],
) -> None:
    """Round each output once and store it where it is interior."""
    emit = builder.emit
    shift = group * geometry.group_shift
    size = 4 if storage == "f32" else 2
    row: SSAValue | None = None
    if thread.rows_left is not None:
        combine = None if thread.others is None else ("and", thread.others)
        row = emit(ptx.SetpOp("gt", "s32", thread.rows_left, shift, combine))
    columns = shift if geometry.dims == 1 else 0
    elements = shift * geometry.global_strides[0]
    for k, value in enumerate(outputs):
        combine = None if row is None else ("and", row)
        guard = emit(ptx.SetpOp("gt", "s32", thread.columns_left, columns + k, combine))
        result = value if storage == "f32" else emit(ptx.CvtOp(storage, "f32", value, "rn"))
        builder.emit_all(
            ptx.StOp(
                "global",
                "f32" if storage == "f32" else "b16",
                thread.output,
                [result],
                offset=(elements + k) * size,
                guard=guard,
            )
        )
