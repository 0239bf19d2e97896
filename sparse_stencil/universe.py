"""The dialects and passes of sparse-stencil, as an xDSL `Universe`.

The `xdsl.universe` entry point in pyproject.toml names `SPARSE_STENCIL_UNIVERSE`, so the
stock `xdsl-opt` (and every xDSL tool) sees them after `pip install`. The factories import
lazily, as xDSL's own do, to keep `--help` fast.
"""

from __future__ import annotations

from collections.abc import Callable

from xdsl.ir import Dialect
from xdsl.passes import ModulePass
from xdsl.universe import Universe


def _lstencil() -> Dialect:
    from sparse_stencil.dialects.lstencil import LStencil

    return LStencil


def _convert_stencil_to_lstencil() -> type[ModulePass]:
    from sparse_stencil.passes.convert_stencil_to_lstencil import ConvertStencilToLStencilPass

    return ConvertStencilToLStencilPass


def _sparse_layout() -> Dialect:
    from sparse_stencil.dialects.sparse_layout import SparseLayout

    return SparseLayout


def _morph_stencil_layout() -> type[ModulePass]:
    from sparse_stencil.passes.morph_stencil_layout import MorphStencilLayoutPass

    return MorphStencilLayoutPass


def _convert_structured_sparsity() -> type[ModulePass]:
    from sparse_stencil.passes.convert_structured_sparsity import ConvertStructuredSparsityPass

    return ConvertStructuredSparsityPass


DIALECTS: dict[str, Callable[[], Dialect]] = {
    "lstencil": _lstencil,
    "sparse_layout": _sparse_layout,
}

PASSES: dict[str, Callable[[], type[ModulePass]]] = {
    "convert-stencil-to-lstencil": _convert_stencil_to_lstencil,
    "morph-stencil-layout": _morph_stencil_layout,
    "convert-structured-sparsity": _convert_structured_sparsity,
}

SPARSE_STENCIL_UNIVERSE = Universe(all_dialects=DIALECTS, all_passes=PASSES)
