"""Structured sparsity conversion: each `sparse_layout.gemm` becomes a 2:4 or 1:2 `sparse_gemm`.

The columns of the coefficient matrix are permuted (the permutation is folded into the
gather map) and, where no valid grouping exists, padded with zero columns, so that every
chunk of every row holds at most 2 of 4 (f16, bf16) or 1 of 2 (tf32) non-zeros; K after is
padded to the `mma.sp` K (16, or 8 for tf32). The matrix is then stored compressed: kept
values and metadata nibbles. The rule comes from the element type of the grids the layout
is applied to (a layout applied to grids of both kinds is converted once per rule); `dtype`
states it for a layout applied to no grid and must agree otherwise.

The grouping (:mod:`sparse_stencil.layout.matching`) is the best of a maximum
matching of compatible columns (networkx), a bit-mask packing that also fills a chunk with
columns that pairs cannot hold, and a local search that saves K steps where both miss the
lower bound; ``strategy=matching`` or ``strategy=packing`` forces one construction. Each op
reports its K before and after in its ``<m x K -> m x K>`` header, and the pass records the
lower bound on K after (padded to the MMA's K) as ``{lower_bound = ...}``.

    %l = sparse_layout.gemm <14x16> tile [14] halo [1] ... : !sparse_layout.layout<1>

becomes, with ``convert-structured-sparsity``,

    %l = sparse_layout.sparse_gemm <2:4> <14x16 -> 14x16> tile [14] halo [1] ...
           permutation [0, 1, 14, 15, 2, 5, 8, 11, ...] values [[1.0, -2.0, ...], ...]
           metadata [[0x4, 0x4, 0x4, 0x4], ...] {lower_bound = 16 : i64}
           : !sparse_layout.layout<1>
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from xdsl.context import Context
from xdsl.dialects import builtin
from xdsl.dialects.builtin import IntegerAttr, i64
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from sparse_stencil.dialects import sparse_layout
from sparse_stencil.dialects.lstencil import GridApplyOp
from sparse_stencil.dtypes import StorageType
from sparse_stencil.layout.matching import STRATEGIES, SparseGemm, Strategy, convert, sparsify
from sparse_stencil.passes.layout_applies import (
    LayoutPassError,
    applies_by_rule,
    option_storage,
)


@dataclass(frozen=True)
class _Conversion:
    """What the pass puts in place of one `sparse_layout.gemm`: a sparse layout per n:m rule."""

    gemm_op: sparse_layout.GemmOp
    layouts: list[tuple[SparseGemm, int, list[GridApplyOp]]]
    """Each sparse layout with its lower bound on K after and the applies that take it."""

    def rewrite(self) -> None:
        for layout, lower_bound, applies in self.layouts:
            sparse = sparse_layout.SparseGemmOp.from_layout(layout)
            sparse.attributes["lower_bound"] = IntegerAttr(lower_bound, i64)
            Rewriter.insert_op(sparse, InsertPoint.before(self.gemm_op))
            for user in applies:
                user.operands[0] = sparse.result
        Rewriter.erase_op(self.gemm_op)


@dataclass(frozen=True)
class ConvertStructuredSparsityPass(ModulePass):
    """Replaces each `sparse_layout.gemm` by its n:m compressed `sparse_layout.sparse_gemm`.

    Every conversion is computed before the first rewrite, so a refusal leaves the module as
    it was.
    """

    name = "convert-structured-sparsity"

    dtype: str | None = None
    """Element type to convert for (f16, bf16, f32); by default that of the applied grids."""
    strategy: str = "best"
    """``best`` (default), ``matching`` (DESIGN.md's construction only) or ``packing``."""

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        if self.strategy not in STRATEGIES:
            raise LayoutPassError(
                f"{self.name}{{strategy={self.strategy}}}: unknown strategy: expected one of "
                f"{', '.join(STRATEGIES)}"
            )
        stated = option_storage(self.name, self.dtype)
        gemm_ops = [o for o in op.walk() if isinstance(o, sparse_layout.GemmOp)]
        conversions = [self._conversion(gemm_op, stated) for gemm_op in gemm_ops]
        for conversion in conversions:
            conversion.rewrite()

    def _conversion(self, gemm_op: sparse_layout.GemmOp, stated: StorageType | None) -> _Conversion:
        groups = applies_by_rule(gemm_op, sparse_layout.ApplyOp, stated)
        gemm = gemm_op.to_layout()
        masks = gemm.row_masks()
        layouts: list[tuple[SparseGemm, int, list[GridApplyOp]]] = []
        for sparsity, applies in groups.items():
            conversion = convert(masks, sparsity, cast(Strategy, self.strategy))
            layouts.append((sparsify(gemm, conversion), conversion.padded_bound, applies))
        return _Conversion(gemm_op, layouts)
