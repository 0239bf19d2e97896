"""Tests of the MLIR frontend: `stencil_from_mlir`, `parse_module` and `read_mlir_file`.

Bad input must give one :class:`StencilError` line that names the problem and, where the
text has one, its ``file:line:column``; never another exception.
"""

# ruff: noqa: E501 -- the MLIR programs keep their lines whole, as MLIR files do.

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from xdsl.dialects.builtin import FileLineColLoc
from xdsl.dialects.stencil import ApplyOp
from xdsl.utils.exceptions import ParseError

from sparse_stencil import Stencil
from sparse_stencil.context import make_context
from sparse_stencil.errors import StencilError
from sparse_stencil.frontend import (
    LocatingParser,
    parse_module,
    read_mlir_file,
    stencil_from_mlir,
)

UPSTREAM = """\
func.func @jacobi(%in : !stencil.field<[-1,33]x[-1,33]xf64>, %out : !stencil.field<[-1,33]x[-1,33]xf64>) {
  %t = stencil.load %in : !stencil.field<[-1,33]x[-1,33]xf64> -> !stencil.temp<?x?xf64>
  %r = stencil.apply(%x = %t : !stencil.temp<?x?xf64>) -> (!stencil.temp<?x?xf64>) {
    %n = stencil.access %x[-1, 0] : !stencil.temp<?x?xf64>
    %s = stencil.access %x[1, 0] : !stencil.temp<?x?xf64>
    %w = stencil.access %x[0, -1] : !stencil.temp<?x?xf64>
    %e = stencil.access %x[0, 1] : !stencil.temp<?x?xf64>
    %ns = arith.addf %n, %s : f64
    %we = arith.addf %w, %e : f64
    %sum = arith.addf %ns, %we : f64
    %four = arith.constant 4.000000e+00 : f64
    %v = arith.divf %sum, %four : f64
    stencil.return %v : f64
  }
  stencil.store %r to %out(<[0, 0], [32, 32]>) : !stencil.temp<?x?xf64> to !stencil.field<[-1,33]x[-1,33]xf64>
  func.return
}
"""

JACOBI = Stencil({(-1, 0): 0.25, (1, 0): 0.25, (0, -1): 0.25, (0, 1): 0.25})
"""The stencil of UPSTREAM: each neighbour over 4."""


def outcome(text: str) -> str:
    """ "stencil" if `text` holds one, else the message of the StencilError it raises."""
    try:
        stencil_from_mlir(text)
    except StencilError as error:
        return str(error)
    return "stencil"


def error_of(text: str, name: str = "<input>") -> str:
    """The one-line message that `stencil_from_mlir` raises for `text`."""
    with pytest.raises(StencilError) as caught:
        stencil_from_mlir(text, name)
    message = str(caught.value)
    assert "\n" not in message
    return message


# --- reading stencils ------------------------------------------------------------------


def test_upstream_program_gives_its_stencil_in_f64() -> None:
    # The importer needs no storage type to return the stencil, so f64 is fine here.
    stencil = stencil_from_mlir(UPSTREAM)
    assert stencil == JACOBI
    assert stencil.name == "jacobi"


def test_stencil_from_mlir_is_the_stencil_class_entry() -> None:
    assert Stencil.from_mlir(UPSTREAM) == JACOBI


@pytest.mark.parametrize("shape", [None, (16, 16)])
def test_our_dialect_round_trips(shape: tuple[int, int] | None) -> None:
    stencil = Stencil({(-1, 0): 0.1, (0, 0): -0.4, (1, 1): 1e-7, (0, 2): 3.0})
    assert stencil_from_mlir(stencil.to_mlir(shape, "bfloat16", 2)) == stencil


@settings(max_examples=40, deadline=None)
@given(
    st.dictionaries(
        st.tuples(st.integers(-8, 8), st.integers(-8, 8)),
        st.floats(allow_nan=False, allow_infinity=False),
        min_size=1,
        max_size=20,
    ).filter(lambda points: any(points.values()))  # a stencil needs a non-zero coefficient
)
def test_any_stencil_round_trips_through_our_dialect(points: dict[tuple[int, int], float]) -> None:
    stencil = Stencil(points)
    assert stencil_from_mlir(stencil.to_mlir()) == stencil


def test_ops_carry_their_source_location() -> None:
    module = parse_module(UPSTREAM, "jacobi.mlir")
    (apply,) = [op for op in module.walk() if isinstance(op, ApplyOp)]
    location = apply.location
    assert isinstance(location, FileLineColLoc)
    line = UPSTREAM.splitlines().index(
        "  %r = stencil.apply(%x = %t : !stencil.temp<?x?xf64>) -> (!stencil.temp<?x?xf64>) {"
    )
    assert (location.filename.data, location.line.data, location.column.data) == (
        "jacobi.mlir",
        line + 1,
        3,
    )
    # Locations stay out of the ordinary printed form.
    assert "loc(" not in str(module)


# --- bad input -------------------------------------------------------------------------


def test_parse_error_names_line_and_column() -> None:
    text = "%s = lstencil.stencil [[0] = 1.0 : !lstencil.stencil<1>"
    # The ':' where ']' should be is the first ':' of the text.
    column = text.index(":") + 1
    assert error_of(text, "bad.mlir") == f"bad.mlir:1:{column}: ']' expected"


def test_unknown_op() -> None:
    message = error_of("\n\n  %x = foo.bar : () -> ()\n")
    assert message.startswith("<input>:3:")
    assert message.endswith("Operation foo.bar is not registered")


@pytest.mark.parametrize(
    "text",
    [
        "def laplace(u):\n    return u[1:-1] - 2 * u\n",
        '{"stencil": [[0, 1.0]]}',
        "\x00\x01\x02\x7f binary",
        "func.func @f( {",
    ],
)
def test_text_that_is_not_mlir(text: str) -> None:
    assert error_of(text).startswith("<input>:1:")


@pytest.mark.parametrize("end", [UPSTREAM.index("  stencil.store"), UPSTREAM.index("    %n =")])
def test_text_cut_short_says_so(end: int) -> None:
    # xDSL's own message there is only " in block definition".
    message = error_of(UPSTREAM[:end])
    assert message.startswith("<input>:")
    assert ": unexpected end of input (" in message


def test_empty_module_has_no_stencil() -> None:
    assert error_of("builtin.module {}") == (
        "<input>: holds no stencil; expected exactly one lstencil.stencil or upstream stencil.apply"
    )


def test_two_stencils_are_ambiguous() -> None:
    one = "%s{} = lstencil.stencil [[0] = 1.0] : !lstencil.stencil<1>\n"
    assert error_of(one.format(1) + one.format(2)).startswith("<input>: holds 2 stencils;")


def test_two_upstream_functions_are_ambiguous() -> None:
    second = UPSTREAM.replace("@jacobi", "@jacobi2")
    assert error_of(UPSTREAM + second).startswith("<input>: holds 2 stencils;")


@pytest.mark.parametrize("text", ["", "\n  \n", "// RUN: nothing\n\n  // only comments\n"])
def test_empty_text_holds_no_stencil(text: str) -> None:
    # MLIR reads such text as an empty module; xDSL's parser alone would refuse it.
    assert error_of(text, "empty.mlir") == (
        "empty.mlir: holds no stencil; expected exactly one lstencil.stencil or upstream "
        "stencil.apply"
    )


def test_byte_order_mark_and_crlf_line_ends_are_read() -> None:
    text = "\ufeff" + UPSTREAM.replace("\n", "\r\n")
    assert stencil_from_mlir(text) == JACOBI
    # Lines still count from 1 and the quoted line carries no carriage return.
    bad = text.replace("%v = arith.divf %sum, %four", "%v = arith.divf %four, %sum")
    line = UPSTREAM.splitlines().index("    %v = arith.divf %sum, %four : f64") + 1
    assert error_of(bad) == (
        f"<input>:{line}:5: nonlinear stencil: arith.divf divides by an accessed value "
        "(`%v = arith.divf %four, %sum : f64`)"
    )


def test_literal_out_of_its_type_range_is_located() -> None:
    # f16 ends at 65504: xDSL cannot hold 7e4 as an f16 and raises OverflowError.
    text = "func.func @f() {\n  %k = arith.constant 7.000000e+04 : f16\n  func.return\n}\n"
    assert error_of(text) == (
        "<input>:2:3: arith.constant: a number is out of the range of its type (float too "
        "large to pack with e format)"
    )


def test_coefficient_overflowing_the_program_type_is_located() -> None:
    text = UPSTREAM.replace("f64", "f16").replace(
        "%four = arith.constant 4.000000e+00 : f16",
        "%big = arith.constant 6.000000e+04 : f16\n    %four = arith.mulf %big, %big : f16",
    )
    line = text.splitlines().index("    %four = arith.mulf %big, %big : f16") + 1
    assert error_of(text) == (
        f"<input>:{line}:5: arith.mulf yields 3600000000.0, which overflows f16; stencil "
        "coefficients must be finite (`%four = arith.mulf %big, %big : f16`)"
    )


def test_upstream_field_of_unknown_bounds_is_explained() -> None:
    # stencil.load needs a sized field; xDSL's constraint message alone does not say so.
    text = UPSTREAM.replace("!stencil.field<[-1,33]x[-1,33]xf64>", "!stencil.field<?x?xf64>")
    message = error_of(text)
    assert message.startswith("<input>:2:3: stencil.load: ")
    assert message.endswith(
        "; a stencil field of unknown bounds (?) must be cast to a sized field "
        "(stencil.cast) before it is loaded or stored"
    )


def test_locating_parser_raises_parse_errors_only() -> None:
    # sparse-stencil-opt parses with LocatingParser and reports ParseError without a
    # traceback: an op that xDSL cannot build must surface as one, at that op.
    text = "func.func @f() {\n  %k = arith.constant 7.000000e+04 : f16\n  func.return\n}\n"
    with pytest.raises(ParseError) as caught:
        LocatingParser(make_context(), text, "f.mlir").parse_module()
    location = caught.value.span.get_location()
    assert (location.line, location.col) == (2, 3)


def test_value_never_defined_is_located_at_its_first_use() -> None:
    # xDSL reports it at the end of the input.
    text = UPSTREAM.replace("%ns = arith.addf %n, %s", "%ns = arith.addf %n, %q")
    line = text.splitlines().index("    %ns = arith.addf %n, %q : f64") + 1
    assert error_of(text) == f"<input>:{line}:26: %q is used but never defined"


def test_operand_defined_only_in_its_own_region_is_located() -> None:
    # xDSL binds %a to the loop's block argument after resolving the second iter_arg, and
    # leaves that operand a placeholder whose `owner` raises ValueError.
    text = """\
func.func @f(%x : index) {
  %r0, %r1 = scf.for %i = %x to %x step %x iter_args(%a = %x, %b = %a) -> (index, index) {
    scf.yield %b, %a : index, index
  }
  func.return
}
"""
    with pytest.raises(ParseError) as caught:
        LocatingParser(make_context(), text, "f.mlir").parse_module()
    location = caught.value.span.get_location()
    assert (location.line, location.col) == (2, 68)
    assert caught.value.msg == "scf.for uses %a, which is defined only inside its own region"


def test_value_used_before_its_definition_in_a_stencil_body_is_located() -> None:
    text = UPSTREAM.replace("%sum = arith.addf %ns, %we", "%sum = arith.addf %ns, %v")
    line = text.splitlines().index("    %sum = arith.addf %ns, %v : f64") + 1
    assert error_of(text) == (
        f"<input>:{line}:5: arith.addf uses %v before its definition "
        "(`%sum = arith.addf %ns, %v : f64`)"
    )


def test_upstream_time_loop_without_carried_fields_is_its_stencil() -> None:
    # Every iteration loads %in and stores into %out: the loop is the stencil, once.
    lines = UPSTREAM.splitlines()
    body = "\n".join("  " + line for line in lines[1:-2])
    text = "\n".join(
        [
            lines[0],
            "  %lb = arith.constant 0 : index",
            "  %ub = arith.constant 10 : index",
            "  %one = arith.constant 1 : index",
            "  scf.for %i = %lb to %ub step %one {",
            body,
            "  }",
            "  func.return",
            "}",
        ]
    )
    assert stencil_from_mlir(text) == JACOBI


@pytest.mark.parametrize(("value", "shown"), [("nan", "nan"), ("-inf", "-inf")])
def test_non_finite_coefficients(value: str, shown: str) -> None:
    text = f"%s = lstencil.stencil [[-1] = 1.0, [1] = {value}] : !lstencil.stencil<1>"
    assert error_of(text) == (
        f"<input>:1:1: lstencil.stencil does not verify: coefficient of offset [1] is "
        f"{shown}, not finite"
    )


def test_op_that_fails_its_verifier_is_located() -> None:
    text = '%a = arith.constant 1.0 : f32\n%b = "arith.addf"(%a, %a) : (f32, f32) -> f64\n'
    message = error_of(text)
    assert message.startswith("<input>:2:1: arith.addf does not verify: ")


def test_nonlinear_upstream_stencil_quotes_the_op() -> None:
    text = UPSTREAM.replace("%v = arith.divf %sum, %four", "%v = arith.divf %four, %sum")
    line = text.splitlines().index("    %v = arith.divf %four, %sum : f64") + 1
    assert error_of(text) == (
        f"<input>:{line}:5: nonlinear stencil: arith.divf divides by an accessed value "
        "(`%v = arith.divf %four, %sum : f64`)"
    )


PREFIX_SOURCES = [UPSTREAM, JACOBI.to_mlir((8, 8), "float16", 3)]


@pytest.mark.parametrize("source", PREFIX_SOURCES, ids=["upstream", "lstencil"])
def test_every_truncation_gives_a_stencil_or_one_error_line(source: str) -> None:
    # A file cut anywhere must never produce a traceback: a prefix either still holds a
    # stencil or fails with a one-line StencilError.
    for end in range(0, len(source), 7):
        assert "\n" not in outcome(source[:end])


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=80))
def test_random_text_gives_one_error_line(text: str) -> None:
    # Random text almost never holds a stencil; whatever it holds, only StencilError escapes.
    assert "\n" not in outcome(text)


# --- files -----------------------------------------------------------------------------


def test_read_mlir_file(tmp_path: Path) -> None:
    path = tmp_path / "jacobi.mlir"
    path.write_text(UPSTREAM, encoding="utf-8")
    assert stencil_from_mlir(read_mlir_file(path), str(path)) == JACOBI


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.mlir"
    with pytest.raises(StencilError, match=r"absent\.mlir: no such file$"):
        read_mlir_file(path)


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(StencilError, match=r"is a directory, not an MLIR file$"):
        read_mlir_file(tmp_path)


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "kernel.cubin"
    path.write_bytes(b"\x7fELF\xff\xfe\x00\x01")
    with pytest.raises(StencilError, match=r"kernel\.cubin: not a text file \(invalid UTF-8\)$"):
        read_mlir_file(path)
