"""Temporal fusion: a block applies `fuse` steps per launch in shared memory.

A kernel fusing k steps stages its output box widened by ``r k`` per side (the *reach*,
plus the overhang), into two buffers of shared memory, both holding the staged input. Round
j (1 .. k) computes the *region* of the box shrunk by ``r j`` per side, reading the buffer
that round j - 1 wrote (the staged one for j = 1); round j < k rounds each result to the
storage type and writes it to the other buffer where the point is an interior point of the
grid (the boundary band and the points beyond the grid keep their staged values, as a
single step leaves them), then all threads meet at a barrier; round k is the output box,
stored to global memory as an unfused kernel stores it. Every round computes exactly what
one step computes on its region, so k rounds equal k steps on every point.

A region is ``2 r (k - j)`` points per axis wider than the output box, so a round covers it
with *passes* of the block's tiles (all its warps and groups), each the block's arrangement
shifted by a constant: pass i of an axis starts ``i E`` into the region (E the output
box's extent), the last one moved back to end where the region ends. A point that an
earlier pass covers is not written again (each pass writes from ``i E`` on), so every
point has one writer. The shifts are compile-time constants: immediates of the gathers'
and stores' addresses, so the tables serve every pass.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from sparse_stencil.kernel.geometry import Geometry, StagedTiling

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


def round_passes(geometry: Geometry, round_: int) -> list[Pass]:
    """The passes of round `round_` (1 .. fuse) of a kernel of `geometry` (module
    docstring); the last round has one, the output box."""
    per_axis: list[list[tuple[int, int]]] = []
    for extent, r in zip(geometry.extent, geometry.halo, strict=True):
        width = 2 * r * (geometry.fuse - round_)
        count = -(-(extent + width) // extent)
        starts = [min(i * extent, width) for i in range(count)]
        per_axis.append([(s - width // 2, i * extent - s) for i, s in enumerate(starts)])
    return [
        Pass(tuple(s for s, _ in combo), tuple(f for _, f in combo))
        for combo in itertools.product(*per_axis)
    ]


def passes_per_launch(geometry: Geometry) -> int:
    """Passes of the block's tiles over all rounds of one launch."""
    return sum(len(round_passes(geometry, j)) for j in range(1, geometry.fuse + 1))


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
