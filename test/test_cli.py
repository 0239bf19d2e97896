"""The `sparse-stencil` command line: its commands, and one clear error for bad input."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from sparse_stencil import Stencil, catalog
from sparse_stencil.tools.cli import main


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of `sparse-stencil ARGV`."""
    try:
        main(argv)
        status = 0
    except SystemExit as exit_:
        status = int(exit_.code or 0)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_catalog_lists_every_stencil(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["catalog"], capsys)
    assert status == 0
    for name in catalog.names():
        assert name in out
    assert f"{len(catalog.names())} stencils" in out


def test_catalog_filters_by_domain(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["catalog", "--domain", "image"], capsys)
    image = [e.id for e in catalog.entries() if "image" in e.domain]
    assert status == 0
    assert image
    assert f"{len(image)} stencils" in out


def test_show_prints_weights_and_the_program(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["show", "heat-2d", "--shape", "16x16", "--steps", "3"], capsys)
    assert status == 0
    assert "star2d1r: 2-D, radius 1, 5 points" in out
    assert f"source: {catalog.entry('star2d1r').source}" in out
    assert "lstencil.apply %1 to %0 steps 3 : !lstencil.grid<16x16xf16>" in out


def test_show_reads_an_mlir_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "heat.mlir"
    path.write_text(catalog.get("box2d1r").to_mlir((9, 9)))
    status, out, _ = run(["show", str(path)], capsys)
    assert status == 0
    assert "2-D, radius 1, 9 points" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["show", "box2d3"], "error: unknown stencil 'box2d3'; did you mean box2d3r"),
        (
            ["show", "box2d3r", "--shape", "5x64"],
            "error: grid (5, 64) is smaller than the stencil: axis 0 has 5 points",
        ),
        (["show", "box2d3r", "--shape", "64"], "error: grid of rank 1 (64,) does not match"),
        (["show", "no/such/file.mlir"], "error: no/such/file.mlir: no such file"),
        (["catalog", "--domain", "astrology"], "error: no catalog stencil has a domain"),
        (["show", "gradient2d"], "error: gradient2d (AN5D) is nonlinear"),
    ],
)
def test_bad_input_gets_one_error_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(argv, capsys)
    assert status == 1
    assert err.startswith(message)
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_bad_shape_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["show", "box2d1r", "--shape", "axb"], capsys)
    assert status == 2
    assert "'axb' is not a shape like 64x64" in err


def test_layout_reports_the_chosen_tile(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["layout", "box2d3r"], capsys)
    assert status == 0
    # docs/design.md §4.1's worked example: no 16-point tile of the 7x7 box needs fewer than 112.
    assert "box2d3r (2:4): tile" in out
    assert "-> 112 (lower bound 112)" in out
    assert "redundancy 1.14" in out


def test_layout_forces_a_tile_and_prints_l1(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(
        ["layout", "heat-1d", "--tile", "4", "--dtype", "float32", "--mlir"], capsys
    )
    assert status == 0
    assert "star1d1r (1:2): tile 4, K 6 -> 8" in err
    assert out.startswith("builtin.module {")
    assert "sparse_layout.sparse_gemm <1:2> <4x6 -> 4x8> tile [4] halo [1]" in out


@pytest.mark.parametrize("tile", ["8x2", "8,2", "8X2"])
def test_a_tile_is_written_as_tables_print_it_or_with_commas(
    tile: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(["layout", "box2d3r", "--tile", tile], capsys)
    assert status == 0
    assert "box2d3r (2:4): tile 8x2, K 112 -> 112" in out


def test_a_bad_tile_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["layout", "box2d3r", "--tile", "8-2"], capsys)
    assert status == 2
    assert "'8-2' is not a tile like 8x2 or 8,2" in err


def test_show_mlir_is_the_program_alone(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["show", "box2d1r", "--shape", "16x16", "--mlir"], capsys)
    assert status == 0
    assert Stencil.from_mlir(out) == catalog.get("box2d1r")
    assert out.startswith("builtin.module {")
    assert "box2d1r: 2-D, radius 1, 9 points" in err


@pytest.mark.parametrize(
    "command", [["show", "box2d1r", "--shape", "16x16"], ["layout", "box2d1r"]]
)
def test_output_writes_the_mlir_to_a_file(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "out.mlir"
    status, out, _ = run([*command, "-o", str(path)], capsys)
    assert status == 0
    assert "builtin.module" not in out
    assert "box2d1r" in out
    assert path.read_text().startswith("builtin.module {")


def test_an_unwritable_output_is_one_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "missing" / "out.mlir"
    status, _, err = run(["show", "box2d1r", "-o", str(path)], capsys)
    assert status == 1
    assert err == f"error: cannot write '{path}': No such file or directory\n"


def test_mlir_and_output_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["layout", "box2d1r", "--mlir", "-o", "x.mlir"], capsys)
    assert status == 2
    assert "not allowed with argument --mlir" in err


@pytest.mark.parametrize("flag", [["--steps", "3"], ["--dtype", "float32"]])
def test_show_refuses_program_flags_without_a_shape(
    flag: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(["show", "box2d1r", *flag], capsys)
    assert status == 1
    assert out == ""
    assert err == f"error: {flag[0]} has no effect without --shape\n"


def test_layout_shows_progress_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The bar goes to stderr (a terminal here), so stdout still holds the MLIR alone."""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    status, out, err = run(["layout", "box2d1r", "--mlir"], capsys)
    assert status == 0
    assert out.startswith("builtin.module {")
    assert "converting tiles" in err


def test_layout_refuses_a_tile_of_the_wrong_rank(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["layout", "box2d3r", "--tile", "3,3,3"], capsys)
    assert status == 1
    assert err.startswith("error: tile [3, 3, 3] must have one positive extent per axis (2)")


def test_compile_prints_the_ptx_and_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["compile", "heat-2d", "--shape", "20x24"], capsys)
    assert status == 0
    assert out.startswith(".version ")
    assert ".target sm_80\n" in out
    assert ".visible .entry star2d1r_f16_sparse(" in out
    assert "mma.sp::ordered_metadata" in out
    assert err.startswith("star2d1r_f16_sparse: mma.sp.m16n8k32.f16 tile ")
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--sparsity", "dense"], "mma.sync.aligned.m16n8k16"),
        (["--arch", "sm_90"], ".target sm_90\n"),
        (["--dtype", "float32", "--fuse-steps", "1"], ".visible .entry star2d1r_f32_sparse("),
        (["--tile", "4x4", "--fuse-steps", "1"], ".visible .entry star2d1r_f16_sparse("),
        (["--fuse-steps", "2"], ".visible .entry star2d1r_f16_sparse_x2("),
    ],
)
def test_compile_options_reach_the_kernel(
    flags: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(["compile", "heat-2d", "--shape", "20x24", *flags], capsys)
    assert status == 0
    assert expected in out


def test_compile_forces_the_tile(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(
        ["compile", "heat-2d", "--shape", "20x24", "--tile", "4x4", "--stats"], capsys
    )
    assert status == 0
    assert json.loads(out)["tile"] == "4x4"
    assert " tile 4x4 " in err


def test_compile_stats_are_json_instead_of_the_ptx(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["compile", "heat-2d", "--shape", "20x24", "--stats"], capsys)
    assert status == 0
    stats = json.loads(out)
    assert stats["instruction"] == "mma.sp.m16n8k32.f16"
    assert stats["launch"]["block"][0] % 32 == 0
    assert ".entry" not in out
    assert err.startswith("star2d1r_f16_sparse: ")


def test_compile_writes_the_ptx_to_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "kernel.ptx"
    status, out, err = run(["compile", "heat-1d", "--shape", "40", "-o", str(path)], capsys)
    assert status == 0
    assert out == ""
    entry = re.search(r"^(star1d1r_f16_sparse(_x\d)?): ", err)
    assert entry is not None
    assert f".visible .entry {entry.group(1)}(" in path.read_text()


def test_compile_writes_the_ptx_and_prints_the_stats(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "kernel.ptx"
    status, out, _ = run(
        ["compile", "heat-1d", "--shape", "40", "-o", str(path), "--stats"], capsys
    )
    assert status == 0
    assert json.loads(out)["instruction"] == "mma.sp.m16n8k32.f16"
    assert path.read_text().startswith(".version ")


def test_compile_reads_an_mlir_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "heat.mlir"
    path.write_text(catalog.get("star2d1r").to_mlir((9, 9)))
    status, out, _ = run(["compile", str(path), "--shape", "20x24"], capsys)
    assert status == 0
    # A stencil read from a file has no catalog name to give its kernel.
    assert ".visible .entry stencil_f16_sparse(" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["compile", "box2d3r", "--shape", "5x64"],
            "error: grid (5, 64) is smaller than the stencil: axis 0 has 5 points",
        ),
        (["compile", "heat-2d", "--shape", "20"], "error: grid of rank 1 (20,) does not match"),
        (["compile", "heat-2d", "--shape", "20x24", "--tile", "4x4x4"], "error: tile [4, 4, 4]"),
        (["compile", "no/such/file.mlir", "--shape", "20x24"], "error: no/such/file.mlir: no"),
    ],
)
def test_compile_bad_input_gets_one_error_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(argv, capsys)
    assert status == 1
    assert out == ""
    assert err.startswith(message)
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["compile", "heat-2d"], "the following arguments are required: --shape"),
        (
            ["compile", "heat-2d", "--shape", "20x24", "--arch", "sm_75"],
            "argument --arch: invalid choice: 'sm_75'",
        ),
        (
            ["compile", "heat-2d", "--shape", "20x24", "--sparsity", "half"],
            "argument --sparsity: invalid choice: 'half'",
        ),
    ],
)
def test_compile_usage_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(argv, capsys)
    assert status == 2
    assert message in err
