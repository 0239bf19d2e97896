"""Shared inputs for the compiled-kernel tests: exactly representable stencil variants, integer
grids, and the condition under which a kernel must equal the float64 reference bit for bit.

Why dyadic variants: the kernel multiplies with coefficients rounded to the tensor cores'
compute type (f16, bf16 or tf32), while :func:`sparse_stencil.reference` uses the exact
float64 coefficient. A catalog coefficient such as 1/49 is not representable in any of those
types, so no kernel can equal the reference exactly on it; the catalog's *offsets* with small
dyadic coefficients (multiples of 1/4) are exact in every compute type, and on integer grids
every product and sum is then exact in the f32 accumulator, so the only rounding left is the
final one to the storage type, which the reference does identically.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import strategies as st

from sparse_stencil import Stencil, reference
from sparse_stencil.backends import ptxas
from sparse_stencil.compiler import Kernel
from sparse_stencil.dtypes import storage_type
from sparse_stencil.kernel.numerics import TF32
from sparse_stencil.reference import apply_once

COEFFICIENT_QUANTUM = 0.25
"""Every dyadic coefficient is a multiple of this (and at most 3 of them in magnitude)."""
F32_SIGNIFICAND = 2**24

DTYPES = ("float16", "bfloat16", "float32")
NO_PTXAS = ptxas.unavailable_reason()
needs_ptxas = pytest.mark.skipif(NO_PTXAS is not None, reason=NO_PTXAS or "")
"""Marks a test that assembles PTX: it skips, saying why, where there is no ptxas."""


def dyadic_variant(stencil: Stencil, rng: np.random.Generator) -> Stencil:
    """`stencil`'s offsets with coefficients k/4, k a random integer in [-3, 3] without 0.

    These are exact in f16, bf16 and tf32 (at most 2 significant bits), unlike catalog
    coefficients such as 1/49; see the module docstring.
    """
    magnitudes = rng.integers(1, 4, size=stencil.num_points)
    signs = rng.choice(np.array([-1, 1]), size=stencil.num_points)
    coefficients = (magnitudes * signs * COEFFICIENT_QUANTUM).tolist()
    return Stencil(list(zip(stencil.offsets, coefficients, strict=True)), name=stencil.name)


def integer_grid(
    shape: Sequence[int], rng: np.random.Generator, bound: int = 8
) -> npt.NDArray[np.float64]:
    """A grid of integers in [-bound, bound] (exact in every storage type for bound <= 8)."""
    return rng.integers(-bound, bound + 1, size=tuple(shape)).astype(np.float64)


def exactness_violation(
    stencil: Stencil, x: npt.NDArray[np.float64], steps: int, dtype: str
) -> str:
    """Why a kernel need not equal the reference exactly on this input, or "" when it must.

    The kernel equals the reference bit for bit when, at every step, (1) the step's input is
    exact in the compute type (f32 grids are truncated to tf32 on the way into the tensor
    core), (2) every coefficient is a multiple of 1/4 and the input of step s (0-based) a
    multiple of 4^-s, so all products are multiples of 4^-(s+1), and (3) the sum of the
    products' magnitudes stays below 2^24 such quanta, so every partial sum is exact in f32,
    and below the storage type's largest value. The caller's data (integers, dyadic
    coefficients) guarantees (2) by construction; this checks it, and (1) and (3), on the
    actual intermediate grids, so an exact-equality assertion never rests on luck.
    """
    storage = storage_type(dtype)
    if any(c % COEFFICIENT_QUANTUM for c in stencil.coefficients):
        return "a coefficient is not a multiple of 1/4"
    absolute = stencil.magnitudes()
    for step in range(steps):
        grid = reference(stencil, x, step, dtype)
        quantum = 4.0**-step
        if np.any(grid % quantum):
            return f"the input of step {step} is not a multiple of 4^-{step}"
        if dtype == "float32" and not np.array_equal(TF32.round(grid), grid):
            return f"the input of step {step} is not exact in tf32"
        magnitude = float(np.max(apply_once(absolute, np.abs(grid))))
        if magnitude * 4.0 ** (step + 1) >= F32_SIGNIFICAND:
            return f"the sums of step {step} are not exact in f32"
        if magnitude >= storage.max_value:
            return f"the sums of step {step} may overflow {dtype}"
    return ""


@st.composite
def dyadic_stencils(draw: st.DrawFn) -> Stencil:
    """A 1-3D stencil of radius 1-2 with random offsets and coefficients k/4, 0 < |k| <= 3."""
    dims = draw(st.integers(1, 3))
    radius = draw(st.integers(1, 2))
    axis = st.integers(-radius, radius)
    offsets = draw(st.lists(st.tuples(*[axis] * dims), min_size=1, max_size=24, unique=True))
    quarters = st.integers(-3, 3).filter(bool).map(lambda k: k / 4)
    coefficients = draw(st.lists(quarters, min_size=len(offsets), max_size=len(offsets)))
    return Stencil(list(zip(offsets, coefficients, strict=True)), name="random")


def assert_exact(kernel: Kernel, x: npt.NDArray[np.float64], steps: int) -> None:
    """The emulated kernel equals the reference bit for bit (the precondition checked first)."""
    dtype = kernel.storage.name
    violation = exactness_violation(kernel.stencil, x, steps, dtype)
    assert not violation, f"test data breaks the exactness precondition: {violation}"
    got = kernel.emulate(x, steps=steps)
    expected = reference(kernel.stencil, x, steps, dtype)
    mismatch = np.argwhere(got != expected)
    assert mismatch.size == 0, (
        f"{mismatch.shape[0]} points differ, first at {tuple(mismatch[0])}: "
        f"{got[tuple(mismatch[0])]} != {expected[tuple(mismatch[0])]}"
    )
