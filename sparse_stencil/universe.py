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
from xdsl.utils.target import Target


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


def _ptx() -> Dialect:
    from sparse_stencil.dialects.ptx import PTX

    return PTX


def _ptx_target() -> type[Target]:
    from sparse_stencil.backends.ptx_printer import PTXTarget

    return PTXTarget


def _mma() -> Dialect:
    from sparse_stencil.dialects.mma import MMA

    return MMA


def _lower_layout_to_mma() -> type[ModulePass]:
    from sparse_stencil.passes.lower_layout_to_mma import LowerLayoutToMmaPass

    return LowerLayoutToMmaPass


def _lower_mma_to_ptx() -> type[ModulePass]:
    from sparse_stencil.passes.lower_mma_to_ptx import LowerMmaToPtxPass

    return LowerMmaToPtxPass


def _compile_stencil() -> type[ModulePass]:
    from sparse_stencil.passes.compile_stencil import CompileStencilPass

    return CompileStencilPass


def _distribute_lstencil() -> type[ModulePass]:
    from sparse_stencil.passes.distribute_lstencil import DistributeLStencilPass

    return DistributeLStencilPass


DIALECTS: dict[str, Callable[[], Dialect]] = {
    "lstencil": _lstencil,
    "sparse_layout": _sparse_layout,
    "mma": _mma,
    "ptx": _ptx,
}

PASSES: dict[str, Callable[[], type[ModulePass]]] = {
    "convert-stencil-to-lstencil": _convert_stencil_to_lstencil,
    "morph-stencil-layout": _morph_stencil_layout,
    "convert-structured-sparsity": _convert_structured_sparsity,
    "lower-layout-to-mma": _lower_layout_to_mma,
    "lower-mma-to-ptx": _lower_mma_to_ptx,
    "compile-stencil": _compile_stencil,
    "distribute-lstencil": _distribute_lstencil,
}

TARGETS: dict[str, Callable[[], type[Target]]] = {"ptx": _ptx_target}

SPARSE_STENCIL_UNIVERSE = Universe(all_dialects=DIALECTS, all_passes=PASSES, all_targets=TARGETS)
