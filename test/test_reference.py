"""The float64 reference against a plain per-point loop, and its rounding rule."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import grids_for, stencils

from sparse_stencil import Stencil, StencilError, reference
from sparse_stencil.dtypes import FLOAT16, storage_type


def per_point_reference(stencil: Stencil, x: np.ndarray, steps: int, dtype: str) -> np.ndarray:
    """The semantics of docs/design.md §3 written as directly as possible: point by point."""
    storage = storage_type(dtype)
    current = storage.round(x)
    for _ in range(steps):
        updated = current.copy()
        for point in itertools.product(*(range(n) for n in x.shape)):
            if any(
                p < r or p >= n - r for p, r, n in zip(point, stencil.radii, x.shape, strict=True)
            ):
                continue
            total = 0.0
            for offset, coefficient in zip(stencil.offsets, stencil.coefficients, strict=True):
                total += coefficient * current[tuple(np.add(point, offset))]
            updated[point] = total
        current = storage.round(updated)
    return current


@settings(max_examples=60, deadline=None)
@given(
    st.data(), stencils(), st.integers(1, 3), st.sampled_from(["float16", "bfloat16", "float32"])
)
def test_reference_equals_the_per_point_loop(
    data: st.DataObject, stencil: Stencil, steps: int, dtype: str
) -> None:
    x = data.draw(grids_for(stencil, max_extra=3))
    expected = per_point_reference(stencil, x, steps, dtype)
    np.testing.assert_array_equal(reference(stencil, x, steps, dtype), expected)


def test_boundary_band_keeps_its_values() -> None:
    stencil = Stencil({(0, -2): 1.0, (0, 2): 1.0, (1, 0): 1.0})
    x = np.arange(7 * 9, dtype=np.float64).reshape(7, 9)
    y = reference(stencil, x, steps=3)
    np.testing.assert_array_equal(y[[0, -1], :], x[[0, -1], :])
    np.testing.assert_array_equal(y[:, [0, 1, -2, -1]], x[:, [0, 1, -2, -1]])
    assert not np.array_equal(y[1:-1, 2:-2], x[1:-1, 2:-2])


def test_each_step_rounds_to_the_storage_type() -> None:
    # 1/3 is not a float16; two steps of x -> x/3 must round after each step.
    stencil = Stencil({(0,): 1 / 3})
    x = np.ones(1)
    once = FLOAT16.round(1 / 3)
    assert reference(stencil, x, 1)[0] == once
    assert reference(stencil, x, 2)[0] == FLOAT16.round(once / 3)
    assert reference(stencil, x, 1, "float32")[0] == np.float32(1 / 3)


def test_inputs_are_rounded_first() -> None:
    stencil = Stencil({(0,): 1.0})
    assert reference(stencil, np.array([0.1]), 1)[0] == np.float16(0.1)


def test_zero_steps_is_the_rounded_input() -> None:
    x = np.array([0.1, 0.2, 0.3])
    np.testing.assert_array_equal(reference(Stencil({(0,): 2.0}), x, 0), FLOAT16.round(x))


@pytest.mark.parametrize(
    ("shape", "steps", "message"),
    [
        ((2, 9), 1, "smaller than the stencil"),
        ((9,), 1, "rank 1"),
        ((9, 9), -1, "steps must be >= 0"),
    ],
)
def test_bad_calls_are_refused(shape: tuple[int, ...], steps: int, message: str) -> None:
    with pytest.raises(StencilError, match=message):
        reference(Stencil({(1, 0): 1.0}), np.zeros(shape), steps)
