"""One benchmark: stencils x paths, on a GPU or on the PTX simulator, as a JSON document.

**Paths.** ``sparse`` (``mma.sp``), ``dense`` (``compile(..., sparsity="dense")``) and
``cuda-core`` (``compile(..., path="cuda-core")``, where this version's ``compile`` has that
keyword) are compiled kernels; ``cudnn`` is PyTorch's convolution
(:class:`~.gpu.TorchConv`); ``peer:PATH`` a peer binary (:mod:`~.peer`). ``sparse`` always
runs, first: the speed-ups are its own over each other path.

**On a GPU** (:class:`~.gpu.Gpu`), each result is first checked (one step from the random
input, :func:`~.check.check_step`, on :data:`CHECK_BUDGET` points at most): a wrong result
is recorded with its errors and never timed. Then ``warmup`` untimed runs and ``repeats``
timed runs of ``steps`` steps; GStencil/s is updated (interior) points x steps / the median
run's seconds. The device's copy bandwidth, measured in the same run, gives the DRAM
roofline: at best a step reads and writes each point once, ``2 x element bytes`` per point.
The arithmetic intensity is the useful flops per point (2 per non-zero coefficient) over
those bytes.

**With emulate**, the compiled paths' per-point warp-instruction profiles
(:meth:`Kernel.profile <sparse_stencil.compiler.Kernel.profile>`) are counted on the PTX
simulator: counted, not timed. With ``sass``, each kernel's SASS instruction mix
(:mod:`~.sass`) is added in either mode. Compiling (and counting) runs in ``jobs``
processes.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import inspect
import math
import multiprocessing
import platform
import statistics
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from sparse_stencil.backends import ptxas
from sparse_stencil.bench.check import (
    StepCheck,
    check_result,
    check_step,
    mma_bound,
    random_grid,
)
from sparse_stencil.bench.errors import BenchError
from sparse_stencil.bench.peer import check_peer, run_peer
from sparse_stencil.bench.sass import sass_summary
from sparse_stencil.bench.schema import SCHEMA_VERSION, validate
from sparse_stencil.compiler import Kernel, compile, to_device_bits
from sparse_stencil.dtypes import StorageType, storage_type
from sparse_stencil.errors import StencilError
from sparse_stencil.kernel.instruction import MmaInstruction, instruction_for
from sparse_stencil.stencil import Stencil

COMPILED_PATHS = ("sparse", "dense", "cuda-core")
OTHER_PATHS = ("cudnn",)
DEFAULT_BASELINES = "sparse,dense,cuda-core,cudnn"
CHECK_BUDGET = 1 << 18
"""Points a check compares at most (windows beyond; see :mod:`~.check`)."""
EMULATE_NOTE = "counted on the PTX simulator, not timed"

Progress = Callable[[str, int, int], None]
"""(stage, done, total)."""


@dataclass(frozen=True)
class BenchPath:
    """A path to measure: a compiled kernel, cuDNN, or a peer binary."""

    name: str
    peer: Path | None = None

    @property
    def compiled(self) -> bool:
        """Whether it is a kernel of this compiler."""
        return self.name in COMPILED_PATHS


def parse_baselines(text: str) -> tuple[BenchPath, ...]:
    """``sparse,dense,cuda-core,cudnn,peer:PATH`` -> the paths, ``sparse`` first."""
    paths = [BenchPath("sparse")]
    for item in (part.strip() for part in text.split(",")):
        if item.startswith("peer:"):
            location = Path(item.removeprefix("peer:"))
            if not item.removeprefix("peer:"):
                raise BenchError("'peer:' needs the peer binary's path, e.g. peer:./convstencil")
            check_peer(location)
            path = BenchPath(f"peer:{location}", location)
        elif item in COMPILED_PATHS or item in OTHER_PATHS:
            path = BenchPath(item)
        else:
            known = ", ".join((*COMPILED_PATHS, *OTHER_PATHS, "peer:PATH"))
            raise BenchError(f"unknown baseline '{item}': expected some of {known}")
        if path not in paths:
            paths.append(path)
    return tuple(paths)


@dataclass(frozen=True)
class Settings:
    """What one benchmark measures, and how."""

    shapes: tuple[tuple[int, ...], ...]
    steps: int
    dtype: str
    arch: str = "sm_80"
    paths: tuple[BenchPath, ...] = (BenchPath("sparse"),)
    emulate: bool = False
    sass: bool = False
    seed: int = 0
    warmup: int = 2
    repeats: int = 5
    jobs: int = 1
    check_budget: int = CHECK_BUDGET

    def shape_for(self, stencil: Stencil) -> tuple[int, ...] | None:
        """The grid of the stencil's dimensionality, if one was given."""
        return next((s for s in self.shapes if len(s) == stencil.dims), None)

    def check(self) -> None:
        """Raise :class:`BenchError` for settings that cannot give a fair measurement."""
        if self.steps < 1:
            raise BenchError(f"--steps must be at least 1, got {self.steps}")
        if self.repeats < 5:
            raise BenchError(
                f"--repeats must be at least 5 (the median of >= 5 runs), got {self.repeats}"
            )
        if self.warmup < 0:
            raise BenchError(f"--warmup must be >= 0, got {self.warmup}")
        dims = [len(s) for s in self.shapes]
        if len(set(dims)) != len(dims):
            raise BenchError("give at most one --shape per dimensionality (1-D, 2-D, 3-D)")


class Device(Protocol):
    """Where kernels run and are timed (:class:`~.gpu.Gpu`; tests use a fake)."""

    def describe(self) -> dict[str, Any]:
        """The device, clocks, driver and library versions."""
        ...

    def bandwidth(self) -> dict[str, float]:
        """``bytes``, ``seconds`` and ``gb_per_s`` of the copy kernel."""
        ...

    def step(
        self, kernel: Kernel, x: npt.NDArray[np.float64], steps: int
    ) -> npt.NDArray[np.float64]:
        """`steps` steps of `kernel` from `x` (one launch, for the check)."""
        ...

    def time(
        self, kernel: Kernel, x: npt.NDArray[np.float64], steps: int, warmup: int, repeats: int
    ) -> list[float]:
        """Seconds of each timed run of `steps` steps."""
        ...


class Conv(Protocol):
    """The cuDNN baseline (:class:`~.gpu.TorchConv`)."""

    def step(
        self, stencil: Stencil, storage: StorageType, x: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        """One step from `x`."""
        ...

    def time(
        self,
        stencil: Stencil,
        storage: StorageType,
        x: npt.NDArray[np.float64],
        steps: int,
        warmup: int,
        repeats: int,
    ) -> list[float]:
        """Seconds of each timed run of `steps` steps."""
        ...


def compile_path(
    stencil: Stencil, shape: Sequence[int], dtype: str, arch: str, path: str, profile: bool
) -> Kernel:
    """`stencil`'s kernel on the compiled `path`."""
    if path != "cuda-core":
        sparsity = "sparse" if path == "sparse" else "dense"
        return compile(stencil, shape, dtype, arch, sparsity=sparsity, profile=profile)
    if "path" not in inspect.signature(compile).parameters:
        raise BenchError(
            "the cuda-core path is not in this version: compile() has no path= keyword yet"
        )
    options: dict[str, Any] = {"path": "cuda-core", "profile": profile}
    return compile(stencil, shape, dtype, arch, **options)


@dataclass
class Built:
    """What compiling one (stencil, path) gave, from a worker process."""

    kernel: Kernel | None = None
    stats: dict[str, Any] | None = None
    profile: dict[str, float] | None = None
    sass: dict[str, int] | None = None
    sass_message: str | None = None
    error: str | None = None
    unavailable: bool = False


def build(stencil: Stencil, shape: tuple[int, ...], settings: Settings, path: str) -> Built:
    """Compile `stencil` on `path` (with emulate: count its profile; with sass: its mix)."""
    try:
        kernel = compile_path(stencil, shape, settings.dtype, settings.arch, path, settings.emulate)
    except BenchError as error:
        return Built(error=str(error), unavailable=True)
    except StencilError as error:
        return Built(error=str(error))
    stats = {k: v for k, v in kernel.stats.items() if k != "profile"}
    built = Built(None if settings.emulate else kernel, stats, kernel.stats.get("profile"))
    if settings.sass:
        try:
            built.sass = sass_summary(kernel)
        except StencilError as error:
            built.sass_message = str(error)
    return built


def _build_job(job: tuple[Stencil, tuple[int, ...], Settings, str]) -> Built:
    return build(*job)


@dataclass
class Benchmark:
    """One benchmark run; :meth:`run` gives the document."""

    named: list[tuple[str, Stencil]]
    settings: Settings
    device: Device | None = None
    conv: Callable[[], Conv] | None = None
    progress: Progress | None = None
    _conv: Conv | BenchError | None = field(default=None, init=False)
    _inputs: dict[tuple[int, ...], npt.NDArray[np.float64]] = field(
        default_factory=dict, init=False
    )

    def run(self, command: Sequence[str]) -> dict[str, Any]:
        """Measure everything; returns the document, validated against the schema."""
        self.settings.check()
        if not self.settings.emulate and self.device is None:
            raise BenchError("a GPU benchmark needs a device (or use --emulate)")
        device = None if self.settings.emulate else self.device
        bandwidth = device.bandwidth() if device is not None else None
        jobs = [
            (name, stencil, shape, path)
            for name, stencil in self.named
            if (shape := self.settings.shape_for(stencil)) is not None
            for path in self.settings.paths
        ]
        built = self._build_all(jobs)
        results: list[dict[str, Any]] = []
        for index, (name, stencil, shape, path) in enumerate(jobs):
            self._report("measuring", index, len(jobs))
            made = built.get(index, Built())
            results.append(self._result(name, stencil, shape, path, made, bandwidth))
        self._report("measuring", len(jobs), len(jobs))
        add_speedups(results)
        document = self._document(command, device, bandwidth, results)
        validate(document)
        return document

    def _report(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)

    def _build_all(
        self, jobs: list[tuple[str, Stencil, tuple[int, ...], BenchPath]]
    ) -> dict[int, Built]:
        """The compiled paths' builds, by job index, in `jobs` processes."""
        wanted = [
            (i, (s, shape, self.settings, p.name))
            for i, (_, s, shape, p) in enumerate(jobs)
            if p.compiled
        ]
        done: dict[int, Built] = {}
        self._report("compiling", 0, len(wanted))
        for count, (index, made) in enumerate(self._map(wanted), start=1):
            done[index] = made
            self._report("compiling", count, len(wanted))
        return done

    def _map(
        self, wanted: list[tuple[int, tuple[Stencil, tuple[int, ...], Settings, str]]]
    ) -> Iterator[tuple[int, Built]]:
        indices = [i for i, _ in wanted]
        arguments = [job for _, job in wanted]
        if self.settings.jobs <= 1 or len(wanted) <= 1:
            yield from zip(indices, map(_build_job, arguments), strict=True)
            return
        # spawned, not forked: the parent may hold a CUDA context (and PyTorch's threads)
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(self.settings.jobs, mp_context=spawn) as pool:
            yield from zip(indices, pool.map(_build_job, arguments), strict=True)

    def _result(
        self,
        name: str,
        stencil: Stencil,
        shape: tuple[int, ...],
        path: BenchPath,
        made: Built,
        bandwidth: dict[str, float] | None,
    ) -> dict[str, Any]:
        result: dict[str, Any] = {
            "stencil": name,
            "dims": stencil.dims,
            "points": sum(1 for c in stencil.coefficients if c != 0),
            "shape": list(shape),
            "path": path.name,
            "status": "error",
            "message": None,
            "check": None,
            "timing": None,
            "speedups": {},
        }
        if path.compiled:
            result.update(
                kernel=made.stats,
                redundancy=made.stats["redundancy"] if made.stats else None,
                profile=made.profile,
                sass=made.sass,
                sass_message=made.sass_message,
            )
            if made.error is not None:
                result.update(
                    status="unavailable" if made.unavailable else "error", message=made.error
                )
                return result
        if self.settings.emulate:
            if path.compiled:
                result.update(status="counted", message=EMULATE_NOTE)
            else:
                result.update(
                    status="skipped", message="not a kernel of this compiler: not on the simulator"
                )
            return result
        try:
            result.update(self._measure(stencil, shape, path, made, bandwidth, name))
        except BenchError as error:
            result.update(status="unavailable", message=str(error))
        except StencilError as error:
            result.update(status="error", message=str(error))
        return result

    def _measure(
        self,
        stencil: Stencil,
        shape: tuple[int, ...],
        path: BenchPath,
        made: Built,
        bandwidth: dict[str, float] | None,
        name: str,
    ) -> dict[str, Any]:
        settings = self.settings
        storage = storage_type(settings.dtype)
        if path.peer is not None:
            figure = run_peer(path.peer, name, shape, settings.steps, settings.dtype)
            timing = _timing(stencil, storage, figure, None, bandwidth)
            return {
                "status": "reported",
                "message": "reported by the peer, not checked here",
                "timing": timing,
            }
        x = self._input(shape)
        repeat = (settings.steps, settings.warmup, settings.repeats)
        if made.kernel is not None:
            kernel, device = made.kernel, self._device()
            launch = kernel.fuse  # the check covers one whole launch
            got = device.step(kernel, x, launch)
            check = check_step(kernel, x, got, settings.check_budget, launch)
            run = partial(device.time, kernel, x, *repeat)
        else:
            conv = self._conv_baseline()
            got = conv.step(stencil, storage, x)
            bound = mma_bound(stencil, storage, cudnn_instructions(stencil, storage))
            check = check_result(stencil, storage, bound, x, got, settings.check_budget)
            run = partial(conv.time, stencil, storage, x, *repeat)
        if not check.ok:
            return {
                "status": "wrong",
                "message": f"wrong result, not timed: {check.describe()}",
                "check": check_record(check),
            }
        seconds = run()
        median = statistics.median(seconds)
        updated = math.prod(n - 2 * r for n, r in zip(shape, stencil.radii, strict=True))
        figure = updated * settings.steps / median / 1e9
        timing = _timing(stencil, storage, figure, seconds, bandwidth)
        return {"status": "timed", "check": check_record(check), "timing": timing}

    def _device(self) -> Device:
        if self.device is None:
            raise BenchError("no device to run on")
        return self.device

    def _input(self, shape: tuple[int, ...]) -> npt.NDArray[np.float64]:
        if shape not in self._inputs:
            self._inputs[shape] = random_grid(shape, self.settings.seed)
        return self._inputs[shape]

    def _conv_baseline(self) -> Conv:
        if self._conv is None:
            if self.conv is None:
                self._conv = BenchError("no cudnn baseline in this run")
            else:
                try:
                    self._conv = self.conv()
                except BenchError as error:
                    self._conv = error
        if isinstance(self._conv, BenchError):
            raise self._conv
        return self._conv

    def _document(
        self,
        command: Sequence[str],
        device: Device | None,
        bandwidth: dict[str, float] | None,
        results: list[dict[str, Any]],
    ) -> dict[str, Any]:
        settings = self.settings
        document: dict[str, Any] = {
            "schema": SCHEMA_VERSION,
            "mode": "emulate" if settings.emulate else "gpu",
            "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "command": list(command),
            "settings": {
                "shapes": [list(s) for s in settings.shapes],
                "steps": settings.steps,
                "dtype": settings.dtype,
                "arch": settings.arch,
                "paths": [p.name for p in settings.paths],
                "seed": settings.seed,
                "warmup": settings.warmup,
                "repeats": settings.repeats,
                "check_budget": settings.check_budget,
            },
            "environment": environment(),
            "device": device.describe() if device is not None else None,
            "bandwidth": bandwidth,
            "results": results,
        }
        if settings.emulate:
            document["note"] = f"instruction profiles {EMULATE_NOTE}"
        return document


def cudnn_instructions(stencil: Stencil, storage: StorageType) -> list[MmaInstruction]:
    """The bound's model of cuDNN's step: dense MMAs with f32 accumulation over the whole
    (2r+1)^d window (an assumption about cuDNN: a result outside it is reported wrong)."""
    instruction = instruction_for(storage, sparse=False)
    window = math.prod(2 * r + 1 for r in stencil.radii)
    return [instruction] * -(-window // instruction.k)


def check_record(check: StepCheck) -> dict[str, Any]:
    """The check as the document records it."""
    return {
        "max_error": check.max_error,
        "rms_error": check.rms_error,
        "max_bound": check.max_bound,
        "worst_ratio": check.worst_ratio if math.isfinite(check.worst_ratio) else 1e300,
        "outside": check.outside,
        "points": check.points,
        "steps": check.steps,
        "ok": check.ok,
    }


def _timing(
    stencil: Stencil,
    storage: StorageType,
    gstencil: float,
    seconds: list[float] | None,
    bandwidth: dict[str, float] | None,
) -> dict[str, Any]:
    """GStencil/s with its flops, intensity and share of the DRAM roofline."""
    element = to_device_bits(np.zeros(1), storage).itemsize
    nonzeros = sum(1 for c in stencil.coefficients if c != 0)
    timing: dict[str, Any] = {
        "gstencil_per_s": gstencil,
        "gflop_per_s": gstencil * 2 * nonzeros,
        "intensity_flop_per_byte": 2 * nonzeros / (2 * element),
        "roofline_percent": None,
    }
    if seconds is not None:
        timing.update(seconds=seconds, median_seconds=statistics.median(seconds))
    if bandwidth is not None:
        roof = bandwidth["gb_per_s"] / (2 * element)
        timing["roofline_percent"] = 100 * gstencil / roof
    return timing


def add_speedups(results: list[dict[str, Any]]) -> None:
    """On each stencil's ``sparse`` result: its speed-up over each other path with a figure."""
    by_stencil: dict[str, list[dict[str, Any]]] = {}
    for result in results:
        by_stencil.setdefault(result["stencil"], []).append(result)
    for group in by_stencil.values():
        sparse = next((r for r in group if r["path"] == "sparse" and r.get("timing")), None)
        if sparse is None:
            continue
        mine = sparse["timing"]["gstencil_per_s"]
        for other in group:
            if other is not sparse and other.get("timing"):
                sparse["speedups"][other["path"]] = mine / other["timing"]["gstencil_per_s"]


def environment() -> dict[str, str | None]:
    """Versions of this package, Python, numpy and ptxas, and the host."""
    return {
        "sparse_stencil": importlib.metadata.version("sparse-stencil"),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "host": platform.node(),
        "platform": platform.platform(),
        "ptxas": ptxas.version() if ptxas.unavailable_reason() is None else None,
    }
