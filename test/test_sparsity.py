"""2:4 and 1:2 compression, and the m16n8k16 operand packing of docs/ptx-sparse-mma.md."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import random_two_four_tile

from sparse_stencil import StencilError
from sparse_stencil.sparsity import (
    ONE_TWO,
    TWO_FOUR,
    Sparsity,
    check,
    compress,
    decode,
    expand,
    is_sparse,
    pack_m16n8k16,
    sparsity_of,
    unpack_m16n8k16,
)


def _tile(nonzeros: dict[int, list[int]], dtype: type = np.float16) -> np.ndarray:
    """A 16 x 16 tile whose row r holds 1, 2, 3, ... at the listed columns."""
    tile = np.zeros((16, 16), dtype=dtype)
    for row, columns in nonzeros.items():
        tile[row, columns] = np.arange(1, len(columns) + 1)
    return tile


def test_the_documented_example_word() -> None:
    """docs/ptx-sparse-mma.md section 4.1: row 0 at {0,2},{5,6},{8,11},{13,14}, row 8 empty.

    Nibbles (0,2) = 0x8, (1,2) = 0x9, (0,3) = 0xC, (1,2) = 0x9 in bits 0..15; the empty
    row 8 names (0,1) = 0x4 in every chunk of bits 16..31: 0x44449C98.
    """
    tile = _tile({0: [0, 2, 5, 6, 8, 11, 13, 14]})
    values, words = pack_m16n8k16(tile)
    assert words.dtype == np.uint32
    assert words.shape == (8,)
    assert int(words[0]) == 0x44449C98
    assert all(int(w) == 0x44444444 for w in words[1:])
    assert values.dtype == np.float16
    np.testing.assert_array_equal(values[0], np.arange(1, 9))
    np.testing.assert_array_equal(values[1:], 0)


def test_row_g_plus_8_fills_the_high_half_of_quad_g() -> None:
    """Row 9 is quad 1's second row: its nibbles sit in bits 16..31 of word 1.

    Row 9 keeps columns 1 and 3 of chunk 0: i0 = 1, i1 = 3, nibble 1 | 3 << 2 = 0xD.
    """
    values, words = pack_m16n8k16(_tile({9: [1, 3]}))
    assert int(words[1]) == 0x444D4444
    np.testing.assert_array_equal(values[9, :2], [1, 2])


@pytest.mark.parametrize(
    ("column", "nibble", "filler"),
    [(0, 0x4, 1), (1, 0x4, 0), (2, 0x8, 0), (3, 0xC, 0)],
)
def test_a_single_non_zero_names_the_lowest_free_position_too(
    column: int, nibble: int, filler: int
) -> None:
    """Two distinct positions, increasing; the free one is the lowest other position."""
    tile = _tile({2: [4 + column]})
    values, words = pack_m16n8k16(tile)
    assert (int(words[2]) >> 4) & 0xF == nibble
    kept = sorted([column, filler])
    expected = [tile[2, 4 + p] for p in kept]
    np.testing.assert_array_equal(values[2, 2:4], expected)


def test_a_tile_that_is_not_two_four_is_refused_naming_row_and_chunk() -> None:
    tile = _tile({3: [5, 6, 7]})
    with pytest.raises(StencilError, match=r"row 3, chunk 1 .*3 non-zeros"):
        pack_m16n8k16(tile)
    with pytest.raises(StencilError, match="16 x 16"):
        pack_m16n8k16(np.zeros((16, 8)))


@st.composite
def two_four_tiles(draw: st.DrawFn) -> np.ndarray:
    """Random 2:4 tiles: each chunk keeps 0, 1 or 2 random positions, values 1 to 99."""
    return random_two_four_tile(np.random.default_rng(draw(st.integers(0, 2**32 - 1))), 1, 100)


@settings(max_examples=50, deadline=None)
@given(two_four_tiles())
def test_packed_words_decode_as_the_hardware_reads_them(tile: np.ndarray) -> None:
    """Decode the words by the ISA's rule, independently of the implementation.

    Lane 4g's word: row g's chunk c in bits 4c..4c+3, row g+8's in 16+4c..; a nibble is
    i0 | i1 << 2 with i0 < i1, the positions of values[r, 2c] and values[r, 2c+1].
    """
    values, words = pack_m16n8k16(tile)
    for row in range(16):
        word = int(words[row % 8]) >> (16 if row >= 8 else 0)
        for chunk in range(4):
            nibble = (word >> (4 * chunk)) & 0xF
            i0, i1 = nibble & 0x3, nibble >> 2
            assert i0 < i1
            assert values[row, 2 * chunk] == tile[row, 4 * chunk + i0]
            assert values[row, 2 * chunk + 1] == tile[row, 4 * chunk + i1]
            nonzero = set(np.flatnonzero(tile[row, 4 * chunk : 4 * chunk + 4]).tolist())
            assert nonzero <= {i0, i1}
    np.testing.assert_array_equal(unpack_m16n8k16(values, words), tile)


def test_one_two_codes_name_the_even_or_odd_column() -> None:
    """tf32's 1:2 metadata: 0x4 keeps the even column of a pair, 0xE the odd one."""
    matrix = np.array([[0.0, 3.0, 5.0, 0.0, 0.0, 0.0]])
    values, metadata = compress(matrix, ONE_TWO)
    np.testing.assert_array_equal(metadata, [[0xE, 0x4, 0x4]])
    np.testing.assert_array_equal(values, [[3.0, 5.0, 0.0]])
    np.testing.assert_array_equal(expand(values, metadata, ONE_TWO), matrix)
    assert sorted(ONE_TWO.codes) == [0x4, 0xE]
    assert sorted(TWO_FOUR.codes) == [0x4, 0x8, 0x9, 0xC, 0xD, 0xE]


@settings(max_examples=50, deadline=None)
@given(
    st.sampled_from([TWO_FOUR, ONE_TWO]),
    st.integers(1, 16),
    st.integers(0, 8),
    st.integers(0, 2**32 - 1),
)
def test_compress_then_expand_is_the_identity(
    sparsity: Sparsity, rows: int, chunks: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    matrix = rng.integers(-5, 6, size=(rows, chunks * sparsity.group)).astype(np.float64)
    keep = np.argsort(rng.random((rows, chunks, sparsity.group)), axis=2)
    chunked = matrix.reshape(rows, chunks, sparsity.group)
    np.put_along_axis(chunked, keep[..., sparsity.kept :], 0.0, axis=2)
    assert is_sparse(matrix, sparsity)
    values, metadata = compress(matrix, sparsity)
    assert values.shape == (rows, chunks * sparsity.kept)
    assert set(np.unique(metadata).tolist()) <= sparsity.codes
    np.testing.assert_array_equal(expand(values, metadata, sparsity), matrix)


def test_check_and_decode_refuse_bad_input() -> None:
    with pytest.raises(StencilError, match=r"not 1:2 sparse: row 0, chunk 1"):
        check(np.array([[1.0, 0.0, 1.0, 1.0]]), ONE_TWO)
    with pytest.raises(StencilError, match="multiple of 4"):
        check(np.zeros((2, 6)), TWO_FOUR)
    with pytest.raises(StencilError, match=r"metadata 0x5 at row 0, chunk 1"):
        decode(np.array([[0x4, 0x5]]), TWO_FOUR)
    with pytest.raises(StencilError, match="metadata 0x8"):
        decode(np.array([[0x8]]), ONE_TWO)


def test_nan_counts_as_a_non_zero() -> None:
    assert not is_sparse(np.array([[np.nan, 1.0, 1.0, 0.0]]), TWO_FOUR)


def test_sparsity_of_each_storage_type() -> None:
    assert sparsity_of("float16") is TWO_FOUR
    assert sparsity_of("bf16") is TWO_FOUR
    assert sparsity_of("float32") is ONE_TWO
    assert (TWO_FOUR.mma_k, ONE_TWO.mma_k) == (16, 8)
