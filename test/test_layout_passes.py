"""The layout passes refuse atomically: a refusal leaves the module as it was.

``morph-stencil-layout`` and ``convert-structured-sparsity`` compute every layout before they
rewrite anything, so an op refused after others were laid out does not leave a module half
in L0 and half in L1.
"""

from __future__ import annotations

import pytest
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp

from sparse_stencil.frontend import parse_module
from sparse_stencil.passes.convert_structured_sparsity import ConvertStructuredSparsityPass
from sparse_stencil.passes.layout_applies import LayoutPassError
from sparse_stencil.passes.morph_stencil_layout import MorphStencilLayoutPass


def heat(name: str, element: str) -> str:
    grid = f"!lstencil.grid<64x{element}>"
    return f"""
  func.func @{name}(%x: {grid}) -> {grid} {{
    %s = lstencil.stencil [[-1] = 1.0, [0] = -2.0, [1] = 1.0] : !lstencil.stencil<1>
    %y = lstencil.apply %s to %x steps 5 : {grid}
    func.return %y : {grid}
  }}"""


MIXED = f"builtin.module {{{heat('half', 'f16')}{heat('single', 'f32')}\n}}"
"""An f16 function, which dtype=f16 lays out, then an f32 one, which it refuses."""


def refused_unchanged(
    module: ModuleOp, refusing: MorphStencilLayoutPass | ConvertStructuredSparsityPass
) -> LayoutPassError:
    """The error `refusing` raises on `module`, after checking that `module` is unchanged."""
    before = str(module)
    with pytest.raises(LayoutPassError) as caught:
        refusing.apply(Context(), module)
    assert str(module) == before
    return caught.value


def test_morphing_refused_on_the_second_function_changes_nothing() -> None:
    error = refused_unchanged(parse_module(MIXED), MorphStencilLayoutPass(dtype="f16"))
    assert error.reason == "dtype=f16 disagrees with the f32 grid it is applied to"


def test_conversion_refused_on_the_second_function_changes_nothing() -> None:
    module = parse_module(MIXED)
    MorphStencilLayoutPass().apply(Context(), module)
    error = refused_unchanged(module, ConvertStructuredSparsityPass(dtype="f16"))
    assert error.reason == "dtype=f16 disagrees with the f32 grid it is applied to"


def test_without_a_refusal_every_function_is_lowered() -> None:
    module = parse_module(MIXED)
    MorphStencilLayoutPass().apply(Context(), module)
    ConvertStructuredSparsityPass().apply(Context(), module)
    module.verify()
    names = [op.name for op in module.walk()]
    assert names.count("sparse_layout.sparse_gemm") == 2
    assert "lstencil.stencil" not in names
    assert "sparse_layout.gemm" not in names
