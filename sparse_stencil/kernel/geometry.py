"""Block and warp tiling of a grid: which output tiles a block computes and what it stages.

A warp multiplies A by ``groups`` MMA columns of 8 output tiles each. The ``warps`` warps of a
block together hold ``8 * warps`` tiles per group, arranged as a box of ``arrangement`` tiles
per axis (tile ``q = 8 * warp + g`` of a group sits at ``unravel(q, arrangement)``); the
groups are stacked along the outermost axis. So a block computes ``block_tiles`` tiles per
axis, i.e. an output box of ``extent`` points, and its tiles differ from group to group by a
constant shift, which the kernel adds as an immediate.

The block stages its *input box* (its output box widened by the halo on each side) in shared
memory, row-major, the innermost row padded to ``pitch`` elements so that the lanes of a warp
reach different banks. Blocks tile the interior ``[r, n - r)`` of every axis from its low end;
the last block of an axis may overhang the interior: its outputs there are never stored and
its input box is zero-filled beyond the grid.
"""

from __future__ import annotations

import functools
import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

from sparse_stencil.errors import StencilError
from sparse_stencil.layout.morphing import format_tile

MMA_N = 8
"""Output tiles per tensor-core instruction (its N)."""
WARP = 32


@dataclass(frozen=True)
class BlockLayout:
    """How a block is tiled: warps, MMA column groups per warp, and the tile arrangement."""

    warps: int
    groups: int
    arrangement: tuple[int, ...]
    """Tiles per axis of one group of the block (their product is ``8 * warps``)."""
    pad: int = 0
    """Elements added to the staged box's innermost row (the shared-memory pitch)."""

    def __post_init__(self) -> None:
        if self.warps < 1 or self.groups < 1 or self.pad < 0:
            raise StencilError(
                f"a block needs at least one warp and one group and a pad >= 0, got {self}"
            )
        if math.prod(self.arrangement) != MMA_N * self.warps or min(self.arrangement) < 1:
            raise StencilError(
                f"the tile arrangement {format_tile(self.arrangement)} must hold "
                f"{MMA_N * self.warps} tiles ({MMA_N} per warp)"
            )

    @property
    def threads(self) -> int:
        """Threads per block."""
        return WARP * self.warps

    def describe(self) -> str:
        """The layout as stats and tables print it: ``4 warps x 2 groups, tiles 4x8, pad 8``."""
        return (
            f"{self.warps} warps x {self.groups} groups, tiles {format_tile(self.arrangement)}"
            f", pad {self.pad}"
        )


class StagedTiling(ABC):
    """What every kernel's block tiling shares: blocks tile the interior ``[r, n - r)`` of each
    axis from its low end, and each stages its output box widened by the halo in shared
    memory, row-major, the innermost row padded to `pitch` elements.

    A subclass gives the grid (`shape`, `halo`, `element_bytes`), one block's output `extent`
    and `threads`, the `pad` of its staged rows, and `staged_bytes`, the bytes of one staged
    element.
    """

    shape: tuple[int, ...]
    halo: tuple[int, ...]
    element_bytes: int
    """Bytes of one element of the grid (its storage type)."""
    overhang: int = 0
    """Elements staged past the halo at the high end of the innermost axis, for gathers
    that reach beyond it (:mod:`sparse_stencil.layout.runs`)."""
    fuse: int = 1
    """Steps one launch applies (temporal fusion, :mod:`sparse_stencil.kernel.fusion`)."""
    lead: int = 0
    """Output points computed before the interior's start on the innermost axis: blocks
    tile ``[r - lead, n - r)`` there, so that the tiles' origins sit where their layout's
    runs start at 16-byte boundaries (:attr:`~sparse_stencil.layout.morphing.TileMaps.phase`).
    The points before ``r`` are never stored."""

    @property
    @abstractmethod
    def extent(self) -> tuple[int, ...]:
        """Output points per axis of one block."""

    @property
    @abstractmethod
    def threads(self) -> int:
        """Threads per block."""

    @property
    @abstractmethod
    def pad(self) -> int:
        """Elements added to the staged box's innermost row."""

    @property
    def staged_bytes(self) -> int:
        """Bytes of one staged element: the grid's, unless the kernel converts them."""
        return self.element_bytes

    @property
    def dims(self) -> int:
        """Rank of the grid."""
        return len(self.shape)

    @property
    def interior(self) -> tuple[int, ...]:
        """Points per axis that the kernel updates."""
        return tuple(n - 2 * r for n, r in zip(self.shape, self.halo, strict=True))

    @property
    def leads(self) -> tuple[int, ...]:
        """Per axis, output points computed before the interior (the `lead`, innermost)."""
        return (0,) * (self.dims - 1) + (self.lead,)

    @functools.cached_property
    def blocks(self) -> tuple[int, ...]:
        """Blocks per axis: enough to cover the interior and the lead."""
        return tuple(
            -(-(i + lead) // e)
            for i, lead, e in zip(self.interior, self.leads, self.extent, strict=True)
        )

    def ring(self, steps: int) -> tuple[int, ...]:
        """Points per axis, on each side of the output box, that a round of a fused kernel
        computes when `steps` rounds follow it: the halos of those steps, on the innermost
        axis rounded up to 16 bytes, so that the tiles of every pass keep the alignment
        that the output box's tiles have (:mod:`~sparse_stencil.kernel.fusion`)."""
        ring = [r * steps for r in self.halo]
        vector = 16 // self.staged_bytes
        ring[-1] = -(-ring[-1] // vector) * vector
        return tuple(ring)

    @property
    def reach(self) -> tuple[int, ...]:
        """Points per axis staged on each side of the output box: the halo, and the ring of
        the first of `fuse` rounds."""
        return self._reach

    @functools.cached_property
    def _reach(self) -> tuple[int, ...]:  # the layout search asks for it very often
        return tuple(r + w for r, w in zip(self.halo, self.ring(self.fuse - 1), strict=True))

    @property
    def origin(self) -> tuple[int, ...]:
        """Per axis, where the output box starts in the staged box: after the reach, and on
        the innermost axis after as many points more as keep the box's start 16 bytes
        aligned in the grid when the blocks start `lead` points early."""
        return self._origin

    @functools.cached_property
    def _origin(self) -> tuple[int, ...]:
        origin = list(self.reach)
        origin[-1] += -self.lead % (16 // self.staged_bytes)
        return tuple(origin)

    @property
    def early(self) -> tuple[int, ...]:
        """Per axis, points from the staged box's start to the block's output origin less
        the halo, plus the lead: the box of block b starts at ``b E - early`` in the grid."""
        return tuple(
            o - r + lead for o, r, lead in zip(self.origin, self.halo, self.leads, strict=True)
        )

    @property
    def box(self) -> tuple[int, ...]:
        """Extents of the staged input box: the output box, before it its origin (the
        reach of its steps' halos), after it the reach and the overhang."""
        return self._box

    @functools.cached_property
    def _box(self) -> tuple[int, ...]:
        box = [e + o + r for e, o, r in zip(self.extent, self.origin, self.reach, strict=True)]
        box[-1] += self.overhang
        return tuple(box)

    @property
    def pitch(self) -> int:
        """Elements per staged row in shared memory."""
        return self.box[-1] + self.pad

    @property
    def stage_vector(self) -> int:
        """Elements per staging access: 16 bytes' worth where the grid's rows, the block's
        output rows and the staged pitch are all multiples of it (then every access is
        aligned, and wholly inside or outside the grid), else 1."""
        vector = 16 // self.staged_bytes
        aligned = (self.shape[-1], self.extent[-1], self.pitch, self.early[-1])
        return vector if all(n % vector == 0 for n in aligned) else 1

    @property
    def buffer_bytes(self) -> int:
        """Shared-memory bytes of one staged box, rounded up to 16 bytes so that a second
        buffer after it stays aligned."""
        return -(-math.prod(self.box[:-1]) * self.pitch * self.staged_bytes // 16) * 16

    @property
    def shared_strides(self) -> tuple[int, ...]:
        """Element strides of the staged box in shared memory, outermost axis first."""
        return _strides((*self.box[:-1], self.pitch))

    @property
    def global_strides(self) -> tuple[int, ...]:
        """Element strides of the grid in global memory."""
        return _strides(self.shape)

    @property
    def shared_bytes(self) -> int:
        """Shared memory one block stages: a fused kernel stages two buffers (its rounds
        ping-pong between them)."""
        if self.fuse > 1:
            return 2 * self.buffer_bytes
        return math.prod(self.box[:-1]) * self.pitch * self.staged_bytes

    @property
    def updated_points(self) -> int:
        """Interior points: what one launch updates."""
        return math.prod(self.interior)

    @property
    def launch(self) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
        """(grid, block) launch dimensions: the innermost axis is ``x``."""
        grid = tuple(reversed(self.blocks)) + (1,) * (3 - self.dims)
        return (grid[0], grid[1], grid[2]), (self.threads, 1, 1)


@dataclass(frozen=True)
class Geometry(StagedTiling):
    """A grid tiled by blocks of a :class:`BlockLayout` over output tiles of `tile` points."""

    shape: tuple[int, ...]
    halo: tuple[int, ...]
    tile: tuple[int, ...]
    block: BlockLayout
    element_bytes: int
    overhang: int = 0
    planes: int = 1
    """Staged planes: 2 for a split precision mode (:mod:`~sparse_stencil.kernel.precision`),
    the hi and the lo part of each f32 value, each of `element_bytes` (the 16-bit compute
    type); the grid then holds f32 values. 1 otherwise: the grid's elements as they are."""
    fuse: int = 1
    """Steps one launch applies (:mod:`sparse_stencil.kernel.fusion`)."""
    lead: int = 0
    """Output points computed before the interior on the innermost axis (see
    :attr:`StagedTiling.lead`)."""

    def __post_init__(self) -> None:
        if self.fuse < 1:
            raise StencilError(f"a kernel applies at least one step per launch, got {self.fuse}")
        if self.fuse > 1 and self.planes > 1:
            raise StencilError(
                "a split precision mode cannot fuse steps: each round would have to split "
                "its f32 results into hi and lo planes again (use fuse_steps=1)"
            )
        if not len(self.shape) == len(self.halo) == len(self.tile) == len(self.block.arrangement):
            raise StencilError(
                f"block arrangement {format_tile(self.block.arrangement)} and tile "
                f"{format_tile(self.tile)} must have one extent per axis of the "
                f"{format_tile(self.shape)} grid"
            )

    @property
    def block_tiles(self) -> tuple[int, ...]:
        """Tiles per axis of one block (the groups stacked on the outermost axis)."""
        first, *rest = self.block.arrangement
        return (first * self.block.groups, *rest)

    @property
    def extent(self) -> tuple[int, ...]:
        """Output points per axis of one block."""
        return self._extent

    @functools.cached_property
    def _extent(self) -> tuple[int, ...]:  # the layout search asks for it very often
        return tuple(b * t for b, t in zip(self.block_tiles, self.tile, strict=True))

    @property
    def threads(self) -> int:
        """Threads per block."""
        return self.block.threads

    @property
    def pad(self) -> int:
        """Elements added to the staged box's innermost row."""
        return self.block.pad

    @property
    def global_bytes(self) -> int:
        """Bytes of one element of the grid in global memory (f32 for a split kernel)."""
        return 4 if self.planes > 1 else self.element_bytes

    @property
    def plane_bytes(self) -> int:
        """Shared-memory bytes from the hi plane to the lo plane of a split kernel: one
        plane, rounded up to 16 bytes so that 16-byte gathers stay aligned in both."""
        return -(-super().shared_bytes // 16) * 16

    @property
    def shared_bytes(self) -> int:
        """Shared memory one block stages (both planes of a split kernel)."""
        if self.planes == 1:
            return super().shared_bytes
        return self.planes * self.plane_bytes

    @property
    def stage_vector(self) -> int:
        """Elements per staging access; a split kernel loads f32 elements, 4 per 16 bytes,
        where the grid's rows, the output rows and the pitch are multiples of 4."""
        if self.planes == 1:
            return super().stage_vector
        vector = 16 // self.global_bytes
        aligned = (self.shape[-1], self.extent[-1], self.pitch, self.early[-1])
        return vector if all(n % vector == 0 for n in aligned) else 1

    @property
    def group_shift(self) -> int:
        """Points along the outermost axis from one group's tiles to the next group's."""
        return self.block.arrangement[0] * self.tile[0]

    def tile_position(self, warp: int, column: int) -> tuple[int, ...]:
        """Tile coordinates (per axis, in tiles) of column `column` of `warp`'s first group."""
        return _unravel(MMA_N * warp + column, self.block.arrangement)

    @property
    def launched_tiles(self) -> int:
        """Tiles that one launch computes, those overhanging the interior included."""
        return math.prod(self.blocks) * math.prod(self.block_tiles)


def _strides(extents: Sequence[int]) -> tuple[int, ...]:
    strides = [1] * len(extents)
    for axis in range(len(extents) - 2, -1, -1):
        strides[axis] = strides[axis + 1] * extents[axis + 1]
    return tuple(strides)


def _unravel(index: int, extents: Sequence[int]) -> tuple[int, ...]:
    coordinates: list[int] = []
    for extent in reversed(extents):
        index, coordinate = divmod(index, extent)
        coordinates.append(coordinate)
    return tuple(reversed(coordinates))
