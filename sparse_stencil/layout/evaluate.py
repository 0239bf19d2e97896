"""The L1 evaluator: run a tiled GEMM layout on a grid with numpy, as the GPU would.

It knows nothing of the stencil: it tiles the interior with the layout's output tile,
gathers B through the layout's gather map (for a converted layout, through the permutation,
padding slots gathering zero), expands A from values and metadata, multiplies, and scatters
C through the scatter map. Tiles that overhang the interior at its far edges read zeros
beyond the grid and their outputs outside the interior are dropped: that is the tiling
waste that redundancy figures leave out. So a test that compares it with
:func:`sparse_stencil.reference` proves that morphing and conversion kept the stencil.

Numerics follow the reference's rule: inputs rounded to the storage type, each output a
float64 sum of the products of the exact coefficients with those inputs, rounded once to
the storage type per step. Only the order of the float64 sum differs (the reference adds
offset by offset, the matrix product as numpy's BLAS pleases), so the two agree:

- bit for bit whenever every product and partial sum is exact in float64, e.g. integer
  grids with coefficients k / 2^j of few bits (the tests compare those over several steps);
- otherwise, after one step, within :func:`agreement_bound`, per point
  ``2 (gamma_n S + n 2^-1075) + max(spacing)`` for n non-zero terms: S = sum |c x|, and
  gamma_n = n u / (1 - n u) with u = 2^-53 bounds the error of a float64 sum in any order
  (Higham, *Accuracy and Stability of Numerical Algorithms*, 3.1; the 2^-1075 covers
  products that underflow), doubled for the two sums; rounding to nearest then moves each
  result by at most half the storage spacing at its rounded magnitude, so the larger
  spacing of the two results is added.

A is multiplied densely, so an inf or NaN anywhere in a tile's inputs reaches all its
outputs; the tests use finite grids (the GPU multiplies only the kept entries, see the PTX
simulator).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from sparse_stencil.dtypes import StorageType, storage_type
from sparse_stencil.errors import StencilError
from sparse_stencil.layout.matching import SparseGemm
from sparse_stencil.layout.morphing import TiledGemm, check_grid
from sparse_stencil.layout.search import LayoutChoice
from sparse_stencil.reference import apply_once
from sparse_stencil.stencil import Stencil


def evaluate(
    layout: TiledGemm | SparseGemm | LayoutChoice,
    x: npt.ArrayLike,
    steps: int = 1,
    dtype: str | StorageType = "float16",
) -> npt.NDArray[np.float64]:
    """Apply `layout` to the grid `x` `steps` times under the fixed boundary rule.

    A :class:`~.search.LayoutChoice` stands for its converted GEMM.
    """
    if steps < 0:
        raise StencilError(f"steps must be >= 0, got {steps}")
    if isinstance(layout, LayoutChoice):
        layout = layout.sparse
    storage = storage_type(dtype)
    grid = storage.round(np.asarray(x, dtype=np.float64))
    check_grid(layout.halo, grid.shape)
    operands = _operands(layout)
    for _ in range(steps):
        grid = storage.round(_step(layout, operands, grid))
    return grid


def _operands(
    layout: TiledGemm | SparseGemm,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """A, the gather offset of each of its columns, and which columns gather at all."""
    if isinstance(layout, TiledGemm):
        return layout.matrix, layout.inputs, np.ones(layout.k, dtype=bool)
    real = layout.permutation >= 0
    offsets = np.zeros((layout.k_after, len(layout.tile)), dtype=np.int64)
    offsets[real] = layout.inputs[layout.permutation[real]]
    return layout.dense_matrix(), offsets, real


def _step(
    layout: TiledGemm | SparseGemm,
    operands: tuple[npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.bool_]],
    grid: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    matrix, offsets, real = operands
    origins = _tile_origins(layout, grid.shape)
    c = matrix @ _gather(offsets, real, grid, origins, max(layout.tile))
    points = origins[None, :, :] + layout.outputs[:, None, :]
    interior = np.ones(points.shape[:2], dtype=bool)
    for axis, (n, band) in enumerate(zip(grid.shape, layout.halo, strict=True)):
        interior &= points[..., axis] < n - band
    result = grid.copy()
    result[tuple(points[interior].T)] = c[interior]
    return result


def _gather(
    offsets: npt.NDArray[np.int64],
    real: npt.NDArray[np.bool_],
    grid: npt.NDArray[np.float64],
    origins: npt.NDArray[np.int64],
    overhang: int,
) -> npt.NDArray[np.float64]:
    """B (K x tiles): column n holds the inputs of the tile at ``origins[n]``.

    The grid is padded with zeros wide enough for the farthest offset of a tile that
    overhangs the interior by up to `overhang` points; padding slots gather zero.
    """
    margin = int(np.abs(offsets).max(initial=0)) + overhang
    padded = np.pad(grid, margin)
    reads = offsets[:, None, :] + origins[None, :, :] + margin
    return np.where(real[:, None], padded[tuple(np.moveaxis(reads, -1, 0))], 0.0)


def _tile_origins(layout: TiledGemm | SparseGemm, shape: tuple[int, ...]) -> npt.NDArray[np.int64]:
    """Origins of the tiles that cover the interior, first axis outermost."""
    starts = [
        np.arange(band, n - band, extent)
        for n, band, extent in zip(shape, layout.halo, layout.tile, strict=True)
    ]
    mesh = np.meshgrid(*starts, indexing="ij")
    return np.stack([m.reshape(-1) for m in mesh], axis=1).astype(np.int64)


def agreement_bound(
    stencil: Stencil,
    x: npt.ArrayLike,
    got: npt.NDArray[np.float64],
    expected: npt.NDArray[np.float64],
    dtype: str | StorageType = "float16",
) -> npt.NDArray[np.float64]:
    """Per point, how far one step of :func:`evaluate` may be from one of the reference.

    `got` and `expected` are the two results on the grid `x` (the bound takes the larger
    storage spacing of the two). See the module docstring for the derivation; S is itself
    computed in float64, from below, so it is divided by ``1 - gamma_n``.
    """
    storage = storage_type(dtype)
    n = sum(1 for c in stencil.coefficients if c != 0)
    gamma = n * 2.0**-53 / (1 - n * 2.0**-53)
    absolute = stencil.magnitudes()
    magnitude = apply_once(absolute, np.abs(storage.round(np.asarray(x, dtype=np.float64))))
    sums = 2 * (gamma * magnitude / (1 - gamma) + n * 2.0**-1075)
    return sums + np.maximum(spacing(got, storage), spacing(expected, storage))


def spacing(values: npt.NDArray[np.float64], storage: StorageType) -> npt.NDArray[np.float64]:
    """Gap between each stored value's magnitude and the next larger stored number."""
    normal = np.ldexp(1.0, np.frexp(np.abs(values))[1] - storage.significand_bits)
    return np.where(values == 0, storage.quantum_floor, np.maximum(normal, storage.quantum_floor))
