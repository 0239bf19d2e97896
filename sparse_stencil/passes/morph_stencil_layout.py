"""Lower L0 to L1: each `lstencil.stencil` becomes the tiled GEMM of its densest output tile.

Adaptive layout morphing (:mod:`sparse_stencil.layout.morphing`): the stencil is flattened
and crushed into a staircase coefficient matrix for an output tile of at most 16 points.
By default every tile is tried and the one whose structured-sparse form issues the fewest
MACs per output wins (:mod:`sparse_stencil.layout.search`); ``tile=8,2`` forces one. The
n:m rule that the search converts for comes from the element type of the grids the stencil
is applied to (2:4 for f16 and bf16, 1:2 for f32 computed as tf32): a stencil applied to
grids of both kinds gets one layout per rule. `dtype` states the type for a stencil applied
to no grid (f16 if not given) and must agree with the grids otherwise.

    %s = lstencil.stencil [[-1] = 1.0, [0] = -2.0, [1] = 1.0] : !lstencil.stencil<1>
    %y = lstencil.apply %s to %x steps 4 : !lstencil.grid<128xf16>

becomes, with ``morph-stencil-layout``,

    %l = sparse_layout.gemm <14x16> tile [14] halo [1] outputs [[0], ..., [13]]
           inputs [[-1], ..., [14]] matrix [[1.0, -2.0, 1.0, 0.0, ...], ...]
           : !sparse_layout.layout<1>
    %y = sparse_layout.apply %l to %x steps 4 : !lstencil.grid<128xf16>
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import builtin
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from sparse_stencil.dialects import lstencil, sparse_layout
from sparse_stencil.dialects.lstencil import GridApplyOp
from sparse_stencil.dtypes import StorageType
from sparse_stencil.errors import StencilError
from sparse_stencil.layout.morphing import TiledGemm
from sparse_stencil.layout.search import choose_layout
from sparse_stencil.passes.layout_applies import applies_by_rule, option_storage, refuse


@dataclass(frozen=True)
class _Morphing:
    """What the pass puts in place of one `lstencil.stencil`: a layout per n:m rule."""

    stencil_op: lstencil.StencilOp
    layouts: list[tuple[TiledGemm, list[GridApplyOp]]]
    """Each layout with the applies that take it."""

    def rewrite(self) -> None:
        for layout, applies in self.layouts:
            gemm = sparse_layout.GemmOp.from_layout(layout)
            Rewriter.insert_op(gemm, InsertPoint.before(self.stencil_op))
            for user in applies:
                Rewriter.replace_op(
                    user, sparse_layout.ApplyOp(gemm.result, user.input, user.steps.data)
                )
        Rewriter.erase_op(self.stencil_op)


@dataclass(frozen=True)
class MorphStencilLayoutPass(ModulePass):
    """Replaces each `lstencil.stencil` and its applies by `sparse_layout.gemm` layouts.

    Every layout is computed before the first rewrite, so a refusal leaves the module as it
    was.
    """

    name = "morph-stencil-layout"

    tile: tuple[int, ...] | None = None
    """The output tile's extents, outermost axis first (product at most 16); None searches."""
    dtype: str | None = None
    """Element type to lay out for (f16, bf16, f32); by default that of the applied grids."""

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        stated = option_storage(self.name, self.dtype)
        stencil_ops = [o for o in op.walk() if isinstance(o, lstencil.StencilOp)]
        morphings = [self._morphing(stencil_op, stated) for stencil_op in stencil_ops]
        for morphing in morphings:
            morphing.rewrite()

    def _morphing(self, stencil_op: lstencil.StencilOp, stated: StorageType | None) -> _Morphing:
        groups = applies_by_rule(stencil_op, lstencil.ApplyOp, stated)
        stencil = stencil_op.to_stencil()
        layouts: list[tuple[TiledGemm, list[GridApplyOp]]] = []
        for sparsity, applies in groups.items():
            try:
                choice = choose_layout(stencil, sparsity, self.tile)
            except StencilError as error:
                refuse(stencil_op, str(error))
            layouts.append((choice.gemm, applies))
        return _Morphing(stencil_op, layouts)
