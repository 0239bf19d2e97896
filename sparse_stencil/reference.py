"""The float64 numpy reference of the semantics that every compiled path must meet."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from sparse_stencil.dtypes import StorageType, storage_type
from sparse_stencil.errors import StencilError
from sparse_stencil.stencil import Stencil


def reference(
    stencil: Stencil,
    x: npt.ArrayLike,
    steps: int = 1,
    dtype: str | StorageType = "float16",
) -> npt.NDArray[np.float64]:
    """Apply `stencil` to the grid `x` `steps` times, as docs/design.md §3 defines it.

    The input is first rounded to the storage type `dtype`; each step computes
    ``sum_o c_o * x[p + o]`` in float64 on the interior points (the boundary band of width
    ``stencil.radii`` keeps its values) and rounds the result to the storage type. The
    coefficients are used exactly, as float64. Returns a float64 array of `x`'s shape, whose
    values are all representable in the storage type.
    """
    if steps < 0:
        raise StencilError(f"steps must be >= 0, got {steps}")
    storage = storage_type(dtype)
    grid = np.asarray(x, dtype=np.float64)
    stencil.check_grid(grid.shape)
    current = storage.round(grid)
    for _ in range(steps):
        current = storage.round(apply_once(stencil, current))
    return current


def interior_mask(stencil: Stencil, shape: Sequence[int]) -> npt.NDArray[np.bool_]:
    """The points of a grid of `shape` that a step writes (outside the boundary band)."""
    mask = np.zeros(tuple(shape), dtype=bool)
    mask[tuple(slice(r, n - r) for r, n in zip(stencil.radii, shape, strict=True))] = True
    return mask


def apply_once(stencil: Stencil, grid: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """One exact float64 step on the interior, the boundary band copied; no rounding."""
    interior = tuple(slice(r, n - r) for r, n in zip(stencil.radii, grid.shape, strict=True))
    accumulated = np.zeros(grid[interior].shape)
    for offset, coefficient in zip(stencil.offsets, stencil.coefficients, strict=True):
        shifted = tuple(
            slice(r + o, n - r + o)
            for r, o, n in zip(stencil.radii, offset, grid.shape, strict=True)
        )
        accumulated += coefficient * grid[shifted]
    result = grid.copy()
    result[interior] = accumulated
    return result
