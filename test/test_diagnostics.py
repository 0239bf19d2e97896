"""How the tools word an error: the message, then the offending op, cut to one screen line."""

from __future__ import annotations

from sparse_stencil.errors import StencilError
from sparse_stencil.tools.diagnostics import describe


def _error_with_note(op_line: str) -> StencilError:
    error = StencilError("something is wrong")
    error.add_note(f'"builtin.module"() ({{\n^bb0:\n  {op_line}\n  ^^^^^^^^\n}}) : () -> ()')
    return error


def test_the_marked_op_line_follows_the_message() -> None:
    assert describe(_error_with_note('%0 = "a.b"() : () -> i32')) == (
        'something is wrong\n  in: %0 = "a.b"() : () -> i32'
    )


def test_a_long_op_line_is_cut() -> None:
    long_line = '%0 = "a.b"() <{values = array<i64: ' + ", ".join(["1"] * 200) + ">}>"
    described = describe(_error_with_note(long_line))
    shown = described.splitlines()[1]
    assert shown.endswith("...")
    assert len(shown) == len("  in: ") + 160
    assert long_line.startswith(shown[len("  in: ") : -3])


def test_a_missing_file_names_the_file() -> None:
    error = FileNotFoundError(2, "No such file or directory", "x.mlir")
    assert describe(error) == "cannot read 'x.mlir': No such file or directory"
