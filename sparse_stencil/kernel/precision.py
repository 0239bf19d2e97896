"""Precision modes: how a kernel's tensor cores multiply the grid's values.

A float16 or bfloat16 grid multiplies as itself (mode ``f16``, ``bf16``: 2:4 ``mma.sp``). A
float32 grid has three tensor-core modes:

- ``tf32`` (the default): the values are truncated to tf32 by the tensor core and multiply
  under 1:2 (11 significant bits, :mod:`~sparse_stencil.kernel.numerics`);
- ``split-f16`` and ``split-bf16``: each value x is split, when the block stages it, into
  ``hi = RN(x)`` and ``lo = RN(x - hi)`` in the 16-bit type, each coefficient c likewise
  into ``ch`` and ``cl`` when the fragment table is built, and every K step issues three
  2:4 MMAs into the same f32 accumulator: ``ch·hi``, ``ch·lo`` and ``cl·hi``. The fourth
  cross term ``cl·lo`` is dropped: with u the type's unit roundoff (2^-11 for f16, 2^-8 for
  bf16) it is at most ``u^2 |c x|`` (2^-22 for f16, 2^-16 for bf16), the same order as what
  the two splits themselves leave out (``x - hi - lo`` is up to ``u^2 |x|``), so a fourth
  MMA (a third more instructions) could not lower the error's order. For split-f16 that
  order is a few f32 units in the last place of the magnitude sum; for split-bf16 it is
  2^-16, about 16 bits, twenty times better than tf32's 2^-11 but well short of f32.
  The error bound of each mode is derived in
  :func:`~sparse_stencil.kernel.numerics.split_error_bound`.

A split kernel stages its box as two planes (hi, then lo), each in the 16-bit type; its B
gathers read the lo plane at the hi plane's offsets plus :attr:`~.geometry.Geometry.plane_bytes`,
and the two coefficient parts share one metadata word (they have the same non-zero
positions). Grids stay f32 in global memory and the outputs are stored as f32.

**Range.** The f16 split has f16's range: a value with ``|x| >= 65520`` has ``hi = inf`` and
``lo = -inf``, so every output that reads it becomes NaN or infinite (the bound says so: it
is infinite there). A value below 2^-14 (f16's smallest normal) or a lo part below it loses
bits to f16's subnormal spacing 2^-24: an absolute error up to 2^-25 per value. bf16 has
f32's exponent range, so split-bf16 has neither limit in practice.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from sparse_stencil.dtypes import BFLOAT16, FLOAT16, StorageType
from sparse_stencil.errors import StencilError
from sparse_stencil.kernel.instruction import MmaInstruction

TENSOR_MODES: dict[str, tuple[str, ...]] = {
    "float16": ("f16",),
    "bfloat16": ("bf16",),
    "float32": ("tf32", "split-f16", "split-bf16"),
}
"""The tensor-core modes of each storage type, the default first."""
CUDA_CORE_MODE = "f32"
"""What a CUDA-core kernel computes in (f32 FMAs): how stats name its mode."""
SPLIT_TYPES: dict[str, StorageType] = {"split-f16": FLOAT16, "split-bf16": BFLOAT16}
"""The 16-bit type each split mode's parts are held in."""
SPLIT_PLANES = 2
"""Staged planes of a split kernel: hi, then lo."""
SPLIT_PRODUCTS = 3
"""MMAs per K step and group of a split kernel: ``ch·hi``, ``ch·lo``, ``cl·hi``."""


def resolve_compute(compute: str | None, storage: StorageType) -> str:
    """The tensor-core mode `compute` asks for on grids of `storage` (None: the default).

    Raises :class:`StencilError` for an unknown mode, or any mode for a 16-bit grid (which
    multiplies as itself).
    """
    modes = TENSOR_MODES[storage.name]
    if compute is None:
        return modes[0]
    if storage.name != "float32":
        raise StencilError(
            f"compute= chooses how float32 grids multiply; a {storage.name} grid multiplies "
            f"as {modes[0]}"
        )
    if compute not in modes:
        raise StencilError(f"unknown compute '{compute}': expected one of {', '.join(modes)}")
    return compute


def split_type(compute: str) -> StorageType | None:
    """The 16-bit type of a split mode's parts; None for a mode that does not split."""
    return SPLIT_TYPES.get(compute)


def planes_of(compute: str) -> int:
    """Planes the kernel of mode `compute` stages: 2 when it splits, else 1."""
    return SPLIT_PLANES if compute in SPLIT_TYPES else 1


def mode_of(instruction: MmaInstruction, planes: int) -> str:
    """The mode of a tensor-core kernel issuing `instruction` on `planes` staged planes."""
    if planes == SPLIT_PLANES:
        return f"split-{instruction.a_type}"
    return instruction.a_type


def split_values(
    values: npt.ArrayLike, part: StorageType
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """``(hi, lo)``: ``hi = RN(v)`` and ``lo = RN(v - hi)`` in `part` (``v - hi`` is exact in
    float64, and in f32 for an f32 v, since hi keeps v's leading bits)."""
    exact = np.asarray(values, dtype=np.float64)
    high = part.round(exact)
    with np.errstate(invalid="ignore"):
        return high, part.round(exact - high)
