"""Table-driven memory mapping: every address and fragment the kernel needs, at compile time.

Two tables hold everything that depends on the lane, so the kernel computes no address from
the lane or the tile at run time beyond one table load and an add:

- the **fragment table**, ``(steps, 32, words)`` words (:func:`fragment_words`: 16, or 20
  for a split precision mode): for K step s and lane L, words 0-3 hold the lane's A
  registers (coefficients rounded to the compute type, packed as the instruction wants
  them; a split mode's hi parts ``ch``), word 4 its metadata word (sparse forms), words 5-7
  are unused, words 8-15 the byte offsets, from
  the origin of the lane's B tile in shared memory, of the B elements it gathers
  (:meth:`~.instruction.MmaInstruction.b_rows`; the K permutation of the 2:4 conversion is
  folded in here; a padding slot, which meets a zero coefficient, reads a staged input that
  keeps its register or its lane's run whole, :func:`slot_offsets`), and in a split mode
  words 16-19 the A registers of the lo parts ``cl`` (same positions, so the same metadata
  word serves both; :mod:`~sparse_stencil.kernel.precision`). All warps share it; per K
  step a lane loads what its instruction needs of it.
- the **thread table**, ``(threads, 4 + 4 (1 + d))`` words: word 0 is the shared-memory byte
  offset of the thread's B tile origin (tile ``g`` of its warp), then for each of the four
  accumulator values ``c0..c3`` (points g and g + 8 of tiles 2t and 2t + 1) the element
  offset of its output point from the block's output origin in the grid, and the point's
  coordinates relative to that origin, one per axis. A row that the tile does not use
  (tiles of fewer than 16 points) has coordinates :data:`NEVER`, so it is never stored.

Offsets are for the first group of MMA columns; a later group adds a constant (the
geometry's group shift) that the kernel writes as an immediate.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from sparse_stencil.kernel.geometry import MMA_N, WARP, Geometry
from sparse_stencil.kernel.instruction import MmaInstruction
from sparse_stencil.kernel.numerics import COMPUTE_TYPES
from sparse_stencil.kernel.precision import split_values
from sparse_stencil.layout.matching import SparseGemm
from sparse_stencil.layout.morphing import MMA_M, TiledGemm
from sparse_stencil.layout.split import SplitGemm

KernelLayout = TiledGemm | SparseGemm | SplitGemm
"""What a kernel multiplies: a morphed GEMM (dense MMAs), a converted one (sparse MMAs), or a
split of the two (:mod:`sparse_stencil.layout.split`)."""

FRAGMENT_WORDS = 16
"""Words per lane per K step in the fragment table: A registers (4), the metadata word and
3 unused, then the B offsets (up to 8)."""
SPLIT_FRAGMENT_WORDS = 20
"""Words per lane per K step of a split precision mode: those of :data:`FRAGMENT_WORDS`,
then the A registers of the coefficients' lo parts (4); 80 bytes keep rows 16-byte
aligned."""
METADATA_WORD = 4
OFFSET_WORD = 8
LOW_A_WORD = 16
"""First word of a split mode's lo-part A registers."""
NEVER = 1 << 30
"""Coordinate of an unused MMA row: beyond every grid, so the point is never stored."""
_EMPTY_CHUNK = 0x4
"""Metadata of a chunk of an unused row: positions 0 and 1, both holding zero."""


def step_instructions(layout: KernelLayout, instruction: MmaInstruction) -> list[MmaInstruction]:
    """The instruction of each K step: `instruction`, and its single-chunk-step form for a
    last odd chunk step of a sparse layout; a split layout's dense steps come first."""
    if isinstance(layout, SplitGemm):
        dense = instruction.dense()
        return step_instructions(layout.dense, dense) + step_instructions(
            layout.sparse, instruction
        )
    if isinstance(layout, SparseGemm):
        chunk_steps = layout.k_after // instruction.chunk_step
        pairs, odd = divmod(chunk_steps, instruction.chunk_steps)
        return [instruction] * pairs + [instruction.single()] * odd
    return [instruction] * -(-layout.k // instruction.k)


def fragment_words(geometry: Geometry) -> int:
    """Words per lane per K step in the fragment table of a kernel of `geometry`."""
    return SPLIT_FRAGMENT_WORDS if geometry.planes > 1 else FRAGMENT_WORDS


def fragment_table(
    layout: KernelLayout, instruction: MmaInstruction, geometry: Geometry
) -> npt.NDArray[np.int32]:
    """The ``(steps, 32, words)`` fragment table (module docstring)."""
    if isinstance(layout, SplitGemm):
        dense = fragment_table(layout.dense, instruction.dense(), geometry)
        return np.concatenate([dense, fragment_table(layout.sparse, instruction, geometry)])
    steps = step_instructions(layout, instruction)
    columns = sum(i.k for i in steps)
    high, low = _a_parts(layout, instruction, columns)
    parts = [(0, high)] if geometry.planes == 1 else [(0, high), (LOW_A_WORD, low)]
    metadata = _metadata_words(layout, columns) if instruction.sparse else None
    offsets = slot_offsets(layout, geometry, columns)
    table = np.zeros((len(steps), WARP, fragment_words(geometry)), dtype=np.int64)
    start = 0
    for s, step in enumerate(steps):
        packed = start // (2 if step.sparse else 1)
        for lane in range(WARP):
            g, t = divmod(lane, 4)
            for r, elements in enumerate(step.a_registers(g, t)):
                for half, (row, column) in enumerate(elements):
                    for first, bits in parts:
                        table[s, lane, first + r] |= bits[row, packed + column] << (16 * half)
            if metadata is not None:
                chunk_step = start // step.chunk_step + step.metadata_step(t)
                table[s, lane, METADATA_WORD] = metadata[chunk_step, g]
            rows = start + np.array(step.b_rows(t))
            table[s, lane, OFFSET_WORD : OFFSET_WORD + rows.size] = offsets[rows]
        start += step.k
    return table.astype(np.uint32).view(np.int32)


def thread_table(layout: KernelLayout, geometry: Geometry) -> npt.NDArray[np.int32]:
    """The ``(threads, 4 + 4 (1 + d))`` thread table (module docstring)."""
    d = geometry.dims
    threads = np.arange(geometry.block.threads)
    warp, lane = np.divmod(threads, WARP)
    g, t = np.divmod(lane, 4)
    table = np.zeros((len(threads), 4 + 4 * (1 + d)), dtype=np.int64)
    table[:, 0] = tile_bases(geometry)
    for value, (m, n) in enumerate(
        [(g, 2 * t), (g, 2 * t + 1), (g + 8, 2 * t), (g + 8, 2 * t + 1)]
    ):
        used = m < layout.m
        point = _tile_origins(geometry, warp, n) + layout.outputs[np.minimum(m, layout.m - 1)]
        entry = np.concatenate([point @ np.array(geometry.global_strides)[:, None], point], axis=1)
        table[:, 4 + value * (1 + d) : 4 + (value + 1) * (1 + d)] = np.where(
            used[:, None], entry, NEVER
        )
    return table.astype(np.int32)


def tile_bases(geometry: Geometry) -> npt.NDArray[np.int64]:
    """Per thread, the shared-memory byte offset of its B tile's origin (tile g of its warp,
    first group): word 0 of the thread table."""
    threads = np.arange(geometry.block.threads)
    origins = _tile_origins(geometry, threads // WARP, threads % WARP // 4) + geometry.origin
    return origins @ (np.array(geometry.shared_strides) * geometry.element_bytes)


def _tile_origins(
    geometry: Geometry, warp: npt.NDArray[np.int64], column: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """(threads, d): the output origin, from the block's, of tile `column` of `warp`'s first
    group (:meth:`~.geometry.Geometry.tile_position`, vectorised)."""
    index = MMA_N * warp + column
    position = np.stack(np.unravel_index(index, geometry.block.arrangement), axis=1)
    return position * np.array(geometry.tile)


def _a_parts(
    layout: TiledGemm | SparseGemm, instruction: MmaInstruction, columns: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """A as the instructions read it (16 rows; kept values if sparse), as compute-type bits:
    the coefficients rounded (``ch``), and what that rounding left, rounded (``cl``, used
    by the split precision modes)."""
    if isinstance(layout, SparseGemm):
        matrix, width = layout.values, columns // 2
    else:
        matrix, width = layout.matrix, columns
    full = np.zeros((MMA_M, width))
    full[: matrix.shape[0], : matrix.shape[1]] = matrix
    high, low = split_values(full, COMPUTE_TYPES[instruction.a_type])
    return _bits(high, instruction.a_type), _bits(low, instruction.a_type)


def _bits(values: npt.NDArray[np.float64], a_type: str) -> npt.NDArray[np.int64]:
    if a_type == "f16":
        return values.astype(np.float16).view(np.uint16).astype(np.int64)
    words = values.astype(np.float32).view(np.uint32).astype(np.int64)
    return words >> 16 if a_type == "bf16" else words


def _metadata_words(layout: TiledGemm | SparseGemm, columns: int) -> npt.NDArray[np.int64]:
    """Per chunk step and g, the metadata word of rows g and g + 8 (4 chunks per step)."""
    assert isinstance(layout, SparseGemm)
    chunks = columns // layout.sparsity.group
    nibbles = np.full((MMA_M, chunks), _EMPTY_CHUNK, dtype=np.int64)
    nibbles[: layout.m] = layout.metadata
    shifts = 4 * np.arange(4)
    halves = (nibbles.reshape(MMA_M, chunks // 4, 4) << shifts).sum(axis=2)
    return (halves[:MMA_N] | (halves[MMA_N:] << 16)).T


def slot_offsets(
    layout: TiledGemm | SparseGemm, geometry: Geometry, slots: int
) -> npt.NDArray[np.int64]:
    """Per K slot, the byte offset in shared memory of the input it gathers from the tile.

    A padding slot multiplies a zero coefficient, so it may read any staged input: it reads
    the neighbour of its register partner (or, with a padding partner, an aligned pair of
    the tile's inputs), so that the pair can load as one 32-bit word; a lane's slots that are
    all padding re-read its chunk partner's run, so that they load as 16 bytes
    (:mod:`sparse_stencil.kernel.gathers`).
    """
    shared = np.array(geometry.shared_strides) * geometry.element_bytes
    columns = np.full(slots, -1, dtype=np.int64)
    if isinstance(layout, SparseGemm):
        columns[: layout.k_after] = layout.permutation
    else:
        columns[: layout.k] = np.arange(layout.k)
    points = np.zeros((slots, geometry.dims), dtype=np.int64)
    points[columns >= 0] = layout.inputs[columns[columns >= 0]]
    if geometry.element_bytes == 2:
        real = columns >= 0
        _fill_padding_runs(points, real)
        _fill_padding_pairs(points, real, layout)
    return points @ shared


def _fill_padding_runs(points: npt.NDArray[np.int64], real: npt.NDArray[np.bool_]) -> None:
    """Give a lane's registers that are all padding in a segment of 4 or 2 (the slots
    ``8J + 2t + i`` of lane t for J in the segment, in a step of 32 or 16 slots) the points
    of another lane's registers there (its chunk partner ``t ^ 1`` first) where those are
    one run of neighbours, so that every lane loads 16 (8) bytes at once
    (:mod:`sparse_stencil.layout.pieces`); in place, marking them real."""
    for start in range(0, len(points) - 15, 32):
        registers = min(32, len(points) - start) // 8
        for width in (4, 2):
            for first in range(0, registers - width + 1, width):
                lanes = [
                    [start + 8 * j + 2 * t + i for j in range(first, first + width) for i in (0, 1)]
                    for t in range(4)
                ]
                for t, lane in enumerate(lanes):
                    if real[lane].any():
                        continue
                    for other in (lanes[t ^ 1], lanes[t ^ 2], lanes[t ^ 3]):
                        if real[other].all() and _is_run(points[other]):
                            points[lane] = points[other]
                            real[lane] = True
                            break


def _is_run(points: npt.NDArray[np.int64]) -> bool:
    """Whether `points` are neighbours on the innermost axis, in order."""
    return bool((points[:, :-1] == points[0, :-1]).all() and (np.diff(points[:, -1]) == 1).all())


def _fill_padding_pairs(
    points: npt.NDArray[np.int64], real: npt.NDArray[np.bool_], layout: TiledGemm | SparseGemm
) -> None:
    """Give padding slots the input next to their register partner, inside the tile's input
    box (which the block stages), in place."""
    low, high = layout.inputs.min(axis=0), layout.inputs.max(axis=0)
    step = np.zeros(points.shape[1], dtype=np.int64)
    step[-1] = 1
    aligned = [p for p in layout.inputs if (p[-1] + layout.halo[-1]) % 2 == 0 and p[-1] < high[-1]]
    anchor = aligned[0] if aligned else layout.inputs[0]
    for first in range(0, len(points), 2):
        second = first + 1
        if real[first] and not real[second] and points[first][-1] < high[-1]:
            points[second] = points[first] + step
        elif real[second] and not real[first] and points[second][-1] > low[-1]:
            points[first] = points[second] - step
        elif not real[first] and not real[second]:
            points[first], points[second] = anchor, anchor + step
