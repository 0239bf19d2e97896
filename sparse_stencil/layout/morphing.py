"""Adaptive layout morphing: a stencil as a GEMM with a staircase coefficient matrix.

Take an output *tile*: a box of grid points with extents ``tile`` (one per axis), at most
M = 16 of them, the rows of one tensor-core instruction: a strip such as 16x1, or a patch
such as 8x2, 4x4 or 4x2x2. Row m of the GEMM is the tile's m-th point in row-major order;
its offset from the tile origin is ``outputs[m]``. A tile of fewer than 16 points leaves
the instruction's last rows idle, which pays when it saves a K step: a 3-point 1D stencil
reads 18 inputs for a 16x1 strip (K padded to 32) but 16 for a 14x1 strip (one K step).

*Flatten*: every input point that some output reads becomes a column of
the coefficient matrix A (m x K), the columns ordered lexicographically by their offset
``inputs[k]`` from the tile origin (outermost axis first), so the slices of a 2D or 3D
stencil lie side by side along K and row m holds the stencil's coefficients shifted by its
position: a staircase, or a staircase of staircases for a patch. *Crush*: only inputs read
with a non-zero coefficient become columns; K columns that no row uses never appear.

The GEMM is ``C = A @ B``: column n of B gathers ``x[origin_n + inputs[k]]`` for one tile
origin, and column n of C scatters to ``out[origin_n + outputs[m]]``. A is the same for every
tile, so one M tile of outputs multiplies against N = 8 tiles per `mma.sp` instruction.

For a 7x7 box (box2d3r) a 16x1 strip reads 22 x 7 = 154 inputs, a 4x4 patch 10 x 10 = 100
and an 8x2 patch 14 x 8 = 112: the tile shape decides how dense A is, so it is searched
(:mod:`sparse_stencil.layout.search`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from sparse_stencil.errors import StencilError
from sparse_stencil.stencil import MAX_RADIUS, Stencil
from sparse_stencil.stencil import check_grid as check_stencil_grid

MMA_M = 16
"""Rows of one tensor-core instruction: the most output points one tile can have."""


@dataclass(frozen=True, eq=False)
class TileMaps:
    """The scatter and gather maps of one output tile: what every form of its GEMM shares."""

    tile: tuple[int, ...]
    """Extents of the output tile per axis, outermost first; their product is at most 16."""
    halo: tuple[int, ...]
    """Width of the fixed boundary band per axis (the stencil's radii)."""
    outputs: npt.NDArray[np.int64]
    """(m, d): row i writes the point at ``origin + outputs[i]``."""
    inputs: npt.NDArray[np.int64]
    """(K, d): column k of the morphed GEMM reads the point at ``origin + inputs[k]``."""
    phase: int | None = field(default=None, kw_only=True)
    """The residue modulo 8 of the tile origins' innermost grid coordinate that the layout
    assumes: its 16-byte runs (:mod:`sparse_stencil.layout.runs`) start at the offsets x
    with ``(x + phase) % 8 == 0``. None: the halo's, where blocks that tile the interior
    from its start put the tiles."""

    @property
    def dims(self) -> int:
        """Rank of the grid."""
        return len(self.tile)

    @property
    def m(self) -> int:
        """Number of output points (rows of A)."""
        return int(self.outputs.shape[0])


@dataclass(frozen=True, eq=False)
class TiledGemm(TileMaps):
    """The tiled-GEMM form of a stencil: ``C = A @ B`` for one output tile per column of B."""

    matrix: npt.NDArray[np.float64]
    """(m, K): the coefficient matrix A (the instruction's rows m..15 are zero)."""

    @property
    def k(self) -> int:
        """Number of columns of A (inputs gathered per tile)."""
        return int(self.inputs.shape[0])

    @property
    def nonzeros(self) -> int:
        """Non-zero entries of A."""
        return int(np.count_nonzero(self.matrix))

    def select(self, columns: Sequence[int] | npt.NDArray[np.int64]) -> TiledGemm:
        """The GEMM of `columns` only, in that order."""
        index = np.asarray(columns, dtype=np.int64)
        return TiledGemm(
            self.tile,
            self.halo,
            self.outputs,
            self.inputs[index],
            self.matrix[:, index],
            phase=self.phase,
        )

    def row_masks(self) -> npt.NDArray[np.int64]:
        """Per column, the bit mask of the rows that have a non-zero in it."""
        weights = np.left_shift(1, np.arange(self.matrix.shape[0], dtype=np.int64))
        return ((self.matrix != 0).astype(np.int64) * weights[:, None]).sum(axis=0)

    def stencil(self) -> Stencil:
        """The stencil that every row computes; raises :class:`StencilError` if they differ
        or if the matrix is all zeros (a stencil needs a non-zero coefficient)."""
        self._check_shapes()
        rows = [self._row_points(m) for m in range(self.matrix.shape[0])]
        for m, points in enumerate(rows[1:], start=1):
            if points != rows[0]:
                raise StencilError(
                    f"row {m} computes a different stencil than row 0: "
                    f"{_describe_difference(rows[0], points)}"
                )
        if not rows[0]:
            raise StencilError("the matrix has no non-zero coefficient: it computes no stencil")
        return Stencil(sorted(rows[0].items()))

    def check(self) -> None:
        """Raise :class:`StencilError` unless the maps and the matrix are consistent.

        The outputs must be the tile's points in row-major order, the inputs distinct, every
        row the same stencil, and that stencil must reach no further than the halo.
        """
        check_tile(self.tile, self.dims)
        self._check_shapes()
        expected = np.array(list(np.ndindex(*self.tile)), dtype=np.int64)
        if not np.array_equal(self.outputs, expected):
            raise StencilError(
                f"outputs must list the points of the {format_tile(self.tile)} tile in "
                f"row-major order, got {self.outputs.tolist()}"
            )
        if len({tuple(row) for row in self.inputs.tolist()}) != self.k:
            raise StencilError("inputs must be distinct offsets")
        if len(self.halo) != self.dims or not all(0 <= h <= MAX_RADIUS for h in self.halo):
            raise StencilError(
                f"halo {list(self.halo)} must give one width from 0 to {MAX_RADIUS} per axis "
                f"({self.dims})"
            )
        stencil = self.stencil()
        for axis, (reach, band) in enumerate(zip(stencil.radii, self.halo, strict=True)):
            if reach > band:
                raise StencilError(
                    f"the stencil reaches {reach} points on axis {axis}, beyond the halo {band}"
                )

    def _check_shapes(self) -> None:
        d, m, k = self.dims, self.m, self.k
        if self.outputs.shape != (m, d) or self.inputs.shape != (k, d) or not 1 <= m <= MMA_M:
            raise StencilError(
                f"outputs {self.outputs.shape} and inputs {self.inputs.shape} must be "
                f"(m, {d}) with m <= {MMA_M} and (K, {d})"
            )
        if self.matrix.shape != (m, k):
            raise StencilError(f"the matrix must be {m} x {k}, got {self.matrix.shape}")

    def _row_points(self, m: int) -> dict[tuple[int, ...], float]:
        columns = np.flatnonzero(self.matrix[m])
        offsets = self.inputs[columns] - self.outputs[m]
        return {
            tuple(int(o) for o in offset): float(self.matrix[m, k])
            for offset, k in zip(offsets, columns, strict=True)
        }


def morph(stencil: Stencil, tile: Sequence[int]) -> TiledGemm:
    """Flatten and crush `stencil` into the staircase GEMM of one output `tile`."""
    shape = check_tile(tile, stencil.dims)
    outputs = np.array(list(np.ndindex(*shape)), dtype=np.int64)
    offsets = np.array(
        [o for o, c in zip(stencil.offsets, stencil.coefficients, strict=True) if c != 0],
        dtype=np.int64,
    ).reshape(-1, stencil.dims)
    coefficients = np.array([c for c in stencil.coefficients if c != 0])
    reads = (outputs[:, None, :] + offsets[None, :, :]).reshape(-1, stencil.dims)
    inputs, column = np.unique(reads, axis=0, return_inverse=True)
    matrix = np.zeros((outputs.shape[0], inputs.shape[0]))
    rows = np.repeat(np.arange(len(outputs)), offsets.shape[0])
    matrix[rows, column.reshape(-1)] = np.tile(coefficients, outputs.shape[0])
    return TiledGemm(shape, stencil.radii, outputs, inputs.astype(np.int64), matrix)


def tile_shapes(dims: int) -> list[tuple[int, ...]]:
    """Every tile of at most 16 points on `dims` axes, in search order.

    Full tiles (16 points: 5 in 2D, 15 in 3D) come first, then smaller ones; within a size
    the longest extent on the innermost axis (contiguous rows in memory) comes first, e.g.
    (1, 16), (2, 8), (4, 4), (8, 2), (16, 1), (1, 15), ... in 2D.
    """
    shapes = [
        shape
        for shape in itertools.product(range(1, MMA_M + 1), repeat=dims)
        if math.prod(shape) <= MMA_M
    ]
    return sorted(shapes, key=lambda shape: (-math.prod(shape), *(-e for e in reversed(shape))))


def check_tile(tile: Sequence[int], dims: int) -> tuple[int, ...]:
    """`tile` as a tuple if it is a tile of at most 16 points on `dims` axes."""
    shape = tuple(int(e) for e in tile)
    if len(shape) != dims or any(e < 1 for e in shape) or math.prod(shape) > MMA_M:
        raise StencilError(
            f"tile {list(shape)} must have one positive extent per axis ({dims}) whose "
            f"product is at most {MMA_M}"
        )
    return shape


def check_grid(halo: Sequence[int], shape: Sequence[int]) -> tuple[int, ...]:
    """`shape` as a tuple if a grid of that shape has an interior point under `halo`.

    The rule of :meth:`Stencil.check_grid` for a stencil that reaches exactly the halo: a
    layout keeps the reach of crushed zero coefficients, which its matrix no longer shows.
    """
    return check_stencil_grid(tuple(int(h) for h in halo), shape)


def format_tile(tile: Sequence[int]) -> str:
    """`tile` as messages and tables write it: ``8x2``."""
    return "x".join(str(e) for e in tile)


def _describe_difference(
    first: dict[tuple[int, ...], float], other: dict[tuple[int, ...], float]
) -> str:
    for offset in sorted(first.keys() | other.keys()):
        if first.get(offset) != other.get(offset):
            return (
                f"offset {list(offset)} has coefficient {other.get(offset, 0.0)} "
                f"instead of {first.get(offset, 0.0)}"
            )
    return "no difference"
