"""Lower L0 to L1: each `lstencil.stencil` becomes the tiled GEMM of its densest output tile.

Adaptive layout morphing (:mod:`sparse_stencil.layout.morphing`): the stencil is flattened
and crushed into a staircase coefficient matrix for an output tile of at most 16 points.
By default every tile is tried and the one whose structured-sparse form issues the fewest
MACs per output wins (:mod:`sparse_stencil.layout.search`); ``tile=8,2`` forces one. The
n:m rule that the search converts for comes from the element type of the grids the stencil
is applied to (2:4 for f16 and bf16, 1:2 for f32 computed as tf32); `dtype` states it for a
stencil applied to no grid (f16 if not given) and must agree with the grids otherwise.

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
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter
from xdsl.utils.exceptions import PassFailedException

from sparse_stencil.dialects import lstencil, sparse_layout
from sparse_stencil.dtypes import StorageType, storage_type
from sparse_stencil.errors import StencilError
from sparse_stencil.layout.search import choose_layout
from sparse_stencil.sparsity import sparsity_of


class LayoutPassError(StencilError, PassFailedException):
    """A stencil or layout that a layout pass cannot lower, with the offending op."""


def applied_storage(
    value: SSAValue, dtype: str | None, operation: Operation
) -> StorageType:
    """The storage type of the grids `value` is applied to, checked against `dtype`.

    Raises :class:`LayoutPassError` if the grids disagree with each other or with `dtype`;
    a value applied to no grid takes `dtype`, or f16 when that is None too.
    """
    stated = storage_type(dtype) if dtype is not None else None
    found = {
        use.operation.grid_type.storage
        for use in value.uses
        if isinstance(use.operation, lstencil.ApplyOp | sparse_layout.ApplyOp)
    }
    if stated is not None:
        found.add(stated)
    if len(found) > 1:
        names = ", ".join(sorted(s.name for s in found))
        raise LayoutPassError(
            f"{operation.name} is used with several element types ({names}); "
            "one layout serves one type"
        )
    return found.pop() if found else storage_type("float16")


@dataclass(frozen=True)
class MorphStencilLayoutPass(ModulePass):
    """Replaces each `lstencil.stencil` and its applies by a `sparse_layout.gemm` layout."""

    name = "morph-stencil-layout"

    tile: tuple[int, ...] | None = None
    """The output tile's extents, outermost axis first (product at most 16); None searches."""
    dtype: str | None = None
    """Element type to lay out for (f16, bf16, f32); by default that of the applied grids."""

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        for stencil_op in [o for o in op.walk() if isinstance(o, lstencil.StencilOp)]:
            self._morph(stencil_op)

    def _morph(self, stencil_op: lstencil.StencilOp) -> None:
        storage = applied_storage(stencil_op.result, self.dtype, stencil_op)
        try:
            choice = choose_layout(stencil_op.to_stencil(), sparsity_of(storage), self.tile)
        except StencilError as error:
            raise LayoutPassError(f"{stencil_op.name}: {error}") from error
        gemm = sparse_layout.GemmOp.from_layout(choice.gemm)
        Rewriter.insert_op(gemm, InsertPoint.before(stencil_op))
        for use in list(stencil_op.result.uses):
            user = use.operation
            if not isinstance(user, lstencil.ApplyOp):
                raise LayoutPassError(
                    f"{stencil_op.name} is used by {user.name}; only lstencil.apply can "
                    "take its layout"
                )
            Rewriter.replace_op(
                user, sparse_layout.ApplyOp(gemm.result, user.input, user.steps.data)
            )
        Rewriter.erase_op(stencil_op)
