"""The L0 `lstencil` dialect from Python: building, printing, reading back, verifying."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from strategies import stencils
from xdsl.utils.exceptions import VerifyException

from sparse_stencil import Stencil, StencilError
from sparse_stencil.dialects.lstencil import ApplyOp, GridType, StencilOp, StencilType


@settings(max_examples=50, deadline=None)
@given(stencils())
def test_mlir_text_reads_back_to_the_same_stencil(stencil: Stencil) -> None:
    shape = tuple(2 * r + 3 for r in stencil.radii)
    for text in (stencil.to_mlir(), stencil.to_mlir(shape, "bfloat16", 3)):
        read = Stencil.from_mlir(text)
        assert read == stencil
        assert read.offsets == stencil.offsets  # order is kept too


def test_coefficients_keep_every_bit() -> None:
    stencil = Stencil({(0,): 0.1 + 0.2, (1,): -1e-300, (-1,): 2.0**-1074, (2,): 1e308})
    assert Stencil.from_mlir(stencil.to_mlir()).coefficients == stencil.coefficients


def test_program_structure() -> None:
    module = Stencil({(0, 1): 1.0, (0, -1): 1.0}).to_module((4, 5), "float32", 7)
    module.verify()
    ops = list(module.walk())
    apply = next(op for op in ops if isinstance(op, ApplyOp))
    assert apply.steps.data == 7
    assert apply.grid_type == GridType.of((4, 5), "float32")
    assert apply.grid_type.dims == (4, 5)
    assert apply.grid_type.storage.name == "float32"
    assert isinstance(apply.stencil.owner, StencilOp)


def test_types_compare_by_their_parameters() -> None:
    assert StencilType(2) == StencilType(2)
    assert StencilType(2) != StencilType(3)
    assert GridType.of((8, 8), "float16") != GridType.of((8, 8), "bfloat16")


def test_invalid_ops_fail_verification() -> None:
    op = StencilOp([(0, 0), (0, 0)], [1.0, 2.0], rank=2)
    with pytest.raises(VerifyException, match=r"duplicate offset \[0, 0\]"):
        op.verify()
    with pytest.raises(VerifyException, match="rank must be 1 to 3"):
        StencilType(0).verify()


@pytest.mark.parametrize(
    ("shape", "steps", "message"),
    [((2, 9), 1, "smaller than the stencil"), ((9, 9), 0, "steps must be at least 1")],
)
def test_bad_programs_are_refused(shape: tuple[int, int], steps: int, message: str) -> None:
    with pytest.raises(StencilError, match=message):
        Stencil({(1, 0): 1.0}).to_mlir(shape, steps=steps)
