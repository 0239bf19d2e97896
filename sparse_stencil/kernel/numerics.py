"""Coefficients in the tensor cores' compute type, and the error bound a kernel meets.

The tensor cores multiply the grid's values by coefficients held in the compute type: f16
or bf16 for grids of that type, tf32 (11 significant bits, f32's exponent range) for f32
grids. So L2 rounds every coefficient to nearest in that type, and refuses a coefficient
that overflows it or that rounds to zero while it is not zero.

**The bound.** For one step at a point with the stencil's terms ``c_o x_o`` (n non-zero
coefficients), the reference computes ``y = RN_s(sum c_o x_o)`` exactly in float64 and
rounds once to the storage type s. The kernel computes ``z = RN_s(acc)``, where ``acc`` sums
the products of the rounded coefficients ``c'_o = c_o (1 + d_o)``, ``|d_o| <= u_c``, and of the
operands ``x'_o = x_o (1 + e_o)``, ``|e_o| <= u_x``, adding them in S instructions, each of
which adds its at most ``p`` kept products to the accumulator and rounds to f32. Then:

- operand rounding: ``|sum c'x' - sum c x| <= (u_c + u_x + u_c u_x) M + n |c|max a_x`` with
  ``M = sum |c_o x_o|``; ``u_c = 2^-p_c`` for a compute type of p_c significant bits (f16 and
  tf32: 2^-11, bf16: 2^-8); ``u_x = 0`` for f16 and bf16 grids (the values are already f16
  or bf16) and ``2^-10`` for f32 grids, whose operands the tensor core truncates to tf32
  (low 13 bits dropped: a relative error under one tf32 unit in the last place), with
  ``a_x = 2^-136`` for the truncation of f32 subnormals (tf32's subnormal spacing);
- accumulation: an instruction's f32 result is within ``(p + 1) 2^-23`` times the sum of the
  magnitudes of its terms and incoming accumulator (a bound that holds for the hardware's
  truncating adders as well as for the simulator's exact-then-round model), and each
  incoming accumulator is at most ``(1 + 2^-20) M'`` with ``M' = (1 + u_c)(1 + u_x) M``, so the
  instructions together add at most ``sum_s (p_s + 1) 2^-23 (1 + 2^-20) M'``, written
  ``sum_s (p_s + 1) 2^-22 M'`` (a looser constant that absorbs the growth factor);
- final rounding: ``|RN_s(acc) - RN_s(y)| <= |acc - y| + max(spacing(z), spacing(y))``, the
  larger storage spacing at either result (as in
  :func:`~sparse_stencil.layout.evaluate.agreement_bound`).

On integer-valued grids whose products and sums are exact in f32 every term above is zero:
the kernel equals the reference bit for bit, which the tests check exactly.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from sparse_stencil.dtypes import BFLOAT16, FLOAT16, StorageType
from sparse_stencil.errors import StencilError
from sparse_stencil.kernel.instruction import MmaInstruction
from sparse_stencil.layout.evaluate import spacing
from sparse_stencil.reference import apply_once
from sparse_stencil.stencil import Stencil

TF32 = StorageType("tfloat32", "tf32", 11, -126, float((2 - 2.0**-10) * 2.0**127))
"""tf32: f32's exponent range with 11 significant bits."""

COMPUTE_TYPES: dict[str, StorageType] = {"f16": FLOAT16, "bf16": BFLOAT16, "tf32": TF32}


def round_coefficients(stencil: Stencil, instruction: MmaInstruction) -> npt.NDArray[np.float64]:
    """The stencil's coefficients rounded to the instruction's compute type.

    Raises :class:`StencilError` naming the first coefficient that overflows the type, or
    that rounds to zero while it is not zero.
    """
    return round_coefficients_to(stencil, COMPUTE_TYPES[instruction.a_type])


def round_coefficients_to(stencil: Stencil, compute: StorageType) -> npt.NDArray[np.float64]:
    """The stencil's coefficients rounded to `compute`, refused as by
    :func:`round_coefficients`."""
    exact = np.array(stencil.coefficients, dtype=np.float64)
    rounded = compute.round(exact)
    for offset, c, r in zip(stencil.offsets, stencil.coefficients, rounded.tolist(), strict=True):
        if np.isinf(r):
            raise StencilError(
                f"coefficient {c!r} at offset {list(offset)} overflows {compute.mlir_name} "
                f"(largest finite value {compute.max_value!r})"
            )
        if r == 0 and c != 0:
            raise StencilError(
                f"coefficient {c!r} at offset {list(offset)} underflows to zero in "
                f"{compute.mlir_name} (smallest value {compute.quantum_floor!r})"
            )
    return rounded


def kernel_error_bound(
    stencil: Stencil,
    steps: Sequence[MmaInstruction],
    storage: StorageType,
    x: npt.ArrayLike,
    got: npt.NDArray[np.float64],
    expected: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Per point, how far one kernel step on grid `x` may be from one reference step.

    `steps` are the kernel's K steps (the instruction of each); `got` and `expected` are the
    two results.
    """
    a_type = steps[0].a_type
    u_c = 2.0 ** -COMPUTE_TYPES[a_type].significand_bits
    truncated = a_type == "tf32"
    u_x = 2.0**-10 if truncated else 0.0
    a_x = 2.0**-136 if truncated else 0.0
    absolute = Stencil(
        [(o, abs(c)) for o, c in zip(stencil.offsets, stencil.coefficients, strict=True)]
    )
    magnitude = apply_once(absolute, np.abs(storage.round(np.asarray(x, dtype=np.float64))))
    grown = (1 + u_c) * (1 + u_x) * magnitude
    n = sum(1 for c in stencil.coefficients if c != 0)
    largest = max(abs(c) for c in stencil.coefficients)
    operands = (u_c + u_x + u_c * u_x) * magnitude + n * largest * a_x
    kept = sum(step.k // (2 if step.sparse else 1) + 1 for step in steps)
    accumulation = kept * 2.0**-22 * grown
    return operands + accumulation + np.maximum(spacing(got, storage), spacing(expected, storage))
