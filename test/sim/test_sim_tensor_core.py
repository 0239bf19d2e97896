"""Tensor-core semantics (sparse_stencil.sim.tensor_core) at the fragment level.

Fragments are built here from the per-lane tables of ptx-sparse-mma.md section 4.1, written
out again independently of the module (lane = 4g + t).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from sim_cases import compress, quad_words, random_sparse

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


def test_one_rounding_of_the_exact_sum() -> None:
    """Random f16 tiles: each output is the exact sum, rounded once to f32 (math.fsum gives
    the float64 nearest to the exact sum; these sums need few bits, so that is exact)."""
    rng = np.random.default_rng(21)
    for _ in range(20):
        a = random_sparse(rng, 16, 16, 4, 2, False).astype(np.float16).astype(np.float64)
        b = rng.standard_normal((16, 8)).astype(np.float16).astype(np.float64)
        c = rng.standard_normal((16, 8)).astype(np.float16).astype(np.float32)
        values, nibbles = compress(a, 4)
        d = _unpack_d(mma(SHAPE, *_fragments(values, b, c), _metadata(nibbles, 0), 0))
        for m in range(16):
            for n in range(8):
                terms = [*(a[m] * b[:, n]).tolist(), float(c[m, n])]
                assert d[m, n] == np.float32(math.fsum(terms))


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
