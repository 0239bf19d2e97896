"""Structured sparsity (2:4 and 1:2): checking, compressing and packing for `mma.sp`.

A matrix is *n:m sparse* when every row, cut into chunks of m consecutive columns, has at
most n non-zeros per chunk. NVIDIA's sparse tensor cores take such a matrix A compressed:
the n kept values of each chunk (in column order) and, per chunk, a 4-bit *metadata* code
naming their positions (docs/ptx-sparse-mma.md, sections 3, 4 and 7):

- 2:4 (f16, bf16): nibble ``i0 | i1 << 2`` with ``i0 < i1`` the kept positions 0..3; the
  valid codes are 0x4 (0,1), 0x8 (0,2), 0x9 (1,2), 0xC (0,3), 0xD (1,3), 0xE (2,3).
- 1:2 (tf32): 0x4 when the kept value is the even column of the pair, 0xE when it is the odd.

A chunk with fewer than n non-zeros still names n distinct positions, in increasing order:
its non-zero ones, then the lowest free ones, which store an explicit zero.

    >>> a = np.zeros((16, 16)); a[0, [0, 2, 5, 6, 8, 11, 13, 14]] = 1.0
    >>> values, words = pack_m16n8k16(a)
    >>> hex(words[0])
    '0x44449c98'
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sparse_stencil.dtypes import StorageType, storage_type
from sparse_stencil.errors import StencilError


@dataclass(frozen=True)
class Sparsity:
    """An n:m structured-sparsity rule and the `mma.sp` shape that consumes it."""

    kept: int
    """n: the most non-zeros a chunk may hold."""
    group: int
    """m: the chunk width."""
    mma_k: int
    """K of the `mma.sp` instruction: the converted K is padded to a multiple of it."""
    mma_shape: str

    @property
    def name(self) -> str:
        """The rule as written in the IR, e.g. ``2:4``."""
        return f"{self.kept}:{self.group}"

    @property
    def codes(self) -> frozenset[int]:
        """The metadata nibbles that name a valid choice of kept positions."""
        return frozenset(_encode(np.array(_position_choices(self)), self).tolist())

    def padded_k(self, columns: int) -> int:
        """`columns` rounded up to a multiple of the `mma.sp` K: the K that the MMAs issue."""
        return -(-columns // self.mma_k) * self.mma_k


TWO_FOUR = Sparsity(kept=2, group=4, mma_k=16, mma_shape="m16n8k16")
"""f16 and bf16: `mma.sp::ordered_metadata ... m16n8k16`."""
ONE_TWO = Sparsity(kept=1, group=2, mma_k=8, mma_shape="m16n8k8")
"""tf32 (f32 grids): `mma.sp::ordered_metadata ... m16n8k8 ... .tf32`."""

SPARSITIES: dict[str, Sparsity] = {s.name: s for s in (TWO_FOUR, ONE_TWO)}


def sparsity_of(dtype: str | StorageType) -> Sparsity:
    """The rule the sparse tensor cores impose on grids of storage type `dtype`.

    f16 and bf16 multiply as 16-bit values under 2:4; f32 grids multiply as tf32 under 1:2.
    """
    return ONE_TWO if storage_type(dtype).name == "float32" else TWO_FOUR


def check(a: npt.ArrayLike, sparsity: Sparsity = TWO_FOUR) -> None:
    """Raise :class:`StencilError` naming the first row and chunk of `a` that break `sparsity`.

    NaN counts as a non-zero; `a` needs a column count that is a multiple of the chunk width.
    """
    nonzero = _nonzero_chunks(a, sparsity)
    rows, chunks = np.nonzero(nonzero.sum(axis=2) > sparsity.kept)
    if rows.size:
        row, chunk = int(rows[0]), int(chunks[0])
        columns = np.flatnonzero(nonzero[row, chunk]) + chunk * sparsity.group
        raise StencilError(
            f"matrix is not {sparsity.name} sparse: row {row}, chunk {chunk} "
            f"(columns {chunk * sparsity.group}..{(chunk + 1) * sparsity.group - 1}) has "
            f"{columns.size} non-zeros, at columns {columns.tolist()}"
        )


def is_sparse(a: npt.ArrayLike, sparsity: Sparsity = TWO_FOUR) -> bool:
    """Whether every chunk of every row of `a` has at most `sparsity.kept` non-zeros."""
    return bool((_nonzero_chunks(a, sparsity).sum(axis=2) <= sparsity.kept).all())


def compress(
    a: npt.ArrayLike, sparsity: Sparsity = TWO_FOUR
) -> tuple[npt.NDArray[np.generic], npt.NDArray[np.uint8]]:
    """The kept values and metadata nibbles of the n:m sparse matrix `a` (R x K).

    Returns values of shape (R, K * n / m) in `a`'s dtype, the kept values of each chunk
    in column order, and metadata of shape (R, K / m), one nibble per chunk.
    """
    array = np.asarray(a)
    check(array, sparsity)
    positions = _kept_positions(_nonzero_chunks(array, sparsity), sparsity)
    values = np.take_along_axis(array, _columns(positions, sparsity), axis=1)
    return values, _encode(positions, sparsity)


def expand(
    values: npt.ArrayLike, metadata: npt.ArrayLike, sparsity: Sparsity = TWO_FOUR
) -> npt.NDArray[np.generic]:
    """The dense R x K matrix whose compressed form is (`values`, `metadata`).

    Raises :class:`StencilError` for a nibble that names no valid ordered choice.
    """
    kept = np.asarray(values)
    codes = np.asarray(metadata, dtype=np.uint8)
    if kept.shape != (codes.shape[0], codes.shape[1] * sparsity.kept):
        raise StencilError(
            f"values of shape {kept.shape} do not match metadata of shape {codes.shape} "
            f"under {sparsity.name}"
        )
    positions = decode(codes, sparsity)
    rows, chunks = codes.shape
    dense = np.zeros((rows, chunks * sparsity.group), dtype=kept.dtype)
    np.put_along_axis(dense, _columns(positions, sparsity), kept, axis=1)
    return dense


def decode(metadata: npt.ArrayLike, sparsity: Sparsity = TWO_FOUR) -> npt.NDArray[np.int64]:
    """The kept positions (R x C x n, increasing) that each metadata nibble names."""
    codes = np.asarray(metadata, dtype=np.int64)
    invalid = ~np.isin(codes, sorted(sparsity.codes))
    if invalid.any():
        row, chunk = (int(i) for i in np.argwhere(invalid)[0])
        raise StencilError(
            f"metadata {hex(int(codes[row, chunk]))} at row {row}, chunk {chunk} names no "
            f"ordered {sparsity.name} choice; valid codes: "
            f"{', '.join(hex(c) for c in sorted(sparsity.codes))}"
        )
    if sparsity.kept == 1:
        return np.where(codes == 0x4, 0, 1)[..., None]
    return np.stack([codes & 0x3, (codes >> 2) & 0x3], axis=-1)


def pack_m16n8k16(a: npt.ArrayLike) -> tuple[npt.NDArray[np.generic], npt.NDArray[np.uint32]]:
    """Operand A of `mma.sp::ordered_metadata.sync.aligned.m16n8k16` for a dense 2:4 tile.

    `a` is the dense 16 x 16 tile (row-major, M x K). Returns the compressed values
    (16 x 8, `a`'s dtype: row r holds the two kept values of each 4-chunk in column order)
    and the 8 metadata words (uint32) that the lanes 4g (g = 0..7) supply with sparsity
    selector 0: word g holds the nibbles of row g in bits 4c..4c+3 and of row g + 8 in bits
    16+4c..16+4c+3, for chunks c = 0..3. A tile that is not 2:4 raises
    :class:`StencilError` naming its row and chunk.
    """
    tile = np.asarray(a)
    if tile.shape != (16, 16):
        raise StencilError(f"an m16n8k16 A tile is 16 x 16, got shape {tile.shape}")
    values, nibbles = compress(tile, TWO_FOUR)
    shifts = np.arange(4, dtype=np.uint32) * 4
    halves = (nibbles.astype(np.uint32) << shifts).sum(axis=1, dtype=np.uint32)
    return values, (halves[:8] | (halves[8:] << np.uint32(16))).astype(np.uint32)


def unpack_m16n8k16(values: npt.ArrayLike, words: npt.ArrayLike) -> npt.NDArray[np.generic]:
    """The dense 16 x 16 tile that :func:`pack_m16n8k16` packed into (`values`, `words`)."""
    packed = np.asarray(words, dtype=np.uint32)
    if packed.shape != (8,):
        raise StencilError(f"an m16n8k16 tile has 8 metadata words, got shape {packed.shape}")
    shifts = np.arange(4, dtype=np.uint32) * 4
    low = (packed[:, None] >> shifts) & 0xF
    high = (packed[:, None] >> (shifts + 16)) & 0xF
    return expand(values, np.concatenate([low, high]).astype(np.uint8), TWO_FOUR)


def _nonzero_chunks(a: npt.ArrayLike, sparsity: Sparsity) -> npt.NDArray[np.bool_]:
    array = np.asarray(a)
    if array.ndim != 2 or array.shape[1] % sparsity.group:
        raise StencilError(
            f"a {sparsity.name} matrix needs 2 dimensions and a column count that is a "
            f"multiple of {sparsity.group}, got shape {array.shape}"
        )
    chunks = array.shape[1] // sparsity.group
    return (array != 0).reshape(array.shape[0], chunks, sparsity.group)


def _kept_positions(nonzero: npt.NDArray[np.bool_], sparsity: Sparsity) -> npt.NDArray[np.int64]:
    """Per chunk, its non-zero positions topped up with the lowest free ones, increasing.

    A stable sort that puts non-zero positions first (in order), then zero ones (in order),
    takes the first n of them; sorting those n gives the ordered choice.
    """
    order = np.argsort(~nonzero, axis=2, kind="stable")
    return np.sort(order[..., : sparsity.kept], axis=2)


def _columns(positions: npt.NDArray[np.int64], sparsity: Sparsity) -> npt.NDArray[np.int64]:
    """The matrix columns of the kept `positions` (R x C x n), each row's flattened (R x C*n)."""
    rows, chunks, kept = positions.shape
    starts = np.arange(chunks, dtype=np.int64) * sparsity.group
    return (positions + starts[None, :, None]).reshape(rows, chunks * kept)


def _encode(positions: npt.NDArray[np.int64], sparsity: Sparsity) -> npt.NDArray[np.uint8]:
    if sparsity.kept == 1:
        return np.where(positions[..., 0] == 0, 0x4, 0xE).astype(np.uint8)
    return (positions[..., 0] | (positions[..., 1] << 2)).astype(np.uint8)


def _position_choices(sparsity: Sparsity) -> list[tuple[int, ...]]:
    if sparsity.kept == 1:
        return [(0,), (1,)]
    return [(i, j) for i in range(sparsity.group) for j in range(i + 1, sparsity.group)]
