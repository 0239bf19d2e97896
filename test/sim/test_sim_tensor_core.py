"""Tensor-core semantics (sparse_stencil.sim.tensor_core) at the fragment level.

Fragments are built here from the per-lane tables of docs/ptx-sparse-mma.md section 4.1, written
out again independently of the module (lane = 4g + t).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from fraction_rounding import round_fraction
from sim_cases import compress, quad_words, random_sparse, tf32_read, with_low_bits

from sparse_stencil.sim.tensor_core import (
    MmaShape,
    WarpFault,
    ldmatrix_fragments,
    mma,
    mma_shape,
)

SHAPE = MmaShape(True, 16, "f16", "f32")


def _pack(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    return low.astype(np.float16).view(np.uint16).astype(np.uint32) | (
        high.astype(np.float16).view(np.uint16).astype(np.uint32) << 16
    )


def _fragments(values: np.ndarray, b: np.ndarray, c: np.ndarray) -> tuple[list, list, list]:
    """Section 4.1: a[0] = Ap[g][2t..2t+1], a[1] = Ap[g+8][..]; b[0] = B[2t..2t+1][g],
    b[1] = B[2t+8..2t+9][g]; c = C[g][2t], C[g][2t+1], C[g+8][2t], C[g+8][2t+1]."""
    lane = np.arange(32)
    g, t = lane >> 2, lane & 3
    a = [
        _pack(values[g, 2 * t], values[g, 2 * t + 1]),
        _pack(values[g + 8, 2 * t], values[g + 8, 2 * t + 1]),
    ]
    bf = [_pack(b[2 * t, g], b[2 * t + 1, g]), _pack(b[2 * t + 8, g], b[2 * t + 9, g])]
    cf = [c[g, 2 * t], c[g, 2 * t + 1], c[g + 8, 2 * t], c[g + 8, 2 * t + 1]]
    cf = [v.astype(np.float32).view(np.uint32) for v in cf]
    return ([x[None] for x in a], [x[None] for x in bf], [x[None] for x in cf])


def _unpack_d(d: list) -> np.ndarray:
    lane = np.arange(32)
    g, t = lane >> 2, lane & 3
    out = np.zeros((16, 8), dtype=np.float32)
    for index, (rows, cols) in enumerate(
        [(g, 2 * t), (g, 2 * t + 1), (g + 8, 2 * t), (g + 8, 2 * t + 1)]
    ):
        out[rows, cols] = d[index][0].view(np.float32)
    return out


def _metadata(nibbles: np.ndarray, selector: int) -> np.ndarray:
    per_lane = np.zeros((1, 32), dtype=np.uint32)
    per_lane[0, 4 * np.arange(8) + selector] = quad_words(nibbles)
    return per_lane


def _coarse_f16(rng: np.random.Generator, values: np.ndarray) -> np.ndarray:
    """`values` as f16 with |x| in [2**-4, 8) or 0 (tiny ones become 2**-4 times a random
    sign): multiples of 2**-14, so products are multiples of 2**-28 below 2**6 and a sum of 9
    of them (below 2**10) spans at most 38 bits: the model's float64 sum is exact."""
    clipped = np.clip(values, -7.9, 7.9)
    tiny = (np.abs(clipped) < 2.0**-4) & (clipped != 0)
    clipped[tiny] = rng.choice([-(2.0**-4), 2.0**-4], size=int(tiny.sum()))
    return clipped.astype(np.float16).astype(np.float64)


def _exact_sums(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> list[list[Fraction]]:
    """A @ B + C in exact rationals."""
    return [
        [
            sum(
                (Fraction(float(x)) * Fraction(float(y)) for x, y in zip(a[m], b[:, n])), Fraction()
            )
            + Fraction(float(c[m, n]))
            for n in range(b.shape[1])
        ]
        for m in range(a.shape[0])
    ]


def test_one_rounding_of_the_exact_sum() -> None:
    """Random f16 tiles whose sums the model adds exactly (:func:`_coarse_f16`): each output
    is the exact rational sum rounded once to f32 (fraction_rounding, not numpy)."""
    rng = np.random.default_rng(21)
    for _ in range(20):
        a = _coarse_f16(rng, random_sparse(rng, 16, 16, 4, 2, False))
        b = _coarse_f16(rng, rng.standard_normal((16, 8)))
        c = _coarse_f16(rng, rng.standard_normal((16, 8))).astype(np.float32)
        values, nibbles = compress(a, 4)
        d = _unpack_d(mma(SHAPE, *_fragments(values, b, c), _metadata(nibbles, 0), 0))
        expected = [[round_fraction(v, "f32") for v in row] for row in _exact_sums(a, b, c)]
        np.testing.assert_array_equal(d, np.array(expected, dtype=np.float32))


def test_f32_rounding_sees_the_smallest_term() -> None:
    """1 + 2**-24 is an f32 tie (to even: 1); a third term 2**-20 * 2**-20 = 2**-40 lifts it
    to 1 + 2**-23. Summing in f32 on the way would lose it."""
    a = np.zeros((16, 16))
    a[:, :2] = [1.0, 2.0**-20]
    b = np.zeros((16, 8))
    b[:2] = [[1.0], [2.0**-20]]
    c = np.full((16, 8), 2.0**-24, dtype=np.float32)
    values, nibbles = compress(a, 4)
    d = _unpack_d(mma(SHAPE, *_fragments(values, b, c), _metadata(nibbles, 0), 0))
    np.testing.assert_array_equal(d, np.full((16, 8), 1 + 2.0**-23, dtype=np.float32))


def test_skipped_b_rows_are_never_read() -> None:
    """An inf in a B row that the metadata skips must not turn the result into NaN."""
    a = np.zeros((16, 16))
    a[:, 0] = 1.0
    a[:, 1] = 2.0  # kept positions 0 and 1 of chunk 0; positions 2, 3 skipped
    b = np.ones((16, 8))
    b[2] = np.inf
    b[3] = -np.inf
    values, nibbles = compress(a, 4)
    d = _unpack_d(mma(SHAPE, *_fragments(values, b, np.zeros((16, 8))), _metadata(nibbles, 0)))
    np.testing.assert_array_equal(d, np.full((16, 8), 3.0))


def test_plain_sp_places_value_j_at_index_j() -> None:
    """Without ::ordered_metadata an unordered nibble is accepted: value 0 (low half) goes
    to position i0, value 1 to i1, so swapping both gives the same product."""
    rng = np.random.default_rng(22)
    a = random_sparse(rng, 16, 16, 4, 2, True)
    b = rng.integers(-4, 5, size=(16, 8)).astype(np.float64)
    values, nibbles = compress(a, 4)
    swapped_values = values.reshape(16, 4, 2)[:, :, ::-1].reshape(16, 8)
    swapped_nibbles = (nibbles >> 2) | ((nibbles & 3) << 2)
    zero = np.zeros((16, 8))
    ordered = mma(SHAPE, *_fragments(values, b, zero), _metadata(nibbles, 1), 1, True)
    plain = mma(
        SHAPE, *_fragments(swapped_values, b, zero), _metadata(swapped_nibbles, 1), 1, False
    )
    np.testing.assert_array_equal(_unpack_d(plain), _unpack_d(ordered))
    np.testing.assert_array_equal(_unpack_d(ordered), (a @ b).astype(np.float32))
    with pytest.raises(WarpFault, match="unordered"):
        mma(SHAPE, *_fragments(swapped_values, b, zero), _metadata(swapped_nibbles, 1), 1, True)


def test_ldmatrix_fragments_follow_section_5() -> None:
    rows = np.arange(2 * 4 * 8 * 8, dtype=np.uint16).reshape(2, 4, 8, 8)  # W=2 warps
    for transpose in (False, True):
        registers = ldmatrix_fragments(rows, transpose)
        for lane in range(32):
            for j in range(4):
                matrix = rows[1, j].T if transpose else rows[1, j]
                row, col = lane >> 2, 2 * (lane & 3)
                expected = int(matrix[row, col]) | int(matrix[row, col + 1]) << 16
                assert int(registers[j][1, lane]) == expected


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        ((True, "m16n8k16", "f32", "f16", "f16", "f32"), None),
        ((True, "m16n8k8", "f32", "f16", "f16", "f32"), "m16n8k8 with f16 inputs is not supported"),
        ((False, "m16n8k32", "f32", "f16", "f16", "f32"), "m16n8k32 with f16 inputs"),
        ((True, "m16n8k16", "f16", "bf16", "bf16", "f16"), "accumulator type f16 with bf16"),
        ((True, "m16n8k16", "f32", "f16", "bf16", "f32"), "A and B types differ"),
    ],
)
def test_supported_shapes(args: tuple, reason: str | None) -> None:
    result = mma_shape(*args)
    if reason is None:
        assert isinstance(result, MmaShape)
        assert (result.a_registers, result.b_registers, result.cd_registers) == (2, 2, 4)
    else:
        assert isinstance(result, str)
        assert reason in result


# ---------------------------------------------------------------------------------------------
# f16 accumulation
# ---------------------------------------------------------------------------------------------

F16_ACCUMULATE = MmaShape(True, 16, "f16", "f16")


def _f16_cd(c: np.ndarray) -> list[np.ndarray]:
    """C/D of an f16 accumulator: c0 = C[g][2t..2t+1], c1 = C[g+8][2t..2t+1]."""
    lane = np.arange(32)
    g, t = lane >> 2, lane & 3
    return [
        _pack(c[g, 2 * t], c[g, 2 * t + 1])[None],
        _pack(c[g + 8, 2 * t], c[g + 8, 2 * t + 1])[None],
    ]


def _unpack_f16_d(d: list) -> np.ndarray:
    lane = np.arange(32)
    g, t = lane >> 2, lane & 3
    out = np.zeros((16, 8), dtype=np.uint16)
    for index, rows in enumerate((g, g + 8)):
        out[rows, 2 * t] = d[index][0] & 0xFFFF
        out[rows, 2 * t + 1] = d[index][0] >> 16
    return out.view(np.float16)


def _f16_accumulate(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    values, nibbles = compress(a, 4)
    a_fragments, b_fragments, _ = _fragments(values, b, np.zeros((16, 8)))
    d = mma(F16_ACCUMULATE, a_fragments, b_fragments, _f16_cd(c), _metadata(nibbles, 0), 0)
    return _unpack_f16_d(d)


def test_f16_accumulator_rounds_the_exact_sum_once() -> None:
    """Random f16 tiles (sums exact in the model's float64, :func:`_coarse_f16`): each f16
    output is the exact rational sum rounded once to f16 by fraction_rounding."""
    rng = np.random.default_rng(23)
    for _ in range(10):
        a = _coarse_f16(rng, random_sparse(rng, 16, 16, 4, 2, False))
        b = _coarse_f16(rng, rng.standard_normal((16, 8)))
        c = _coarse_f16(rng, rng.standard_normal((16, 8)))
        expected = [[round_fraction(v, "f16") for v in row] for row in _exact_sums(a, b, c)]
        np.testing.assert_array_equal(
            _f16_accumulate(a, b, c).view(np.uint16),
            np.array(expected, dtype=np.float16).view(np.uint16),
        )


# (B[0][n], B[1][n], C[m][n]) per column n, rows m with A[m][0:2] = +-(1, 2**-15); the sum is
# B0 + 2**-15 B1 + C (negated for the negative rows), rounded once to nearest-even f16.
_TIES = [
    (1.0, 0.0, 2.0**-11, 1.0),  # 1 + 2**-11: halfway to 1 + 2**-10, ties to even 1
    (1.0, 2.0**-15, 2.0**-11, 1 + 2.0**-10),  # + 2**-30 breaks the tie upward (rounding
    # through f32 first would land on the tie and give 1)
    (1.0, 0.0, 3 * 2.0**-11, 1 + 2.0**-9),  # halfway, the even neighbour is above
    (2048.0, 0.0, 1.0, 2048.0),  # 2049: halfway between 2048 and 2050, even 2048
    (65504.0, 0.0, 16.0, math.inf),  # 65520: halfway to 2**16, beyond the largest f16
    (65504.0, -(2.0**-15), 16.0, 65504.0),  # just below that tie: the largest f16
    (2.0**-24, 2.0**-10, 0.0, 2.0**-23),  # 1.5 * 2**-24 between subnormals 1 and 2 units
    (2.0**-24, -(2.0**-10), 0.0, 0.0),  # 2**-25: halfway between 0 and 2**-24, to zero
]


def test_f16_accumulator_ties_overflow_and_subnormals() -> None:
    a = np.zeros((16, 16))
    sign = np.where(np.arange(16) % 2 == 0, 1.0, -1.0)
    a[:, 0], a[:, 1] = sign, sign * 2.0**-15
    b = np.zeros((16, 8))
    b[0], b[1] = [t[0] for t in _TIES], [t[1] for t in _TIES]
    c = sign[:, None] * np.array([t[2] for t in _TIES])
    expected = sign[:, None] * np.array([t[3] for t in _TIES])
    np.testing.assert_array_equal(
        _f16_accumulate(a, b, c).view(np.uint16), expected.astype(np.float16).view(np.uint16)
    )


# ---------------------------------------------------------------------------------------------
# tf32: the tensor core ignores the low 13 bits of each operand
# ---------------------------------------------------------------------------------------------


def _tf32_fragments(a: np.ndarray, b: np.ndarray) -> tuple[list, list]:
    """A (16 x 4, 16 x 8: dense k8 or packed sparse k16) and B (K x 8) as tf32 fragments:
    a0 = A[g][t], a1 = A[g+8][t], a2 = A[g][t+4], a3 = A[g+8][t+4]; b_j = B[t+4j][g]."""
    lane = np.arange(32)
    g, t = lane >> 2, lane & 3
    a_regs = [a[g + 8 * (r & 1), t + 4 * (r >> 1)] for r in range(a.shape[1] // 2)]
    b_regs = [b[t + 4 * j, g] for j in range(b.shape[0] // 4)]
    return [x[None] for x in a_regs], [x[None] for x in b_regs]


def _tf32_metadata(nibbles: np.ndarray, selector: int) -> np.ndarray:
    """Chunks 4p..4p+3 in lane 4g + 2 selector + p (k16) or 4g + selector (k8)."""
    per_lane = np.zeros((1, 32), dtype=np.uint32)
    parts = nibbles.shape[1] // 4
    for part in range(parts):
        lane = (2 * selector + part) if parts == 2 else selector
        per_lane[0, 4 * np.arange(8) + lane] = quad_words(nibbles[:, 4 * part : 4 * part + 4])
    return per_lane


@pytest.mark.parametrize(("sparse", "k"), [(False, 8), (True, 8), (True, 16)])
def test_tf32_operands_drop_their_low_13_bits(sparse: bool, k: int) -> None:
    """Integers up to 8 have no bits below the tf32 mantissa; random low 13 bits added to
    them must not change the (exact) integer product."""
    rng = np.random.default_rng(24 + k)
    dense = random_sparse(rng, 16, k, 2, 1, True) if sparse else rng.integers(-8, 9, (16, k)) * 1.0
    b = rng.integers(-8, 9, (k, 8)).astype(np.float64)
    if sparse:
        values, nibbles = compress(dense, 2)
        metadata: np.ndarray | None = _tf32_metadata(nibbles, 1)
    else:
        values, metadata = dense, None
    a_bits, b_bits = with_low_bits(rng, values), with_low_bits(rng, b)
    assert (tf32_read(a_bits) == values).all()
    assert (a_bits & 0x1FFF).any()  # the low bits are really there
    a_fragments, b_fragments = _tf32_fragments(a_bits, b_bits)
    c_fragments = [np.zeros((1, 32), dtype=np.uint32) for _ in range(4)]
    d = mma(MmaShape(sparse, k, "tf32", "f32"), a_fragments, b_fragments, c_fragments, metadata, 1)
    np.testing.assert_array_equal(_unpack_d(d), (dense @ b).astype(np.float32))
