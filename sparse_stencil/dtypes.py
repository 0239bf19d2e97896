"""Storage types of a grid and exact rounding into them from float64.

numpy has no bfloat16, so rounding is done here for every storage type in one way: round the
float64 value to the format's significand width with ties to even, honouring its subnormal
range and overflowing to infinity. For float16 and float32 this agrees with numpy's own
(correctly rounded) conversions, which the tests check.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sparse_stencil.errors import StencilError


@dataclass(frozen=True)
class StorageType:
    """A floating-point storage format: its names, significand width and exponent range."""

    name: str
    mlir_name: str
    significand_bits: int
    """Bits of precision, the implicit leading bit included (f16: 11)."""
    min_exponent: int
    """Exponent of the smallest normal number (f16: -14)."""
    max_value: float

    @property
    def quantum_floor(self) -> float:
        """Spacing of the subnormal numbers, the finest step the format has."""
        return 2.0 ** (self.min_exponent - self.significand_bits + 1)

    def round(self, x: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Round float64 values to this format (nearest, ties to even); keeps float64 dtype."""
        values = np.asarray(x, dtype=np.float64)
        _, exponent = np.frexp(values)  # values = m * 2**exponent, 0.5 <= |m| < 1
        quantum = np.maximum(np.ldexp(1.0, exponent - self.significand_bits), self.quantum_floor)
        with np.errstate(invalid="ignore", over="ignore"):
            rounded = np.rint(values / quantum) * quantum
            overflow = np.abs(rounded) > self.max_value
        rounded = np.where(overflow, np.copysign(np.inf, values), rounded)
        return np.where(np.isfinite(values), rounded, values)


FLOAT16 = StorageType("float16", "f16", 11, -14, 65504.0)
BFLOAT16 = StorageType("bfloat16", "bf16", 8, -126, (2 - 2.0**-7) * 2.0**127)
FLOAT32 = StorageType("float32", "f32", 24, -126, float(np.finfo(np.float32).max))

STORAGE_TYPES: dict[str, StorageType] = {t.name: t for t in (FLOAT16, BFLOAT16, FLOAT32)}
_ALIASES = {
    "f16": "float16",
    "half": "float16",
    "bf16": "bfloat16",
    "f32": "float32",
    "tf32": "float32",
    "float": "float32",
}


def storage_type(name: str | StorageType) -> StorageType:
    """The storage type called `name` (``float16``, ``bfloat16``, ``float32`` or a short alias)."""
    if isinstance(name, StorageType):
        return name
    key = _ALIASES.get(str(name), str(name))
    if key not in STORAGE_TYPES:
        known = ", ".join(STORAGE_TYPES)
        raise StencilError(f"unsupported dtype '{name}': expected one of {known}")
    return STORAGE_TYPES[key]
