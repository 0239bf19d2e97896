"""An independent, slow and obviously correct rounding reference on exact rationals.

Used to check the simulator's float64-pair rounding (``sparse_stencil.sim.numerics``) and
its rounded instructions: the value is a :class:`fractions.Fraction`, so nothing is rounded
before the one rounding under test.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

FORMATS = {  # precision (implicit bit included), smallest normal exponent, largest exponent
    "f16": (11, -14, 15),
    "bf16": (8, -126, 127),
    "tf32": (11, -126, 127),
    "f32": (24, -126, 127),
}


def exact(value: float | np.floating) -> Fraction:
    return Fraction(float(value))


def round_fraction(value: Fraction, fmt: str, mode: str = "rn") -> float:
    """`value` rounded to format `fmt` with IEEE rounding `mode` (rn, rna, rz, rm, rp)."""
    precision, min_exponent, max_exponent = FORMATS[fmt]
    if value == 0:
        return 0.0
    sign = -1 if value < 0 else 1
    magnitude = abs(value)
    exponent = magnitude.numerator.bit_length() - magnitude.denominator.bit_length()
    while Fraction(2) ** exponent > magnitude:
        exponent -= 1
    while Fraction(2) ** (exponent + 1) <= magnitude:
        exponent += 1
    quantum = Fraction(2) ** (max(exponent, min_exponent) - precision + 1)
    units = magnitude / quantum
    low = math.floor(units)
    rest = units - low
    half = Fraction(1, 2)
    up = {
        "rn": rest > half or (rest == half and low % 2 == 1),
        "rna": rest >= half,
        "rz": False,
        "rm": sign < 0 and rest > 0,
        "rp": sign > 0 and rest > 0,
    }[mode]
    result = (low + int(up)) * quantum
    largest = (2 - Fraction(2) ** (1 - precision)) * Fraction(2) ** max_exponent
    if result > largest:
        to_infinity = {"rn": True, "rna": True, "rz": False, "rm": sign < 0, "rp": sign > 0}
        return sign * (math.inf if to_infinity[mode] else float(largest))
    return sign * float(result)
