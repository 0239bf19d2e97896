"""Hypothesis strategies and random inputs shared by the tests: stencils, grids, 2:4 tiles."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import strategies as st

from sparse_stencil import Stencil


@st.composite
def stencils(draw: st.DrawFn, max_dims: int = 3, max_radius: int = 4) -> Stencil:
    """A stencil in 1 to `max_dims` dimensions with a random offset set of radius <= max_radius.

    Coefficients are small integers or halves, so sums stay exact in every storage type.
    """
    dims = draw(st.integers(1, max_dims))
    radius = draw(st.integers(1, max_radius))
    box = list(itertools.product(range(-radius, radius + 1), repeat=dims))
    offsets = draw(
        st.lists(st.sampled_from(box), min_size=1, max_size=min(len(box), 40), unique=True)
    )
    coefficients = draw(
        st.lists(
            st.integers(-8, 8).filter(bool).map(lambda k: k / 2),
            min_size=len(offsets),
            max_size=len(offsets),
        )
    )
    return Stencil(dict(zip(offsets, coefficients, strict=True)))


@st.composite
def grids_for(draw: st.DrawFn, stencil: Stencil, max_extra: int = 4) -> np.ndarray:
    """A grid just large enough for `stencil` plus up to `max_extra` points per axis."""
    shape = tuple(2 * r + 1 + draw(st.integers(0, max_extra)) for r in stencil.radii)
    seed = draw(st.integers(0, 2**32 - 1))
    return np.random.default_rng(seed).integers(-4, 5, size=shape).astype(np.float64)


def random_two_four_tile(rng: np.random.Generator, low: int, high: int) -> np.ndarray:
    """A 16x16 f16 tile whose every chunk of 4 holds 0, 1 or 2 integers from [low, high) at
    random positions (zeros among them if the range holds 0)."""
    tile = np.zeros((16, 16), dtype=np.float16)
    for row in range(16):
        for chunk in range(4):
            kept = rng.choice(4, size=rng.integers(0, 3), replace=False)
            tile[row, 4 * chunk + kept] = rng.integers(low, high, size=kept.size)
    return tile
