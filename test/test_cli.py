"""The `sparse-stencil` command line: its commands, and one clear error for bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from sparse_stencil import catalog
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
    # DESIGN.md's worked example: no 16-point tile of the 7x7 box needs fewer than 112.
    assert "box2d3r (2:4): tile" in out
    assert "-> 112 (lower bound 112)" in out
    assert "redundancy 1.14" in out


def test_layout_forces_a_tile_and_prints_l1(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        ["layout", "heat-1d", "--tile", "4", "--dtype", "float32", "--mlir"], capsys
    )
    assert status == 0
    assert "star1d1r (1:2): tile 4, K 6 -> 8" in out
    assert "sparse_layout.sparse_gemm <1:2> <4x6 -> 4x8> tile [4] halo [1]" in out


def test_layout_refuses_a_tile_of_the_wrong_rank(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["layout", "box2d3r", "--tile", "3,3,3"], capsys)
    assert status == 1
    assert err.startswith("error: tile [3, 3, 3] must have one positive extent per axis (2)")
