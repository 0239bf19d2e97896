"""Exact rounding of the simulator (sparse_stencil.sim.numerics) against exact rationals."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from fraction_rounding import round_fraction

from sparse_stencil.sim.numerics import (
    BF16,
    F16,
    F32,
    ROUNDING_MODES,
    TF32,
    fma_f64,
    integer_as_exact,
    round_exact,
    two_sum,
)

FORMATS = {"f16": F16, "bf16": BF16, "tf32": TF32, "f32": F32}


def _pairs(fmt_name: str, count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact values hi + lo: format midpoints and grid points nudged by tiny remainders,
    plus random values across the format's whole range (subnormals and overflow included)."""
    rng = np.random.default_rng(seed)
    fmt = FORMATS[fmt_name]
    precision = fmt.precision
    low = fmt.min_exponent - (precision - 1)  # the smallest subnormal's exponent
    high = fmt.max_exponent + 1  # the binade past the largest finite number: overflow
    exponents = rng.integers(low, high + 1, size=count)
    mantissas = rng.integers(2**precision, 2 ** (precision + 1), size=count)
    on_grid = np.ldexp(mantissas.astype(np.float64), exponents - precision)
    half_steps = rng.integers(0, 2, size=count)  # a midpoint or a grid point
    hi = on_grid + half_steps * np.ldexp(1.0, exponents - precision - 1)
    hi *= rng.choice([-1.0, 1.0], size=count)
    lo = np.ldexp(rng.choice([-1.0, 0.0, 1.0], size=count), exponents - precision - 40)
    random = rng.standard_normal(count) * np.ldexp(1.0, rng.integers(low, high, size=count))
    return np.concatenate([hi, random]), np.concatenate([lo, np.zeros(count)])


@pytest.mark.parametrize("fmt_name", list(FORMATS))
@pytest.mark.parametrize("mode", ROUNDING_MODES)
def test_round_exact_matches_rational_rounding(fmt_name: str, mode: str) -> None:
    hi, lo = _pairs(fmt_name, 150, seed=len(fmt_name) * 7 + ROUNDING_MODES.index(mode))
    result = round_exact(hi, lo, FORMATS[fmt_name], mode)
    for h, low, r in zip(hi, lo, result, strict=True):
        expected = round_fraction(Fraction(float(h)) + Fraction(float(low)), fmt_name, mode)
        assert r == expected or (r == 0 and expected == 0), (h, low, r, expected)


def test_round_exact_keeps_the_sign_of_zero_and_passes_specials() -> None:
    values = np.array([-0.0, 0.0, np.inf, -np.inf, np.nan, -1e-30])
    result = round_exact(values, 0.0, F16, "rz")
    assert np.signbit(result[0])
    assert not np.signbit(result[1])
    assert result[2] == np.inf
    assert result[3] == -np.inf
    assert np.isnan(result[4])
    assert result[5] == 0
    assert np.signbit(result[5])


def test_round_exact_overflow_per_mode() -> None:
    big = np.array([70000.0, -70000.0])
    assert round_exact(big, 0.0, F16, "rn").tolist() == [math.inf, -math.inf]
    assert round_exact(big, 0.0, F16, "rz").tolist() == [65504.0, -65504.0]
    assert round_exact(big, 0.0, F16, "rm").tolist() == [65504.0, -math.inf]
    assert round_exact(big, 0.0, F16, "rp").tolist() == [math.inf, -65504.0]


def test_two_sum_is_exact() -> None:
    rng = np.random.default_rng(3)
    a = rng.standard_normal(200) * 1e10
    b = rng.standard_normal(200) * 1e-10
    hi, lo = two_sum(a, b)
    for x, y, h, low in zip(a, b, hi, lo, strict=True):
        assert Fraction(float(h)) + Fraction(float(low)) == Fraction(float(x)) + Fraction(float(y))


def test_integers_become_exact_pairs() -> None:
    values = np.array([2**63 - 1, -(2**63), 2**53 + 1, -3], dtype=np.int64)
    hi, lo = integer_as_exact(values)
    for value, h, low in zip(values, hi, lo, strict=True):
        assert Fraction(float(h)) + Fraction(float(low)) == int(value)
    unsigned = np.array([2**64 - 1], dtype=np.uint64)
    hi, lo = integer_as_exact(unsigned)
    assert Fraction(float(hi[0])) + Fraction(float(lo[0])) == 2**64 - 1


def test_fma_f64_rounds_once() -> None:
    """Random operands, many with c close to -a*b (heavy cancellation), and extremes that take
    the rational fallback: each result is the exact a*b + c rounded to nearest (Python's
    int division, used by float(Fraction), is correctly rounded)."""
    rng = np.random.default_rng(9)
    count = 3000
    a = rng.standard_normal(count) * np.ldexp(1.0, rng.integers(-60, 60, count))
    b = rng.standard_normal(count) * np.ldexp(1.0, rng.integers(-60, 60, count))
    c = -(a * b) * (1 + rng.integers(-3, 4, count) * 2.0**-52)
    c[::3] = rng.standard_normal(count // 3) * np.ldexp(1.0, rng.integers(-120, 120, count // 3))
    a[:4] = [1e300, 1e-300, 3.0, 1e-170]
    b[:4] = [1e7, 1e-30, 1 / 3, 1e-170]
    c[:4] = [-1e307, 1e-320, -1.0, 0.0]
    result = fma_f64(a, b, c)
    for x, y, z, r in zip(a, b, c, result, strict=True):
        exact = Fraction(float(x)) * Fraction(float(y)) + Fraction(float(z))
        assert r == float(exact)


def test_fma_f64_of_scalars() -> None:
    """fma.rn.f64 with three immediates reaches fma_f64 with 0-d operands; the rational
    fallback (here: a product beyond 2**900) must handle them too."""
    assert fma_f64(np.float64(3.0), np.float64(1 / 3), np.float64(-1.0)).tolist() == [
        float(Fraction(3) * Fraction(1 / 3) - 1)
    ]
    assert fma_f64(np.float64(1e300), np.float64(1e7), np.float64(-1e307)).tolist() == [
        float(Fraction(1e300) * Fraction(1e7) - Fraction(1e307))
    ]
