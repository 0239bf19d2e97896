"""Exact floating-point rounding for the PTX simulator.

Every rounded PTX operation (``cvt`` with a rounding modifier, f16/bf16 arithmetic, ``fma``,
``add.rz`` ...) is computed here in two steps: first the *exact* result as an unevaluated sum
``hi + lo`` of two float64 values (``hi`` is the float64 nearest to the exact result, ``lo``
the remainder), then one rounding of that exact value to the target format with the PTX
rounding mode. The pair is exact for everything the simulator needs: products of two f32 (or
narrower) values are exact in float64 (at most 48 significant bits, exponents far inside the
float64 range), and :func:`two_sum` makes sums exact.

Rounding ``hi + lo`` to a format of ``p`` significant bits (p <= 24) uses ``lo`` only to break
the cases where ``hi`` lies exactly on a grid point or a midpoint of the narrow format: a
float64 value strictly between two such points cannot cross one by the float64 rounding, since
the points themselves are float64 numbers. The result is therefore the correctly rounded exact
value, with no double rounding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import numpy.typing as npt

F64Array = npt.NDArray[np.float64]

ROUNDING_MODES = ("rn", "rna", "rz", "rm", "rp")
"""Nearest-even, nearest-away (tf32 only in PTX), toward zero, toward -inf, toward +inf."""


@dataclass(frozen=True)
class FloatFormat:
    """A binary floating-point format: significand bits (implicit bit included) and exponents."""

    name: str
    precision: int
    min_exponent: int
    """Exponent of the smallest normal number."""
    max_exponent: int
    """Exponent of the largest finite number."""

    @property
    def max_finite(self) -> float:
        return float(np.ldexp(2.0 - 2.0 ** (1 - self.precision), self.max_exponent))

    @property
    def min_normal(self) -> float:
        return float(np.ldexp(1.0, self.min_exponent))


F16 = FloatFormat("f16", 11, -14, 15)
BF16 = FloatFormat("bf16", 8, -126, 127)
TF32 = FloatFormat("tf32", 11, -126, 127)
F32 = FloatFormat("f32", 24, -126, 127)


def two_sum(a: F64Array, b: F64Array) -> tuple[F64Array, F64Array]:
    """Knuth's TwoSum: ``a + b == hi + lo`` exactly, with ``hi = fl(a + b)`` (no overflow)."""
    hi = a + b
    b_virtual = hi - a
    a_virtual = hi - b_virtual
    lo = (a - a_virtual) + (b - b_virtual)
    return hi, np.where(np.isfinite(hi), lo, 0.0)


_SPLITTER = 2.0**27 + 1.0  # Veltkamp: splits a double into two 26-bit halves


def two_product(a: F64Array, b: F64Array) -> tuple[F64Array, F64Array]:
    """Dekker's TwoProduct: ``a * b == p + e`` exactly, with ``p = fl(a * b)``, as long as
    the product neither overflows nor underflows (see :func:`fma_f64` for the safe range)."""
    p = a * b
    a_big = _SPLITTER * a
    a_high = a_big - (a_big - a)
    a_low = a - a_high
    b_big = _SPLITTER * b
    b_high = b_big - (b_big - b)
    b_low = b - b_high
    e = ((a_high * b_high - p) + a_high * b_low + a_low * b_high) + a_low * b_low
    return p, e


def _add_round_to_odd(x: F64Array, y: F64Array) -> F64Array:
    """x + y rounded to odd: exact if representable, else the neighbour with an odd last bit."""
    s, e = two_sum(x, y)
    even = (s.view(np.uint64) & np.uint64(1)) == 0
    return np.where((e != 0) & even, np.nextafter(s, np.copysign(np.inf, e)), s)


def fma_f64(a: F64Array, b: F64Array, c: F64Array) -> F64Array:
    """``fma.rn.f64``: a * b + c rounded once, to nearest even.

    Boldo and Melquiond's emulation with rounding to odd: ``uh + ul = a b`` and
    ``th + tl = c + uh`` exactly, ``v = odd(tl + ul)``, result ``fl(th + v)``. It is exact
    while the product stays within 2**+-900 and |c| < 2**1000; other finite operands are
    computed with exact rationals, and a zero product or a non-finite operand gives
    ``a * b + c``, which is then exact or IEEE's special-value answer.
    """
    a, b, c = np.broadcast_arrays(*(np.atleast_1d(np.asarray(v, np.float64)) for v in (a, b, c)))
    with np.errstate(all="ignore"):
        product = a * b
        magnitude = np.abs(product)
        safe = (magnitude >= 2.0**-900) & (magnitude <= 2.0**900) & (np.abs(c) < 2.0**1000)
        plain = (product == 0) | ~np.isfinite(a) | ~np.isfinite(b) | ~np.isfinite(c)
        high, low = two_product(a, b)
        total_high, total_low = two_sum(c, high)
        result = total_high + _add_round_to_odd(total_low, low)
        result = np.where(plain, product + c, result)
    for index in zip(*np.nonzero(~safe & ~plain), strict=True):
        exact = Fraction(float(a[index])) * Fraction(float(b[index])) + Fraction(float(c[index]))
        result[index] = _fraction_to_f64(exact, float(product[index] + c[index]))
    return result


def _fraction_to_f64(value: Fraction, zero_sign: float) -> float:
    """`value` rounded to nearest (Python's int division is correctly rounded)."""
    if value == 0:
        return math.copysign(0.0, zero_sign)
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def round_exact(
    hi: npt.ArrayLike, lo: npt.ArrayLike, fmt: FloatFormat, mode: str = "rn"
) -> F64Array:
    """Round the exact value ``hi + lo`` to `fmt` with rounding `mode`; float64 result.

    Subnormals of the format are honoured; overflow gives infinity or the largest finite
    number as IEEE 754 says for the mode; NaN and infinities pass through.
    """
    if mode not in ROUNDING_MODES:
        raise ValueError(f"unknown rounding mode {mode!r}")
    hi = np.asarray(hi, dtype=np.float64)
    lo = np.broadcast_to(np.asarray(lo, dtype=np.float64), hi.shape)
    finite = np.isfinite(hi)
    h = np.where(finite, hi, 0.0)
    rest = np.where(finite, lo, 0.0)
    mantissa, exponent = np.frexp(np.abs(h))  # |h| = mantissa * 2**exponent, mantissa in [0.5, 1)
    leading = exponent - 1
    # A power of two with a remainder toward zero lies in the binade below: use its finer grid.
    leading = np.where((mantissa == 0.5) & (rest * h < 0), leading - 1, leading)
    leading = np.maximum(leading, fmt.min_exponent)
    quantum = np.ldexp(1.0, leading - (fmt.precision - 1))
    units = h / quantum  # exact: a power-of-two scaling
    floor = np.floor(units)
    frac = units - floor
    lower = np.where((frac == 0) & (rest < 0), floor - 1, floor)
    inexact = (frac != 0) | (rest != 0)
    # Position against the midpoint between `lower` and `lower + 1`: -1 below, 0 on, +1 above.
    side = np.where(
        frac == 0,
        np.where(rest < 0, 1, -1),
        np.where(frac < 0.5, -1, np.where(frac > 0.5, 1, np.sign(rest))),
    )
    negative = np.signbit(h)
    if mode == "rn":
        up = (side > 0) | ((side == 0) & (np.fmod(lower, 2) != 0))
    elif mode == "rna":
        up = (side > 0) | ((side == 0) & ~negative)
    elif mode == "rz":
        up = negative
    elif mode == "rm":
        up = np.zeros_like(negative)
    else:
        up = np.ones_like(negative)
    result = (lower + (inexact & up)) * quantum
    result = np.where(result == 0, np.copysign(0.0, h), result)
    result = _overflow(result, negative, fmt, mode)
    return np.where(finite, result, hi)


def _overflow(
    result: F64Array, negative: npt.NDArray[np.bool_], fmt: FloatFormat, mode: str
) -> F64Array:
    """Replace results beyond the largest finite number as IEEE 754 rounding says."""
    big = fmt.max_finite
    too_big = np.abs(result) > big
    if not too_big.any():
        return result
    to_infinity = {
        "rn": np.ones_like(negative),
        "rna": np.ones_like(negative),
        "rz": np.zeros_like(negative),
        "rm": negative,
        "rp": ~negative,
    }[mode]
    replacement = np.where(to_infinity, np.inf, big)
    return np.where(too_big, np.where(negative, -replacement, replacement), result)


def flush_subnormal(values: F64Array, fmt: FloatFormat) -> F64Array:
    """PTX ``.ftz``: values below the smallest normal of `fmt` become zero of the same sign."""
    return np.where(np.abs(values) < fmt.min_normal, np.copysign(0.0, values), values)


def integer_as_exact(values: npt.NDArray[np.integer]) -> tuple[F64Array, F64Array]:
    """A 64-bit integer array as an exact float64 pair (hi, lo), for int -> float cvt."""
    as_int = values.astype(np.int64) if values.dtype.kind == "i" else values.astype(np.uint64)
    high = (as_int >> 32).astype(np.float64) * 2.0**32  # both halves are exact in float64
    low = (as_int & 0xFFFFFFFF).astype(np.float64)
    return two_sum(high, low)


CANONICAL_NAN_BITS = {"f16": 0x7FFF, "bf16": 0x7FFF, "f32": 0x7FFFFFFF, "tf32": 0x7FFFFFFF}
"""The NaN that NVIDIA GPUs produce for a conversion or arithmetic result."""


def f16_bits(values: F64Array) -> npt.NDArray[np.uint16]:
    """f16 bit patterns of `values` rounded to nearest-even f16 (exact when they are already
    representable; beyond the range: inf), NaN -> canonical NaN."""
    with np.errstate(over="ignore"):  # overflow to inf is the IEEE result wanted here
        bits = values.astype(np.float16).view(np.uint16)
    return np.where(np.isnan(values), np.uint16(CANONICAL_NAN_BITS["f16"]), bits)


def bf16_bits(values: F64Array) -> npt.NDArray[np.uint16]:
    """bf16 bit patterns of values already representable in bf16 (NaN -> canonical NaN)."""
    bits = (values.astype(np.float32).view(np.uint32) >> 16).astype(np.uint16)
    return np.where(np.isnan(values), np.uint16(CANONICAL_NAN_BITS["bf16"]), bits)


def f32_bits(values: F64Array) -> npt.NDArray[np.uint32]:
    """f32 bit patterns of values already representable in f32 (NaN -> canonical NaN)."""
    bits = values.astype(np.float32).view(np.uint32)
    return np.where(np.isnan(values), np.uint32(CANONICAL_NAN_BITS["f32"]), bits)


def bf16_values(bits: npt.NDArray[np.uint16]) -> F64Array:
    """The float64 values of bf16 bit patterns."""
    return (bits.astype(np.uint32) << 16).view(np.float32).astype(np.float64)


def tf32_values(bits: npt.NDArray[np.uint32]) -> F64Array:
    """What a tensor core reads from an f32 register used as tf32: the low 13 bits dropped."""
    return (bits & np.uint32(0xFFFFE000)).view(np.float32).astype(np.float64)
