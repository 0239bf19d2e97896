"""Split layouts: the densest columns on dense MMAs, the others 2:4 on sparse ones.

2:4 sparsity pays only where the coefficient matrix is at most half full: a row with more
non-zeros than half its columns forces the converted K above the morphed one (box2d4r's 4x4
tile: 81 non-zeros in 144 columns, so K after >= 162, padded to 176), and every extra K
column is one more B element to gather. Dense and sparse MMAs share the accumulator layout,
so one kernel can run some K steps on `mma.sync` and the rest on `mma.sp` into the same C.
Moving the columns that most rows use to the dense part lowers every row's count in the
rest: for box2d4r, 32 central columns dense and 112 sparse gather exactly the morphed 144
columns, in 2 dense and 3.5 sparse instructions instead of 9 dense ones.

:func:`split_layouts` tries dense parts of the most used columns around the size that
balances the two lower bounds on the gathered K, and keeps the splits that gather fewer
columns than the plain conversion; the kernel search weighs them against it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sparse_stencil.layout.matching import SparseGemm, convert_gemm, sparsify
from sparse_stencil.layout.morphing import TiledGemm
from sparse_stencil.layout.pairing import convert_pairs, order_dense_pairs
from sparse_stencil.sparsity import Sparsity


@dataclass(frozen=True, eq=False)
class SplitGemm:
    """A tiled GEMM whose columns are split: `dense` runs on dense MMAs, `sparse` (n:m
    converted) on sparse ones; both multiply the same output tile."""

    dense: TiledGemm
    sparse: SparseGemm

    @property
    def tile(self) -> tuple[int, ...]:
        """The output tile's extents."""
        return self.dense.tile

    @property
    def halo(self) -> tuple[int, ...]:
        """The fixed boundary band per axis."""
        return self.dense.halo

    @property
    def phase(self) -> int | None:
        """Where the tile's runs assume its origin (:attr:`.morphing.TileMaps.phase`)."""
        return self.sparse.phase

    @property
    def outputs(self) -> npt.NDArray[np.int64]:
        """The scatter map, one offset per row."""
        return self.dense.outputs

    @property
    def inputs(self) -> npt.NDArray[np.int64]:
        """Every column's gather offset: the dense part's, then the sparse part's."""
        return np.concatenate([self.dense.inputs, self.sparse.inputs])

    @property
    def m(self) -> int:
        """Output points of the tile."""
        return self.dense.m

    @property
    def k_before(self) -> int:
        """Columns of the morphed GEMM."""
        return self.dense.k + self.sparse.k_before

    @property
    def k_after(self) -> int:
        """Columns the kernel gathers: the dense part padded to its MMA's K, then the
        converted sparse part."""
        return self.dense.k + self.sparse.k_after


def split_layouts(
    gemm: TiledGemm, sparsity: Sparsity, plain_k: int, pairs: bool
) -> list[SplitGemm]:
    """Splits of `gemm` whose gathered K is below `plain_k` (the plain conversion's); with
    `pairs`, each also with the pair-aware conversion of its sparse part
    (:func:`~sparse_stencil.layout.pairing.convert_pairs`). None where the plain
    conversion adds no K: then a split cannot gather less."""
    if plain_k <= sparsity.padded_k(gemm.k):
        return []
    step = sparsity.mma_k
    uses = (gemm.matrix != 0).sum(axis=0)
    order = np.argsort(-uses, kind="stable")
    splits: list[SplitGemm] = []
    for steps in _dense_steps(gemm, step):
        columns = np.sort(order[: steps * step])
        dense = order_dense_pairs(gemm.select(columns))
        rest = gemm.select(np.setdiff1d(np.arange(gemm.k), columns))
        plain = SplitGemm(dense, convert_gemm(rest, sparsity))
        if plain.k_after >= plain_k:
            continue
        splits.append(plain)
        if pairs:
            splits.append(SplitGemm(dense, sparsify(rest, convert_pairs(rest))))
    return splits


def _dense_steps(gemm: TiledGemm, step: int) -> list[int]:
    """Dense K steps worth trying: around the d that balances the two bounds on the gathered
    K, ``d + 2 (nnz - d)`` (the sparse rows' non-zeros) and ``K`` (every column once), for
    rows of nnz non-zeros when the d dense columns are used by every row: d = 2 nnz - K."""
    nonzeros = int((gemm.matrix != 0).sum(axis=1).max())
    balance = -(-(2 * nonzeros - gemm.k) // step)
    return [s for s in range(balance - 1, balance + 2) if 1 <= s and s * step < gemm.k]
