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

The split precision modes of f32 grids (16-bit instructions on an f32 grid) have their own
bound, :func:`split_error_bound`, which :func:`kernel_error_bound` returns for them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from sparse_stencil.dtypes import BFLOAT16, FLOAT16, FLOAT32, StorageType
from sparse_stencil.errors import StencilError
from sparse_stencil.kernel.instruction import MmaInstruction
from sparse_stencil.kernel.precision import SPLIT_PRODUCTS
from sparse_stencil.layout.evaluate import spacing
from sparse_stencil.reference import apply_once, interior_mask, reference
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
    two results. A 16-bit instruction on an f32 grid is a split precision mode
    (:func:`split_error_bound`).
    """
    a_type = steps[0].a_type
    if storage.name == "float32" and a_type != "tf32":
        return split_error_bound(stencil, steps, COMPUTE_TYPES[a_type], x, got, expected)
    magnitude = apply_once(
        stencil.magnitudes(), np.abs(storage.round(np.asarray(x, dtype=np.float64)))
    )
    rounding = np.maximum(spacing(got, storage), spacing(expected, storage))
    return _product_error(stencil, steps, magnitude) + rounding


def _product_error(
    stencil: Stencil, steps: Sequence[MmaInstruction], magnitude: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """The operand and accumulation terms of the bound (module docstring) at points where
    ``sum |c_o x_o|`` is `magnitude`."""
    a_type = steps[0].a_type
    u_c = 2.0 ** -COMPUTE_TYPES[a_type].significand_bits
    truncated = a_type == "tf32"
    u_x = 2.0**-10 if truncated else 0.0
    a_x = 2.0**-136 if truncated else 0.0
    grown = (1 + u_c) * (1 + u_x) * magnitude
    n = sum(1 for c in stencil.coefficients if c != 0)
    largest = max(abs(c) for c in stencil.coefficients)
    operands = (u_c + u_x + u_c * u_x) * magnitude + n * largest * a_x
    kept = sum(step.k // (2 if step.sparse else 1) + 1 for step in steps)
    return operands + kept * 2.0**-22 * grown


def fused_error_bound(
    stencil: Stencil,
    steps: Sequence[MmaInstruction],
    storage: StorageType,
    x: npt.ArrayLike,
    rounds: int,
) -> npt.NDArray[np.float64]:
    """Per point, how far `rounds` steps applied by one launch of a fused kernel (K steps
    `steps`; :mod:`~sparse_stencil.kernel.fusion`) from grid `x` may be from as many
    reference steps from `x`.

    The kernel's grids z_t inside the launch are never seen, so the bound follows the
    reference's y_t (y_0 = z_0 = x) and carries E_t >= |z_t - y_t|: ``z_{t+1} - y_{t+1} =
    (K z_t - R z_t) + (R z_t - R y_t)``. The first term is the one-step bound at z_t, whose
    ``sum |c_o z_o|`` is at most ``m_t = |S| (|y_t| + E_t)``; the second is within
    ``|S| E_t`` plus a storage spacing. Every value rounded in step t (``z_{t+1}``,
    ``R z_t``, ``y_{t+1}``) is at most ``2 m_t`` in magnitude (their growth over m_t is a
    few units of 2^-10 at most), and spacing grows with magnitude, so each final rounding
    is within ``spacing(2 m_t)``:

        E_0 = 0,  E_{t+1} = |S| E_t + P(m_t) + 2 spacing(2 m_t)

    with P the operand and accumulation terms of the one-step bound; E is 0 on the
    boundary band, which no step writes. For one round this is the one-step bound with
    the spacings taken at 2 m_0 instead of at the two results. Split precision modes do
    not fuse.
    """
    if storage.name == "float32" and steps[0].a_type != "tf32":
        raise StencilError("a split precision mode does not fuse steps")
    absolute = stencil.magnitudes()
    interior = interior_mask(stencil, np.shape(x))
    y = storage.round(np.asarray(x, dtype=np.float64))
    carried = np.zeros(y.shape)
    for _ in range(rounds):
        magnitude = apply_once(absolute, np.abs(y) + carried)
        step = _product_error(stencil, steps, magnitude) + 2 * spacing(2 * magnitude, storage)
        carried = np.where(interior, apply_once(absolute, carried) + step, 0.0)
        y = reference(stencil, y, 1, storage)
    return carried


def split_error_bound(
    stencil: Stencil,
    steps: Sequence[MmaInstruction],
    part: StorageType,
    x: npt.ArrayLike,
    got: npt.NDArray[np.float64],
    expected: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Per point, how far one step of a split precision mode (parts in `part`, f16 or bf16;
    :mod:`~sparse_stencil.kernel.precision`) on the f32 grid `x` may be from one reference
    step; `steps` are the kernel's K steps, `got` and `expected` the two results.

    **The splits.** Let u = 2^-p for the part type's p significant bits (f16 2^-11, bf16
    2^-8) and a its largest subnormal rounding error, half the subnormal spacing (f16 2^-25,
    bf16 2^-134), so ``|RN(v) - v| <= u |v| + a``. A value y (a grid value, or a
    coefficient) splits into ``h = RN(y)`` and ``l = RN(y - h)``; ``y - h`` is exact (in f32
    in the kernel, in float64 for the table: h keeps y's leading bits). Then

    - ``E(y) = u^2 |y| + (1 + u) a`` bounds ``|y - h - l|`` (the second rounding, of
      ``|y - h| <= u |y| + a``);
    - ``L(y) = (1 + u)(u |y| + a) + a`` bounds ``|l|``, and
      ``P(y) = (1 + u)^2 |y| + (3 + u) a`` bounds ``|h| + |l|``.

    **The products.** The kernel adds ``ch hi + ch lo + cl hi = (ch + cl)(hi + lo) - cl lo``
    per term, so with ``c = ch + cl + e_c`` and ``x = hi + lo + e_x``,
    ``c x - kept = c e_x + e_c x - e_c e_x + cl lo``, at most
    ``|c| E(x) + E(c) |x| + E(c) E(x) + L(c) L(x)`` (the last is the dropped cross term).
    Summed over the stencil's terms, each is one step of the stencil of those coefficient
    magnitudes on the grid of those value magnitudes. The products of 16-bit parts are exact
    in f32 (22 significant bits at most).

    **Accumulation.** Per K step three MMAs add p kept products each (p = K/2, sparse) to the
    accumulator; as for :func:`kernel_error_bound`, each is within ``(p + 1) 2^-23`` of the
    magnitude sum of its terms and incoming accumulator, which is at most
    ``M' (1 + d)`` with ``M' = sum P(c) P(x)`` the magnitude of all kept products and d the
    relative error so far, written ``(p + 1) 2^-22 M'`` per MMA. The simulator sums the
    exact products in float64 and rounds once to f32 (``|error| <= 2^-24 |sum|``, well
    inside this), plus, if the sum is an f32 subnormal, 2^-150 absolute per MMA.

    **Final rounding** to f32: the larger storage spacing of either result, as for tf32.

    **Range.** A value whose hi part overflows the part type (f16: ``|x| >= 65520``) makes
    ``hi = inf`` and ``lo = -inf``: the outputs reading it are not finite, and the bound is
    infinite there. f16's subnormal range is the absolute term a = 2^-25 per value: lo parts
    below 2^-14 (for values below about 2^-3) keep fewer bits, and the bound grows by
    about ``2^-25 sum |c|``.

    **Exactness.** Every term vanishes when each coefficient is ``ch + cl`` exactly, each
    value is ``hi + lo`` exactly, every ``cl lo`` is zero and the sums are exact in f32: for
    split-f16, integer grids with ``|x| <= 2^11`` (lo = 0) and dyadic coefficients of at
    most 22 significant bits that are multiples of 2^-24; or integer grids with
    ``|x| < 65520`` (hi + lo = x) and coefficients exact in f16 (cl = 0); in both cases with
    all partial sums below 2^24 units of the finest coefficient. Then the kernel equals the
    reference bit for bit.
    """
    u = 2.0**-part.significand_bits
    a = part.quantum_floor / 2
    values = np.abs(FLOAT32.round(np.asarray(x, dtype=np.float64)))
    overflows = np.isinf(part.round(values))

    def error(v: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return u * u * v + (1 + u) * a

    def low(v: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return (1 + u) * (u * v + a) + a

    def parts(v: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return (1 + u) ** 2 * v + (3 + u) * a

    terms = [
        (o, abs(c)) for o, c in zip(stencil.offsets, stencil.coefficients, strict=True) if c != 0
    ]
    keep = [o for o, _ in terms]
    magnitudes = np.array([c for _, c in terms])

    def summed(
        of_c: npt.NDArray[np.float64], of_x: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        grid = np.where(overflows, np.inf, of_x)
        return apply_once(Stencil(list(zip(keep, of_c.tolist(), strict=True))), grid)

    operands = (
        summed(magnitudes, error(values))
        + summed(error(magnitudes), values)
        + summed(error(magnitudes), error(values))
        + summed(low(magnitudes), low(values))
    )
    products = SPLIT_PRODUCTS * sum(step.k // (2 if step.sparse else 1) + 1 for step in steps)
    accumulation = products * 2.0**-22 * summed(parts(magnitudes), parts(values))
    subnormal = SPLIT_PRODUCTS * len(steps) * 2.0**-150
    final = np.maximum(spacing(got, FLOAT32), spacing(expected, FLOAT32))
    return operands + accumulation + subnormal + final
