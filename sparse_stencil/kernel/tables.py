"""Table-driven memory mapping: every address and fragment the kernel needs, at compile time.

Two tables hold everything that depends on the lane, so the kernel computes no address from
the lane or the tile at run time beyond one table load and an add:

- the **fragment table**, ``(steps, 32, 8)`` words: for K step s and lane L, words 0-3 hold
  the lane's A registers (coefficients rounded to the compute type, packed as the instruction
  wants them; the sparse forms put the metadata word after them) and words 4-7 the byte
  offsets, from the origin of the lane's B tile in shared memory, of the B elements it
  gathers (:meth:`~.instruction.MmaInstruction.b_rows`; the K permutation of the 2:4
  conversion is folded in here, a padding slot reads the tile origin, times a zero
  coefficient). All warps share it; a lane loads 32 bytes per K step.
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

from sparse_stencil.dtypes import StorageType
from sparse_stencil.kernel.geometry import MMA_N, WARP, Geometry
from sparse_stencil.kernel.instruction import MmaInstruction
from sparse_stencil.kernel.numerics import COMPUTE_TYPES
from sparse_stencil.layout.matching import SparseGemm
from sparse_stencil.layout.morphing import MMA_M, TiledGemm

FRAGMENT_WORDS = 8
"""Words per lane per K step in the fragment table: 4 of A (and metadata), 4 of offsets."""
NEVER = 1 << 30
"""Coordinate of an unused MMA row: beyond every grid, so the point is never stored."""
_EMPTY_CHUNK = 0x4
"""Metadata of a chunk of an unused row: positions 0 and 1, both holding zero."""


def steps(layout: TiledGemm | SparseGemm, instruction: MmaInstruction) -> int:
    """K steps (instructions per MMA column group) the layout needs."""
    k = layout.k_after if isinstance(layout, SparseGemm) else layout.k
    return -(-k // instruction.k)


def fragment_table(
    layout: TiledGemm | SparseGemm, instruction: MmaInstruction, geometry: Geometry
) -> npt.NDArray[np.int32]:
    """The ``(steps, 32, 8)`` fragment table (module docstring)."""
    count = steps(layout, instruction)
    a_bits = _a_bits(layout, instruction, count)
    metadata = _metadata_words(layout, count) if instruction.sparse else None
    offsets = _slot_offsets(layout, geometry, count * instruction.k)
    table = np.zeros((count, WARP, FRAGMENT_WORDS), dtype=np.int64)
    for lane in range(WARP):
        g, t = divmod(lane, 4)
        registers = instruction.a_registers(g, t)
        for r, elements in enumerate(registers):
            word = np.zeros(count, dtype=np.int64)
            for half, (row, column) in enumerate(elements):
                word |= a_bits[:, row, column] << (16 * half)
            table[:, lane, r] = word
        if metadata is not None:
            table[:, lane, len(registers)] = metadata[:, g]
        rows = np.array(instruction.b_rows(t))
        for s in range(count):
            table[s, lane, 4 : 4 + rows.size] = offsets[s * instruction.k + rows]
    return table.astype(np.uint32).view(np.int32)


def thread_table(layout: TiledGemm | SparseGemm, geometry: Geometry) -> npt.NDArray[np.int32]:
    """The ``(threads, 4 + 4 (1 + d))`` thread table (module docstring)."""
    d = geometry.dims
    shared = np.array(geometry.shared_strides) * geometry.element_bytes
    strides = np.array(geometry.global_strides)
    tile = np.array(geometry.tile)
    table = np.zeros((geometry.block.threads, 4 + 4 * (1 + d)), dtype=np.int64)
    for warp in range(geometry.block.warps):
        for lane in range(WARP):
            g, t = divmod(lane, 4)
            row = table[warp * WARP + lane]
            origin = np.array(geometry.tile_position(warp, g)) * tile + geometry.halo
            row[0] = int(origin @ shared)
            for value, (m, n) in enumerate(
                [(g, 2 * t), (g, 2 * t + 1), (g + 8, 2 * t), (g + 8, 2 * t + 1)]
            ):
                entry = row[4 + value * (1 + d) : 4 + (value + 1) * (1 + d)]
                if m >= layout.m:
                    entry[:] = NEVER
                    continue
                point = np.array(geometry.tile_position(warp, n)) * tile + layout.outputs[m]
                entry[0] = int(point @ strides)
                entry[1:] = point
    return table.astype(np.int32)


def _a_bits(
    layout: TiledGemm | SparseGemm, instruction: MmaInstruction, count: int
) -> npt.NDArray[np.int64]:
    """A as the instruction reads it, ``(steps, 16, columns per step)``, as type bits."""
    if isinstance(layout, SparseGemm):
        matrix = layout.values
        per_step = instruction.k // 2
    else:
        matrix = layout.matrix
        per_step = instruction.k
    full = np.zeros((MMA_M, count * per_step))
    full[: matrix.shape[0], : matrix.shape[1]] = matrix
    bits = _bits(COMPUTE_TYPES[instruction.a_type].round(full), instruction.a_type)
    return bits.reshape(MMA_M, count, per_step).transpose(1, 0, 2)


def _bits(values: npt.NDArray[np.float64], a_type: str) -> npt.NDArray[np.int64]:
    if a_type == "f16":
        return values.astype(np.float16).view(np.uint16).astype(np.int64)
    words = values.astype(np.float32).view(np.uint32).astype(np.int64)
    return words >> 16 if a_type == "bf16" else words


def _metadata_words(layout: TiledGemm | SparseGemm, count: int) -> npt.NDArray[np.int64]:
    """Per K step and g, the metadata word of rows g and g + 8 (4 chunks per step)."""
    assert isinstance(layout, SparseGemm)
    nibbles = np.full((MMA_M, count * 4), _EMPTY_CHUNK, dtype=np.int64)
    nibbles[: layout.m] = layout.metadata
    shifts = 4 * np.arange(4)
    halves = (nibbles.reshape(MMA_M, count, 4) << shifts).sum(axis=2)
    return (halves[:MMA_N] | (halves[MMA_N:] << 16)).T


def _slot_offsets(
    layout: TiledGemm | SparseGemm, geometry: Geometry, slots: int
) -> npt.NDArray[np.int64]:
    """Per K slot, the byte offset in shared memory of the input it gathers from the tile."""
    shared = np.array(geometry.shared_strides) * geometry.element_bytes
    gathered = layout.inputs @ shared
    offsets = np.zeros(slots, dtype=np.int64)
    if isinstance(layout, SparseGemm):
        real = layout.permutation >= 0
        offsets[: layout.k_after][real] = gathered[layout.permutation[real]]
    else:
        offsets[: layout.k] = gathered
    return offsets


def storage_element_bytes(storage: StorageType) -> int:
    """Bytes per grid element."""
    return 4 if storage.name == "float32" else 2
