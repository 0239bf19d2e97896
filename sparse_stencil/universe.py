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


DIALECTS: dict[str, Callable[[], Dialect]] = {
    "lstencil": _lstencil,
}

PASSES: dict[str, Callable[[], type[ModulePass]]] = {
    "convert-stencil-to-lstencil": _convert_stencil_to_lstencil,
}

SPARSE_STENCIL_UNIVERSE = Universe(all_dialects=DIALECTS, all_passes=PASSES)
