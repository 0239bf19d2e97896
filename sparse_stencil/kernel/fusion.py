"""Temporal fusion: a block applies `fuse` steps per launch in shared memory.

A kernel fusing k steps computes in *rounds* j = 1 .. k. Round j computes its *region*: the
output box widened on each side by the *ring* of the k - j rounds after it, ``r (k - j)``
points, on the innermost axis rounded up to 16 bytes' worth of elements (so that every
tile of every round starts as aligned as the output box's tiles, and the gathers keep their
16-byte loads). The block stages its output box widened by the halo plus the first round's
ring (the *reach*, plus the overhang) into two buffers of shared memory, both holding the
staged input. Round j reads the buffer that round j - 1 wrote (the staged one for j = 1);
round j < k rounds each result to the storage type and writes it to the other buffer where
the point is an interior point of the grid (the boundary band and the points beyond the
grid keep their staged values, as a single step leaves them), then all threads meet at a
barrier; round k is the output box, stored to global memory as an unfused kernel stores it.

Why that is k steps: the staged values are the input up to the reach R from the box, so
round j is step j on the points up to R - r j from it, which include the ``r (k - j)`` that
the later rounds read. Where the rounded ring goes further, a round computes points from
stale values; no point that the output depends on reads them, and every read stays in the
staged box (the widest ring plus the halo is the reach).

A region is wider than the output box, so a round covers it with *passes* of the block's
tiles (all its warps and groups), each the block's arrangement shifted by a constant: pass
i of an axis starts ``i E`` into the region (E the output box's extent), the last one moved
back to end where the region ends. A point that an earlier pass covers is not written again
(each pass writes from ``i E`` on), so every point has one writer. The shifts are
compile-time constants: immediates of the gathers' and stores' addresses, so the tables
serve every pass.

A pass computes only the tiles that write: a group none of whose tiles reach the pass's
first written point is left out of the code (groups are unrolled), and a warp none of whose
tiles do branches over the pass. So the ring a region adds costs about its share of the
region's tiles, not whole passes.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sparse_stencil.kernel.geometry import MMA_N, Geometry, StagedTiling

MAX_FUSE = 4
"""Most steps the cost model fuses."""


@dataclass(frozen=True)
class Pass:
    """One placement of the block's tiles in a round."""

    shift: tuple[int, ...]
    """Per axis, points from the output box's origin to the pass's origin (negative in
    rounds before the last: the region is wider)."""
    first: tuple[int, ...]
    """Per axis, points from the pass's origin to the first one it writes (those before
    belong to an earlier pass)."""
    groups: tuple[int, ...]
    """The groups with tiles that write (ascending)."""
    warps: tuple[int, ...]
    """The warps with tiles that write (ascending)."""

    def share(self, geometry: Geometry) -> float:
        """The fraction of the block's tiles (warps times groups) that the pass computes."""
        block = geometry.block
        return len(self.warps) * len(self.groups) / (block.warps * block.groups)


@functools.lru_cache(maxsize=4096)
def round_passes(geometry: Geometry, round_: int) -> tuple[Pass, ...]:
    """The passes of round `round_` (1 .. fuse) of a kernel of `geometry` (module
    docstring); the last round has one, the output box."""
    per_axis: list[list[tuple[int, int]]] = []
    for extent, ring in zip(geometry.extent, geometry.ring(geometry.fuse - round_), strict=True):
        width = 2 * ring
        count = -(-(extent + width) // extent)
        starts = [min(i * extent, width) for i in range(count)]
        per_axis.append([(s - width // 2, i * extent - s) for i, s in enumerate(starts)])
    passes: list[Pass] = []
    for combo in itertools.product(*per_axis):
        first = tuple(f for _, f in combo)
        groups, warps = _writers(geometry, first)
        passes.append(Pass(tuple(s for s, _ in combo), first, groups, warps))
    return tuple(passes)


def _writers(geometry: Geometry, first: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The groups, and the warps, with a tile that ends past `first` on every axis (a
    tile starts within the output box, so it then writes a point of the pass)."""
    block = geometry.block
    return _block_writers(block.arrangement, block.warps, block.groups, geometry.tile, first)


@functools.lru_cache(maxsize=65536)
def _block_writers(
    arrangement: tuple[int, ...],
    warps: int,
    groups: int,
    tile: tuple[int, ...],
    first: tuple[int, ...],
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """:func:`_writers` of a block layout (the search asks for the same ones often)."""
    shift = arrangement[0] * tile[0]
    writing = tuple(g for g in range(groups) if (g + 1) * shift > first[0])  # its last row
    positions = _tile_positions(arrangement, warps).copy()
    positions[..., 0] += writing[-1] * arrangement[0]  # a pass writes: some group does
    ends = (positions + 1) * np.array(tile)
    writes = (ends > np.array(first)).all(axis=-1).any(axis=-1)
    return writing, tuple(int(w) for w in np.flatnonzero(writes))


@functools.cache
def _tile_positions(arrangement: tuple[int, ...], warps: int) -> npt.NDArray[np.int64]:
    """Tile coordinates (warp, column, axis) of a group of tiles arranged as `arrangement`
    (tile ``8 w + c`` at ``unravel(8 w + c, arrangement)``)."""
    index = np.arange(MMA_N * warps).reshape(warps, MMA_N)
    return np.stack(np.unravel_index(index, arrangement), axis=-1).astype(np.int64)


def passes_per_launch(geometry: Geometry) -> float:
    """Passes of the block's tiles over all rounds of one launch, each counted by the
    share of the tiles it computes."""
    return sum(
        p.share(geometry) for j in range(1, geometry.fuse + 1) for p in round_passes(geometry, j)
    )


def redundancy_factor(geometry: Geometry) -> float:
    """Tiles computed per launch over those of `fuse` unfused launches: the cost of the
    recomputed halo (1 without fusion)."""
    return passes_per_launch(geometry) / geometry.fuse


def global_bytes_per_point_step(geometry: StagedTiling) -> float:
    """Global-memory bytes per updated point per original step: the staged boxes of all
    blocks (their halos re-read) and the stored interior, over `fuse` steps."""
    size = geometry.global_bytes if isinstance(geometry, Geometry) else geometry.element_bytes
    staged = math.prod(geometry.blocks) * math.prod(geometry.box) * size
    stored = geometry.updated_points * size
    return (staged + stored) / (geometry.updated_points * geometry.fuse)
