"""The sparse_layout dialect (L1) and the passes that build it from L0."""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import pytest
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation
from xdsl.parser import Parser
from xdsl.passes import PassPipeline
from xdsl.utils.exceptions import ParseError, PassFailedException, VerifyException

from sparse_stencil import Stencil, StencilError, catalog, reference
from sparse_stencil.context import make_context
from sparse_stencil.dialects import sparse_layout
from sparse_stencil.dtypes import storage_type
from sparse_stencil.frontend import LocatingParser
from sparse_stencil.layout.evaluate import evaluate
from sparse_stencil.layout.matching import convert_gemm
from sparse_stencil.layout.morphing import morph
from sparse_stencil.sparsity import ONE_TWO, TWO_FOUR, sparsity_of
from sparse_stencil.universe import PASSES

HEAT = Stencil({(-1,): 1.0, (0,): -2.0, (1,): 1.0})
_OpT = TypeVar("_OpT", bound=Operation)


def _lower(module: ModuleOp, pipeline: str) -> ModuleOp:
    PassPipeline.parse_spec({n: f for n, f in PASSES.items()}, pipeline).apply(
        make_context(), module
    )
    module.verify()
    return module


def _parse(text: str) -> ModuleOp:
    module = Parser(make_context(), text).parse_module()
    module.verify()
    return module


def _only(module: ModuleOp, kind: type[_OpT]) -> _OpT:
    """The one op of type `kind` in `module`."""
    found = [op for op in module.walk() if isinstance(op, kind)]
    assert len(found) == 1
    return found[0]


@pytest.mark.parametrize(
    ("name", "shape", "dtype"),
    [
        ("heat-1d", (40,), "float16"),
        ("box2d2r", (13, 17), "bfloat16"),
        ("star3d1r", (7, 8, 9), "float32"),
        ("knight2d-count", (11, 12), "float16"),
    ],
)
def test_pipeline_output_round_trips_and_computes_the_stencil(
    name: str, shape: tuple[int, ...], dtype: str
) -> None:
    # The catalog's offsets with coefficients k / 4: every sum is exact in float64, so the
    # evaluator and the reference round the same values and agree bit for bit.
    offsets = catalog.get(name).offsets
    stencil = Stencil({o: (i % 5 - 2) / 4 or 0.5 for i, o in enumerate(offsets)})
    module = _lower(
        stencil.to_module(shape, dtype, steps=2), "morph-stencil-layout,convert-structured-sparsity"
    )
    text = str(module)
    assert str(_parse(text)) == text
    gemm = _only(module, sparse_layout.SparseGemmOp)
    apply = _only(module, sparse_layout.ApplyOp)
    assert apply.steps.data == 2
    assert gemm.rule == (ONE_TWO if dtype == "float32" else TWO_FOUR)
    assert gemm.attributes["lower_bound"] is not None
    x = np.random.default_rng(1).integers(-3, 4, size=shape).astype(np.float64)
    got = evaluate(gemm.to_layout(), x, apply.steps.data, apply.grid_type.storage)
    np.testing.assert_array_equal(got, reference(stencil, x, 2, dtype))


def test_morphing_keeps_the_meaning_in_the_ir() -> None:
    module = _lower(HEAT.to_module((33,), "float16", steps=3), "morph-stencil-layout{tile=4}")
    gemm = _only(module, sparse_layout.GemmOp)
    layout = gemm.to_layout()
    assert layout.tile == (4,)
    assert layout.stencil() == HEAT
    x = np.arange(33.0) % 5
    np.testing.assert_array_equal(evaluate(layout, x, 3), reference(HEAT, x, 3))


def test_a_stencil_without_apply_defaults_to_f16() -> None:
    module = _lower(HEAT.to_module(), "morph-stencil-layout,convert-structured-sparsity")
    gemm = _only(module, sparse_layout.SparseGemmOp)
    assert gemm.rule == TWO_FOUR
    module = _lower(
        HEAT.to_module(), "morph-stencil-layout{dtype=f32},convert-structured-sparsity{dtype=f32}"
    )
    gemm = _only(module, sparse_layout.SparseGemmOp)
    assert gemm.rule == ONE_TWO


def test_pass_errors_are_stencil_errors() -> None:
    module = HEAT.to_module((33,), "float16")
    with pytest.raises(StencilError, match="one positive extent per axis"):
        _lower(module, "morph-stencil-layout{tile=4,4}")
    with pytest.raises(PassFailedException, match="dtype=f32 disagrees with the f16 grid"):
        _lower(HEAT.to_module((33,), "float16"), "morph-stencil-layout{dtype=f32}")
    with pytest.raises(StencilError, match=r"\{strategy=greedy\}: unknown strategy"):
        _lower(
            HEAT.to_module((33,), "float16"),
            "morph-stencil-layout,convert-structured-sparsity{strategy=greedy}",
        )
    with pytest.raises(StencilError, match=r"\{dtype=f64\}: unsupported dtype 'f64'"):
        _lower(HEAT.to_module((33,), "float16"), "morph-stencil-layout{dtype=f64}")


def test_pass_errors_name_the_source_location() -> None:
    text = HEAT.to_mlir((33,), "float16")
    module = LocatingParser(make_context(), text, "heat.mlir").parse_module()
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "lstencil.stencil" in row)
    with pytest.raises(StencilError, match=rf"^heat.mlir:{line}:\d+: lstencil.stencil: tile"):
        _lower(module, "morph-stencil-layout{tile=3,3}")


def test_one_stencil_on_grids_of_every_type_gets_a_layout_per_rule() -> None:
    """f16 and bf16 grids share a 2:4 layout, an f32 grid gets a 1:2 one; each apply then
    computes the stencil in its own type (dyadic coefficients, integer grids: exact)."""
    stencil = Stencil({(-1, 0): 0.25, (0, 0): -1.0, (0, 1): 0.5, (2, -1): 0.75})
    shapes = {"float16": (9, 10), "bfloat16": (10, 9), "float32": (11, 8)}
    grids = ", ".join(
        f"%{dtype}: !lstencil.grid<{'x'.join(map(str, shape))}x{storage_type(dtype).mlir_name}>"
        for dtype, shape in shapes.items()
    )
    stencil_line = str(stencil.to_module()).splitlines()[1].strip()
    applies = "\n".join(
        f"%y_{dtype} = lstencil.apply %0 to %{dtype} steps 2 : "
        f"!lstencil.grid<{'x'.join(map(str, shape))}x{storage_type(dtype).mlir_name}>"
        for dtype, shape in shapes.items()
    )
    module = _parse(f"func.func @f({grids}) {{\n{stencil_line}\n{applies}\nfunc.return\n}}")
    _lower(module, "morph-stencil-layout,convert-structured-sparsity")
    layouts = [op for op in module.walk() if isinstance(op, sparse_layout.SparseGemmOp)]
    assert [op.rule for op in layouts] == [TWO_FOUR, ONE_TWO]
    for apply in [op for op in module.walk() if isinstance(op, sparse_layout.ApplyOp)]:
        storage = apply.grid_type.storage
        layout = apply.layout.owner
        assert isinstance(layout, sparse_layout.SparseGemmOp)
        assert layout.rule == sparsity_of(storage)
        x = np.random.default_rng(3).integers(-3, 4, size=apply.grid_type.dims).astype(float)
        np.testing.assert_array_equal(
            evaluate(layout.to_layout(), x, 2, storage), reference(stencil, x, 2, storage)
        )


def _gemm_op(tile: tuple[int, ...] = (4,)) -> sparse_layout.GemmOp:
    return sparse_layout.GemmOp.from_layout(morph(HEAT, tile))


def _sparse_op() -> sparse_layout.SparseGemmOp:
    return sparse_layout.SparseGemmOp.from_layout(convert_gemm(morph(HEAT, (4,)), TWO_FOUR))


def _rebuilt(op: sparse_layout.SparseGemmOp, **changes: object) -> sparse_layout.SparseGemmOp:
    layout = op.to_layout()
    fields = {
        "sparsity": layout.sparsity,
        "tile": layout.tile,
        "halo": layout.halo,
        "outputs": layout.outputs.tolist(),
        "inputs": layout.inputs.tolist(),
        "permutation": layout.permutation.tolist(),
        "values": layout.values.tolist(),
        "metadata": layout.metadata.tolist(),
    } | changes
    return sparse_layout.SparseGemmOp(**fields)  # type: ignore[arg-type]


def test_gemm_verifier_checks_that_rows_are_one_stencil() -> None:
    _gemm_op().verify()
    layout = morph(HEAT, (4,))
    matrix = layout.matrix.copy()
    matrix[2, 2] = 5.0
    op = sparse_layout.GemmOp(
        layout.tile, layout.halo, layout.outputs.tolist(), layout.inputs.tolist(), matrix.tolist()
    )
    with pytest.raises(VerifyException, match="row 2 computes a different stencil"):
        op.verify()
    shifted = sparse_layout.GemmOp(
        layout.tile,
        layout.halo,
        (layout.outputs + 1).tolist(),
        layout.inputs.tolist(),
        layout.matrix.tolist(),
    )
    with pytest.raises(VerifyException, match="outputs must list the points of the 4 tile"):
        shifted.verify()


def test_sparse_gemm_verifier() -> None:
    op = _sparse_op()
    op.verify()
    permutation = op.to_layout().permutation.tolist()
    duplicate = [permutation[1], *permutation[1:]]
    with pytest.raises(VerifyException, match="must hold each of the 6 columns once"):
        _rebuilt(op, permutation=duplicate).verify()
    metadata = op.to_layout().metadata.tolist()
    metadata[1][0] = 0x5
    with pytest.raises(VerifyException, match="metadata 0x5 at row 1, chunk 0"):
        _rebuilt(op, metadata=metadata).verify()
    values = op.to_layout().values.tolist()
    values[0][-1] = 1.0  # the last chunk (slots 12-15, all padding) keeps 0x4: slots 12, 13
    with pytest.raises(VerifyException, match="padding slot 13 holds a non-zero"):
        _rebuilt(op, values=values).verify()
    short = op.to_layout()
    with pytest.raises(VerifyException, match=r"K after conversion \(8\) must be a multiple of 16"):
        _rebuilt(
            op,
            permutation=short.permutation[:8].tolist(),
            values=short.values[:, :4].tolist(),
            metadata=short.metadata[:, :2].tolist(),
        ).verify()
    with pytest.raises(VerifyException, match="expected 32 values, got 31"):
        sparse_layout.SparseGemmOp(
            TWO_FOUR,
            short.tile,
            short.halo,
            short.outputs.tolist(),
            short.inputs.tolist(),
            short.permutation.tolist(),
            [short.values.reshape(-1)[:-1].tolist()],
            short.metadata.tolist(),
        ).verify()


def _applied(layout: str, grid: str) -> str:
    return f"""
      func.func @f(%x: {grid}) {{
        {layout.replace("%0 = ", "%l = ")}
        %y = sparse_layout.apply %l to %x steps 1 : {grid}
        func.return
      }}"""


def test_apply_verifier_matches_rule_halo_and_rank() -> None:
    _parse(_applied(str(_sparse_op()), "!lstencil.grid<16xf16>"))
    with pytest.raises(VerifyException, match=r"a 2:4 layout cannot apply to .*needs 1:2"):
        _parse(_applied(str(_sparse_op()), "!lstencil.grid<16xf32>"))
    with pytest.raises(VerifyException, match="axis 0 has 2 points, the stencil needs at least 3"):
        _parse(_applied(str(_gemm_op()), "!lstencil.grid<2xf16>"))
    with pytest.raises(ParseError, match="layout<2>"):
        _parse(_applied(str(_gemm_op()), "!lstencil.grid<8x8xf16>"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "%l = sparse_layout.gemm <4x5> tile [4] halo [1] outputs [[0], [1], [2], [3]] "
            "inputs [[0], [1]] matrix [[1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0]] "
            ": !sparse_layout.layout<1>",
            "stated size 4x5 does not match",
        ),
        (
            "%l = sparse_layout.sparse_gemm <3:4> <1x1 -> 1x16> tile [1] halo [0] outputs "
            "[[0]] inputs [[0]]",
            "unsupported sparsity 3:4",
        ),
        (
            "%l = sparse_layout.gemm <1x1> tile [1] halo [0] outputs [[0]] inputs [[0]] "
            "matrix [[1.0]] : !sparse_layout.layout<2>",
            "expected result type",
        ),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        _parse(text)


def _one_line(text: str) -> str:
    """`text` joined onto one line: the parser reads that form too."""
    return " ".join(line.strip() for line in text.splitlines())


def test_large_layouts_print_a_row_a_line_and_read_back_bit_exact() -> None:
    weights = np.random.default_rng(5).random((7, 7))  # coefficients with full mantissas
    layout = convert_gemm(morph(Stencil.from_weights(weights), (8, 2)), TWO_FOUR)
    op = sparse_layout.SparseGemmOp.from_layout(layout)
    text = str(op)
    lines = text.splitlines()
    assert lines[0] == (
        "%0 = sparse_layout.sparse_gemm <2:4> <16x112 -> 16x112> tile [8, 2] halo [3, 3]"
    )
    # A row a line for the 16 outputs, 112 inputs, 16 rows of values and of metadata.
    rows = [line for line in lines if line.startswith("      [")]
    assert len(rows) == layout.m + layout.k_before + 2 * layout.m
    slot_lines = [line for line in lines if line.startswith("      ") and "[" not in line]
    assert [len(line.split(",")) - 1 for line in slot_lines] == [16] * 6 + [15]
    for written in (text, _one_line(text)):
        parsed = _only(_parse(written), sparse_layout.SparseGemmOp)
        assert str(parsed) == text
        np.testing.assert_array_equal(parsed.to_layout().values, layout.values)


def test_small_layouts_print_on_one_line() -> None:
    two = sparse_layout.SparseGemmOp.from_layout(convert_gemm(morph(HEAT, (2,)), TWO_FOUR))
    assert len(str(two).splitlines()) == 1  # 16 slots, 16 values, 8 nibbles
    assert len(str(_gemm_op((2,))).splitlines()) == 1
    assert len(str(_gemm_op((4,))).splitlines()) == 9  # a 4x6 matrix (24 numbers): a row a line


def test_an_op_that_fails_verification_prints_what_it_holds() -> None:
    layout = morph(HEAT, (4,))
    short = sparse_layout.GemmOp(
        layout.tile, layout.halo, layout.outputs.tolist(), layout.inputs.tolist(), [[1.0, 2.0]]
    )
    assert str(short).endswith(" matrix [1.0, 2.0] : !sparse_layout.layout<1>")
    with pytest.raises(VerifyException, match="expected 24 matrix entries, got 2"):
        short.verify()
    ragged = sparse_layout.GemmOp((1, 2), (1, 1), [[0, 0], [0]], [[0, 0]], [[1.0]])
    assert str(ragged).startswith(
        "%0 = sparse_layout.gemm <?x1> tile [1, 2] halo [1, 1] outputs [0, 0, 0] inputs [[0, 0]]"
    )
    with pytest.raises(VerifyException, match="outputs holds 3 values, not offsets of rank 2"):
        ragged.verify()
    sparse = _sparse_op().to_layout()
    cut = _rebuilt(_sparse_op(), permutation=sparse.permutation[:-1].tolist())
    assert "<4x6 -> 4x15>" in str(cut)
    assert "metadata [0x4, " in str(cut)
    with pytest.raises(VerifyException, match="15 slots, not a multiple of the chunk width 4"):
        cut.verify()
