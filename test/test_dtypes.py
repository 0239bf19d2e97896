"""Rounding into the storage types agrees with IEEE formats and numpy's own conversions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sparse_stencil.dtypes import BFLOAT16, FLOAT16, FLOAT32, storage_type
from sparse_stencil.errors import StencilError

finite_doubles = st.floats(allow_nan=False, allow_infinity=False, width=64)


@given(st.lists(finite_doubles, min_size=1, max_size=64))
def test_float16_and_float32_match_numpy(values: list[float]) -> None:
    x = np.array(values)
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(FLOAT16.round(x), x.astype(np.float16).astype(np.float64))
        np.testing.assert_array_equal(FLOAT32.round(x), x.astype(np.float32).astype(np.float64))


def _bfloat16_by_bits(x: np.ndarray) -> np.ndarray:
    """bf16 rounding of float32 inputs by the usual bit trick (round to nearest even)."""
    bits = x.astype(np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    return rounded.astype(np.uint32).view(np.float32).astype(np.float64)


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, width=32), min_size=1))
def test_bfloat16_matches_the_bit_trick_on_float32_inputs(values: list[float]) -> None:
    # For inputs that are already float32 a single rounding to bf16 equals the bit trick.
    x = np.array(values, dtype=np.float32).astype(np.float64)
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(BFLOAT16.round(x), _bfloat16_by_bits(x))


def test_bfloat16_rounds_once_from_float64() -> None:
    # 1 + 2**-8 + 2**-30 lies just above the midpoint between bf16 neighbours 1 and 1+2**-7;
    # rounding through float32 first would land on the midpoint and tie to even (1.0).
    x = 1 + 2.0**-8 + 2.0**-30
    assert BFLOAT16.round(x) == 1 + 2.0**-7


def test_special_values_pass_through() -> None:
    x = np.array([np.inf, -np.inf, 0.0, -0.0, 1e6])
    np.testing.assert_array_equal(FLOAT16.round(x), [np.inf, -np.inf, 0.0, -0.0, np.inf])
    assert np.isnan(FLOAT16.round(np.nan))


def test_names_and_aliases() -> None:
    assert storage_type("bf16") is BFLOAT16
    assert storage_type("tf32") is FLOAT32
    with pytest.raises(StencilError, match="unsupported dtype 'float64'"):
        storage_type("float64")
