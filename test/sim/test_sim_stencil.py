"""The hand-written sparse-tensor-core stencil kernel (kernels/stencil2d_sp.ptx) end to end.

Beyond the 64x64 case of sim_cases, this runs a radius-2 star on a non-square grid wider than
one block's 64 columns (grid.y > 1, clamped edge tiles, more k-steps) against
:func:`sparse_stencil.reference`, and checks the host-side 2:4 operands it uses.
"""

from __future__ import annotations

import numpy as np
import pytest
from sim_cases import (
    STENCIL,
    compress,
    kernel_text,
    stencil_error_bound,
    stencil_launch,
    stencil_operands,
)

from sparse_stencil.reference import reference
from sparse_stencil.sim import run_ptx
from sparse_stencil.stencil import Stencil

STAR2 = Stencil(
    {
        (0, 0): -5.0,
        (-1, 0): 1.0,
        (1, 0): 1.0,
        (0, -1): 1.0,
        (0, 1): 1.0,
        (-2, 0): -0.25,
        (2, 0): -0.25,
        (0, -2): 0.5,
        (0, 2): 0.5,
    },
    name="star2d2r",
)


def _simulate(stencil: Stencil, grid: np.ndarray) -> tuple[np.ndarray, list]:
    ny, nx = grid.shape
    ops = stencil_operands(stencil, nx)
    x = grid.astype(np.float16)
    y = np.full(grid.shape, np.nan, dtype=np.float16)  # every point must be written
    launch_grid, block = stencil_launch(grid.shape, stencil.radius)
    args = [x, y, ops.packed, ops.metadata, ops.table, ops.ksteps, nx, ny, stencil.radius]
    run_ptx(kernel_text("stencil2d_sp.ptx"), "stencil2d_sp", launch_grid, block, args)
    return y, args


@pytest.mark.parametrize(
    ("stencil", "shape"),
    [(STENCIL, (64, 64)), (STAR2, (40, 150))],
    ids=["box2d1r-64x64", "star2d2r-40x150"],
)
def test_integer_grid_equals_reference(stencil: Stencil, shape: tuple[int, int]) -> None:
    grid = np.random.default_rng(7).integers(-50, 51, size=shape)
    y, _ = _simulate(stencil, grid)
    np.testing.assert_array_equal(y.astype(np.float64), reference(stencil, grid, 1, "float16"))


@pytest.mark.parametrize(
    ("stencil", "shape"),
    [(STENCIL, (64, 64)), (STAR2, (40, 150))],
    ids=["box2d1r-64x64", "star2d2r-40x150"],
)
def test_random_grid_within_bound(stencil: Stencil, shape: tuple[int, int]) -> None:
    """Within sim_cases.stencil_error_bound (f32 rounding per k-step, then f16)."""
    grid = np.random.default_rng(8).standard_normal(shape)
    y, args = _simulate(stencil, grid)
    expected = reference(stencil, grid, 1, "float16")
    error = np.abs(y.astype(np.float64) - expected)
    assert (error <= stencil_error_bound(stencil, args[0], args[5], y)).all()


@pytest.mark.parametrize("stencil", [STENCIL, STAR2], ids=["box2d1r", "star2d2r"])
def test_operands_are_2to4_and_decompress_to_the_staircase(stencil: Stencil) -> None:
    ops = stencil_operands(stencil, 100)
    for step in range(ops.ksteps):
        values = ops.packed[step].astype(np.float64)
        words = ops.metadata[step]
        dense = np.zeros((16, 16))
        for row in range(16):
            word = int(words[row % 8]) >> (16 if row >= 8 else 0)
            for chunk in range(4):
                nibble = (word >> (4 * chunk)) & 0xF
                first, second = nibble & 3, nibble >> 2
                assert first < second  # ordered metadata
                dense[row, 4 * chunk + first] = values[row, 2 * chunk]
                dense[row, 4 * chunk + second] = values[row, 2 * chunk + 1]
        compress(dense, 4)  # raises unless 2:4
    # every output row uses each stencil point exactly once: coefficients sum per row (exactly:
    # a handful of dyadic values with few significant bits add without rounding in float64)
    total = ops.packed.astype(np.float64).sum(axis=(0, 2))
    np.testing.assert_array_equal(total, np.full(16, sum(stencil.coefficients)))
    assert 16 * ops.ksteps >= ops.k_before
