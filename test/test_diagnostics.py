"""How the tools end: an error's wording (the message, then the offending op, cut to one
screen line), Ctrl-C and a closed output pipe."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from xdsl.utils.arg_spec import parse_pipeline
from xdsl.utils.exceptions import ArgSpecParseError

from sparse_stencil.errors import StencilError
from sparse_stencil.tools import opt
from sparse_stencil.tools.diagnostics import INTERRUPTED, describe, exit_on_user_error


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


def test_a_malformed_pipeline_is_one_line_with_its_column() -> None:
    with pytest.raises(ArgSpecParseError) as caught:
        list(parse_pipeline("morph-stencil-layout{tile=8,2"))
    assert describe(caught.value) == (
        "cannot parse 'morph-stencil-layout{tile=8,2' at column 30: Malformed pass arguments, "
        "expected either a space or `}` here"
    )


def test_ctrl_c_exits_130_without_a_word(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught, exit_on_user_error():
        raise KeyboardInterrupt
    assert caught.value.code == INTERRUPTED == 130
    assert capsys.readouterr() == ("", "")


def test_ctrl_c_during_a_run_of_the_optimizer_exits_130(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(self: opt.SparseStencilOptMain, prog: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(opt.SparseStencilOptMain, "apply_passes", interrupted)
    heat = Path(__file__).parent / "filecheck/passes/morph-stencil-layout/morph.mlir"
    with pytest.raises(SystemExit) as caught:
        opt.main([str(heat), "--split-input-file", "-p", "morph-stencil-layout"])
    assert caught.value.code == INTERRUPTED
    assert capsys.readouterr().err == ""


def test_a_closed_output_pipe_ends_the_optimizer_quietly() -> None:
    # The pipe is closed before the tool writes (it takes a moment to start), so its first
    # write fails as under `| head -1` once the reader has gone.
    heat = Path(__file__).parent / "filecheck/passes/morph-stencil-layout/morph.mlir"
    command = [sys.executable, "-m", "sparse_stencil.tools.opt", str(heat), "--split-input-file"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    assert process.stderr is not None
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 0
    assert stderr == ""
