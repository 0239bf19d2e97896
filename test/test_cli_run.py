"""`sparse-stencil run` and `sparse-stencil bench`: arguments, output and every error."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sparse_stencil.bench.schema import validate
from sparse_stencil.tools.cli import main

ROOT = Path(__file__).resolve().parent.parent


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of `sparse-stencil ARGV`."""
    try:
        main(argv)
        status = 0
    except SystemExit as exit_:
        status = int(exit_.code or 0)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_run_on_the_simulator_checks_every_step(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["run", "heat-2d", "--shape", "32x32", "--steps", "2", "--emulate", "--check"]
    status, out, err = run(argv, capsys)
    assert status == 0, err
    assert "2 steps of star2d1r_f16_sparse on the PTX simulator" in out
    assert "input uniform on [-1.0, 1.0) (seed 0)" in out
    assert "within the bound (2048 points, 2 steps checked one at a time)" in out
    assert "drift, 2 kernel steps against 2 reference steps" in out
    assert "star2d1r_f16_sparse: mma.sp" in err


def test_run_without_a_gpu_says_what_is_missing(capsys: pytest.CaptureFixture[str]) -> None:
    from sparse_stencil.runtime import RuntimeUnavailable
    from sparse_stencil.runtime.launcher import pycuda_driver

    try:
        pycuda_driver()
    except RuntimeUnavailable as error:
        reason = str(error)
    else:
        pytest.skip("a GPU is here: the error cannot be shown")
    status, _, err = run(["run", "heat-2d", "--shape", "32x32"], capsys)
    assert status == 1
    assert err.splitlines()[-1] == f"error: {reason}"


def test_bench_emulate_writes_a_valid_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_json = tmp_path / "b.json"
    argv = ["bench", "heat-1d", "--shape", "256", "--emulate", "--jobs", "1"]
    status, out, err = run([*argv, "--json", str(out_json)], capsys)
    assert status == 0, err
    assert "counted on the PTX simulator, not timed" in out
    document = json.loads(out_json.read_text())
    validate(document)
    assert document["mode"] == "emulate"
    assert {r["path"] for r in document["results"]} == {"sparse", "dense", "cuda-core", "cudnn"}


def test_bench_shows_and_plots_a_recorded_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("matplotlib", reason="plots need matplotlib (the plot extra)")
    recorded = tmp_path / "b.json"
    argv = ["bench", "heat-1d", "--shape", "256", "--emulate", "--baselines", "dense"]
    assert run([*argv, "--jobs", "1", "--json", str(recorded)], capsys)[0] == 0
    picture = tmp_path / "b.png"
    status, out, err = run(["bench", "--from-json", str(recorded), "--plot", str(picture)], capsys)
    assert status == 0, err
    assert "heat-1d" in out
    assert picture.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["bench", "heat-2d", "--emulate"], "bench needs --shape (one per dimensionality)"),
        (["bench", "--shape", "8x8", "--emulate"], "name the stencils to benchmark, or give --all"),
        (
            ["bench", "heat-2d", "--all", "--shape", "8x8", "--emulate"],
            "name the stencils to benchmark, or give --all (not both)",
        ),
        (["bench", "heat-2d", "--shape", "64", "--emulate"], "'heat-2d' is 2-D, and no --shape"),
        (
            ["bench", "heat-2d", "--shape", "8x8", "--baselines", "gpu", "--emulate"],
            "unknown baseline 'gpu'",
        ),
        (
            ["bench", "heat-2d", "--shape", "8x8", "--repeats", "3", "--emulate"],
            "--repeats must be at least 5",
        ),
        (["bench", "heat-2d", "--shape", "8x8", "--jobs", "0"], "--jobs must be at least 1"),
        (
            ["bench", "heat-2d", "--from-json", "x.json", "--emulate"],
            "--from-json shows a recorded benchmark: --stencils, --emulate cannot be given",
        ),
        (["bench", "--from-json", "/no/such.json"], "cannot read '/no/such.json'"),
        (["run", "heat-2d", "--shape", "8x8", "--steps", "-1", "--emulate"], "steps must be >= 0"),
    ],
)
def test_errors(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(argv, capsys)
    assert status == 1
    assert err.splitlines()[-1].startswith("error: ")
    assert message in err
    assert "Traceback" not in err


def test_a_file_that_is_not_a_document_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "x.json"
    path.write_text("{")
    assert "is not JSON" in run(["bench", "--from-json", str(path)], capsys)[2]
    path.write_text('{"schema": 1}')
    err = run(["bench", "--from-json", str(path)], capsys)[2]
    assert f"'{path}' is not a benchmark document: $: 'mode' is missing" in err


def test_gpu_check_dry_run(tmp_path: Path) -> None:
    completed = subprocess.run(
        ["bash", str(ROOT / "scripts" / "gpu_check.sh"), "--dry-run"],
        capture_output=True,
        text=True,
        env={"OUT": str(tmp_path), "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"},
        check=False,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "would run: " in completed.stdout
    document = json.loads((tmp_path / "bench-dry-run.json").read_text())
    validate(document)
    assert document["mode"] == "emulate"


def test_bench_writes_its_tables_as_markdown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recorded = tmp_path / "b.json"
    argv = ["bench", "heat-1d", "--shape", "256", "--emulate", "--baselines", "dense"]
    assert run([*argv, "--jobs", "1", "--json", str(recorded)], capsys)[0] == 0
    table = tmp_path / "b.md"
    status, _, err = run(["bench", "--from-json", str(recorded), "--markdown", str(table)], capsys)
    assert status == 0, err
    lines = table.read_text().splitlines()
    assert lines[0] == "per-point profile, counted on the PTX simulator, not timed:"
    assert lines[2].startswith("| stencil | path | mma |")
    assert [line.split(" | ")[:2] for line in lines[4:6]] == [
        ["| heat-1d", "sparse"],
        ["| heat-1d", "dense"],
    ]
