"""The benchmark package: the check, the JSON schema, paths and baselines, peers, SASS and
plots, with a fake device (no GPU); the GPU tests skip with a reason where there is none."""

from __future__ import annotations

import copy
import inspect
import json
import stat
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from sparse_stencil import catalog
from sparse_stencil.bench import sass
from sparse_stencil.bench.check import check_step, random_grid, windows
from sparse_stencil.bench.errors import BenchError
from sparse_stencil.bench.peer import parse_peer_output
from sparse_stencil.bench.run import run_kernel, stepper
from sparse_stencil.bench.runner import (
    Benchmark,
    BenchPath,
    Settings,
    parse_baselines,
)
from sparse_stencil.bench.schema import SCHEMA, validate
from sparse_stencil.compiler import Kernel, compile
from sparse_stencil.runtime import RuntimeUnavailable

Grid = npt.NDArray[np.float64]
SHAPE = (24, 24)


class FakeDevice:
    """Runs kernels on the simulator; `wrong` adds an error to one point of every step."""

    def __init__(self, wrong: bool = False) -> None:
        self.wrong = wrong
        self.timed = 0

    def describe(self) -> dict[str, Any]:
        return {"name": "fake"}

    def bandwidth(self) -> dict[str, float]:
        return {"bytes": 1e9, "seconds": 1e-3, "gb_per_s": 2000.0}

    def step(self, kernel: Kernel, x: Grid, steps: int) -> Grid:
        got = kernel.emulate(x, steps)
        if self.wrong:
            got[5, 7] += 0.125
        return got

    def time(self, kernel: Kernel, x: Grid, steps: int, warmup: int, repeats: int) -> list[float]:
        self.timed += 1
        return [1e-3 * steps] * repeats


def settings(**changes: Any) -> Settings:
    options: dict[str, Any] = {
        "shapes": (SHAPE,),
        "steps": 3,
        "dtype": "float16",
        "paths": (BenchPath("sparse"), BenchPath("dense")),
        **changes,
    }
    return Settings(**options)


def heat() -> list[tuple[str, Any]]:
    return [("heat-2d", catalog.get("heat-2d"))]


def test_a_checked_result_is_timed_with_its_figures() -> None:
    device = FakeDevice()
    document = Benchmark(heat(), settings(), device).run(["test"])
    sparse, dense = document["results"]
    assert sparse["status"] == dense["status"] == "timed"
    assert sparse["check"]["ok"]
    interior = (SHAPE[0] - 2) * (SHAPE[1] - 2)
    assert sparse["timing"]["gstencil_per_s"] == pytest.approx(interior * 3 / 3e-3 / 1e9)
    assert sparse["timing"]["roofline_percent"] == pytest.approx(
        100 * sparse["timing"]["gstencil_per_s"] / (2000 / 4)
    )
    assert sparse["speedups"] == {"dense": pytest.approx(1.0)}
    assert device.timed == 2


def test_a_wrong_result_is_reported_and_never_timed() -> None:
    device = FakeDevice(wrong=True)
    document = Benchmark(heat(), settings(), device).run(["test"])
    for result in document["results"]:
        assert result["status"] == "wrong"
        assert result["timing"] is None
        assert result["check"]["outside"] == 1
        assert result["message"].startswith("wrong result, not timed: max error 0.125")
    assert device.timed == 0


def test_emulate_counts_profiles_and_skips_what_cannot_run_there() -> None:
    paths = parse_baselines("dense,cudnn")
    document = Benchmark(heat(), settings(emulate=True, paths=paths)).run(["test"])
    by_path = {r["path"]: r for r in document["results"]}
    assert by_path["sparse"]["status"] == "counted"
    assert by_path["sparse"]["profile"]["mma"] > 0
    assert by_path["cudnn"]["status"] == "skipped"
    assert "not timed" in document["note"]


def test_cuda_core_is_checked_and_timed_or_unavailable() -> None:
    paths = parse_baselines("cuda-core")
    result = Benchmark(heat(), settings(paths=paths), FakeDevice()).run(["test"])["results"][1]
    if "path" in inspect.signature(compile).parameters:
        assert result["status"] == "timed", result["message"]
        assert result["check"]["ok"]
    else:
        assert result["status"] == "unavailable"
        assert "compile() has no path= keyword" in result["message"]


def test_the_check_refuses_an_error_beyond_the_bound() -> None:
    kernel = compile(catalog.get("box2d1r"), SHAPE, assemble=False)
    x = random_grid(SHAPE, 1)
    got = kernel.emulate(x, 1)
    assert check_step(kernel, x, got).ok
    got[10, 10] += 2 * check_step(kernel, x, got).max_bound
    check = check_step(kernel, x, got)
    assert not check.ok
    assert check.outside == 1
    assert "OUTSIDE at 1 points" in check.describe()


def test_the_check_on_windows_covers_edges_and_centre() -> None:
    boxes = windows((100, 90), (1, 2), budget=9 * 10 * 10)
    assert len(boxes) == 9
    compared = {(b[0].start, b[0].stop) for _, b in boxes}
    assert (0, 9) in compared  # the low edge with its band, a radius short of the crop
    assert any(stop == 100 for _, stop in compared)
    kernel = compile(catalog.get("heat-2d"), (100, 90), assemble=False)
    x = random_grid((100, 90), 2)
    check = check_step(kernel, x, kernel.emulate(x, 1), budget=900)
    assert check.ok
    assert check.points < 100 * 90


def test_run_checks_every_step_and_reports_the_drift() -> None:
    kernel = compile(catalog.get("heat-2d"), SHAPE, assemble=False)
    outcome = run_kernel(kernel, random_grid(SHAPE, 0), 3, stepper(kernel, True), True)
    assert outcome.check is not None
    assert outcome.check.ok
    assert outcome.check.steps == 3
    assert outcome.drift is not None
    assert outcome.drift.steps == 3


def test_the_gpu_stepper_says_what_is_missing_without_a_gpu() -> None:
    if _gpu_reason() is None:
        pytest.skip("a GPU is here: the unavailable path cannot be shown")
    kernel = compile(catalog.get("heat-2d"), SHAPE, assemble=False)
    with pytest.raises(RuntimeUnavailable, match=r"pycuda|GPU|CUDA"):
        stepper(kernel, False)(random_grid(SHAPE, 0), 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sparse,tensor", "unknown baseline 'tensor': expected some of sparse, dense"),
        ("peer:", "'peer:' needs the peer binary's path"),
        ("peer:/no/such/peer", "peer binary '/no/such/peer' does not exist"),
    ],
)
def test_bad_baselines_are_refused(text: str, message: str) -> None:
    with pytest.raises(BenchError, match=message.replace("(", r"\(")):
        parse_baselines(text)


def test_a_peer_must_be_executable(tmp_path: Path) -> None:
    peer = tmp_path / "peer"
    peer.write_text("#!/bin/sh\n")
    with pytest.raises(BenchError, match="is not executable"):
        parse_baselines(f"peer:{peer}")


def test_baselines_put_sparse_first_once() -> None:
    names = [p.name for p in parse_baselines("dense,sparse,cudnn,dense")]
    assert names == ["sparse", "dense", "cudnn"]


def test_a_peer_reports_its_figure(tmp_path: Path) -> None:
    peer = tmp_path / "peer"
    peer.write_text('#!/bin/sh\necho "args: $*"\necho "GStencil/s: 12.5"\n')
    peer.chmod(peer.stat().st_mode | stat.S_IXUSR)
    paths = parse_baselines(f"peer:{peer}")
    document = Benchmark(heat(), settings(paths=paths), FakeDevice()).run(["test"])
    result = document["results"][1]
    assert result["status"] == "reported"
    assert result["timing"]["gstencil_per_s"] == 12.5
    assert "speedups" in document["results"][0]


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ("nothing here", "printed no line 'GStencil/s: <float>'"),
        ("GStencil/s: fast", "printed 'GStencil/s: fast', not a number"),
        ("GStencil/s: -1", "not a positive number"),
    ],
)
def test_bad_peer_output_is_refused(output: str, message: str) -> None:
    with pytest.raises(BenchError, match=message.replace("(", r"\(")):
        parse_peer_output(output, Path("peer"))


def test_failing_peer_is_reported(tmp_path: Path) -> None:
    peer = tmp_path / "peer"
    peer.write_text("#!/bin/sh\necho oops >&2\nexit 3\n")
    peer.chmod(peer.stat().st_mode | stat.S_IXUSR)
    paths = parse_baselines(f"peer:{peer}")
    document = Benchmark(heat(), settings(paths=paths), FakeDevice()).run(["test"])
    assert document["results"][1]["status"] == "unavailable"
    assert "exited with status 3: oops" in document["results"][1]["message"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"steps": 0}, "--steps must be at least 1"),
        ({"repeats": 4}, "--repeats must be at least 5"),
        ({"warmup": -1}, "--warmup must be >= 0"),
        ({"shapes": ((8, 8), (9, 9))}, "at most one --shape per dimensionality"),
    ],
)
def test_unfair_settings_are_refused(change: dict[str, Any], message: str) -> None:
    with pytest.raises(BenchError, match=message):
        Benchmark(heat(), settings(**change), FakeDevice()).run(["test"])


def recorded() -> dict[str, Any]:
    return Benchmark(heat(), settings(), FakeDevice()).run(["test"])


def test_the_schema_accepts_a_document_and_names_what_breaks_it() -> None:
    document = recorded()
    validate(document)
    assert SCHEMA["properties"]["schema"]["enum"] == [document["schema"]]
    broken = copy.deepcopy(document)
    del broken["results"][0]["path"]
    with pytest.raises(BenchError, match=r"\$.results\[0\]: 'path' is missing"):
        validate(broken)
    broken = copy.deepcopy(document)
    broken["results"][1]["status"] = "fast"
    with pytest.raises(BenchError, match=r"\$.results\[1\].status: 'fast' is not one of"):
        validate(broken)
    broken = copy.deepcopy(document)
    broken["settings"]["steps"] = True
    with pytest.raises(BenchError, match=r"\$.settings.steps: expected integer"):
        validate(broken)
    broken = copy.deepcopy(document)
    broken["extra"] = 1
    with pytest.raises(BenchError, match=r"\$: unexpected key 'extra'"):
        validate(broken)
    json.dumps(document)  # plain JSON


def test_the_plot_is_drawn_from_a_recorded_document(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="plots need matplotlib (the plot extra)")
    from sparse_stencil.bench.plot import plot

    path = tmp_path / "bench.json"
    path.write_text(json.dumps(recorded()))
    titles = plot(json.loads(path.read_text()), tmp_path / "bench.png")
    assert titles == ["GStencil/s per stencil and path", "roofline"]
    assert (tmp_path / "bench.png").read_bytes()[:4] == b"\x89PNG"
    emulated = Benchmark(heat(), settings(emulate=True)).run(["test"])
    assert "not timed" in plot(emulated, tmp_path / "emulated.png")[0]


def test_nothing_to_plot_is_an_error(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="plots need matplotlib (the plot extra)")
    from sparse_stencil.bench.plot import plot

    document = Benchmark(heat(), settings(), FakeDevice(wrong=True)).run(["test"])
    with pytest.raises(BenchError, match="nothing to plot"):
        plot(document, tmp_path / "x.png")


SASS_TEXT = """
        /*0960*/                   HMMA.SP.16832.F32 R28, R12, R28, RZ, R2, 0x0 ;
        /*0970*/              @!P0 LDG.E.128.CONSTANT R4, [R2.64] ;
        /*0980*/                   HMMA.16816.F32 R0, R4, R6, R0 ;
        /*0990*/                   LDSM.16.M88.4 R8, [R3] ;
        /*09a0*/                   LDS.128 R8, [R3] ;
        /*09b0*/                   STL [R1], R2 ;
        /*09c0*/                   EXIT ;
"""


def test_the_sass_mix_counts_opcode_groups() -> None:
    mix = sass.instruction_mix(SASS_TEXT)
    assert mix["HMMA.SP"] == mix["HMMA"] == mix["LDSM"] == mix["LDS"] == mix["LDG"] == 1
    assert mix["STL"] == 1
    assert mix["total"] == 7


def test_the_sass_of_a_kernel() -> None:
    reason = sass.unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    mix = sass.sass_summary(compile(catalog.get("heat-2d"), (64, 64)))
    assert mix["HMMA.SP"] > 0
    assert mix["LDL"] == mix["STL"] == 0


def _gpu_reason() -> str | None:
    from sparse_stencil.runtime.launcher import pycuda_driver

    try:
        pycuda_driver()
    except RuntimeUnavailable as error:
        return f"no GPU here: {error}"
    return None


def test_gpu_bench_checks_then_times_kernels() -> None:
    reason = _gpu_reason()
    if reason is not None:
        pytest.skip(reason)
    from sparse_stencil.bench.gpu import Gpu

    paths = parse_baselines("dense")
    shapes = ((1024, 1024),)
    bench = Benchmark(heat(), Settings(shapes, 10, "float16", paths=paths), Gpu())
    document = bench.run(["test"])
    assert document["bandwidth"]["gb_per_s"] > 0
    assert document["device"]["name"]
    for result in document["results"]:
        assert result["status"] == "timed", result["message"]
        assert result["check"]["ok"]
        assert len(result["timing"]["seconds"]) == 5


def test_gpu_cudnn_baseline_is_checked_then_timed() -> None:
    reason = _gpu_reason()
    if reason is not None:
        pytest.skip(reason)
    from sparse_stencil.bench.gpu import Gpu, TorchConv

    try:
        TorchConv()
    except BenchError as error:
        pytest.skip(str(error))
    paths = parse_baselines("cudnn")
    shapes = ((1024, 1024),)
    bench = Benchmark(heat(), Settings(shapes, 10, "float16", paths=paths), Gpu(), TorchConv)
    result = bench.run(["test"])["results"][1]
    assert result["status"] in ("timed", "wrong"), result["message"]
