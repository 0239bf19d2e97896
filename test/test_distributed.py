"""Distributed runs (:mod:`sparse_stencil.distributed`): the decomposition's geometry, the
halo declarations, the round's pieces (all checked in one process), and whole MPI jobs
under ``mpiexec -n 1..4`` on the reference and the PTX simulator, whose results must equal
one rank's bit for bit (integer grids, dyadic coefficients: see compiled_cases.py).

Run as a script under mpiexec, this file is the jobs' worker (see :func:`_worker`).
"""

from __future__ import annotations

import ctypes.util
import json
import math
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sparse_stencil import Stencil, catalog, reference
from sparse_stencil.distributed.decomposition import Decomposition, Subdomain, split
from sparse_stencil.distributed.engines import ReferenceEngine, cuda_aware
from sparse_stencil.distributed.failures import CollectiveError
from sparse_stencil.distributed.halo import (
    declared_box,
    exchange_declarations,
    exchange_directions,
)
from sparse_stencil.distributed.schedule import RoundPlan, run_round
from sparse_stencil.distributed.topology import choose_topology

sys.path.insert(0, str(Path(__file__).parent))
from compiled_cases import dyadic_stencils, dyadic_variant, integer_grid

BIN = Path(sys.executable).parent
MPIEXEC = shutil.which("mpiexec", path=str(BIN)) or shutil.which("mpiexec")
try:
    import mpi4py  # noqa: F401

    NO_MPI = None if MPIEXEC else "no mpiexec: pip install '.[mpi]' (MPICH)"
except ImportError:
    NO_MPI = "mpi4py is not installed: pip install '.[mpi]'"
needs_mpi = pytest.mark.skipif(NO_MPI is not None, reason=NO_MPI or "")
JOB_TIMEOUT = 120
"""Seconds a test's MPI job may take before the test fails (every job is bounded)."""


# -- geometry, in one process -----------------------------------------------------------


def test_split_is_even_with_the_longer_parts_first() -> None:
    assert split(10, 3) == (0, 4, 7, 10)
    assert split(8, 4) == (0, 2, 4, 6, 8)
    assert split(5, 1) == (0, 5)


def test_subdomains_tile_the_grid_with_halos_only_toward_neighbours() -> None:
    stencil = catalog.get("star2d2r")
    decomposition = Decomposition.of(stencil, (25, 20), (3, 2), steps_per_exchange=2)
    owner = np.zeros((25, 20), dtype=int)
    for sub in decomposition.subdomains():
        owner[sub.global_slice] += 1
        for axis, (c, p) in enumerate(zip(sub.coords, sub.topology, strict=True)):
            assert sub.lower[axis] == (4 if c > 0 else 0)
            assert sub.upper[axis] == (4 if c < p - 1 else 0)
    assert np.all(owner == 1)
    assert [s.core[0] for s in decomposition.subdomains()][::2] == [9, 8, 8]


@pytest.mark.parametrize(
    ("shape", "topology", "k", "message"),
    [
        ((24, 20), (2, 2, 1), 1, "topology 2x2x1 has 3 axes, the grid has 2"),
        ((24, 20), (8, 1), 4, "8 ranks on axis 0 leave subdomains of 3 points, thinner than"),
        ((24, 20), (1, 1), 0, "steps per exchange must be at least 1, got 0"),
        ((2, 20), (1, 1), 1, "axis 0 has 2 points, the stencil needs at least 3"),
    ],
)
def test_bad_decompositions_are_refused_in_one_line(
    shape: tuple[int, ...], topology: tuple[int, ...], k: int, message: str
) -> None:
    with pytest.raises(CollectiveError, match=message) as raised:
        Decomposition.of(catalog.get("heat-2d"), shape, topology, k)
    assert "\n" not in str(raised.value)


def test_a_given_topology_must_match_the_ranks() -> None:
    assert choose_topology(4, 2, (4, 1)) == (4, 1)
    with pytest.raises(CollectiveError, match="topology 2x2 has 4 ranks, the job has 3"):
        choose_topology(3, 2, (2, 2))


@pytest.mark.parametrize(
    ("name", "k", "expected"),
    [
        ("heat-2d", 1, 4),  # a star: faces only
        ("heat-2d", 2, 8),  # two steps of a star reach the diagonal neighbours
        ("box2d1r", 1, 8),
        ("star3d1r", 2, 18),  # faces and edges, not the corners
        ("star3d1r", 3, 26),
        ("box3d1r", 1, 26),
        ("star1d2r", 4, 2),
    ],
)
def test_exchange_directions(name: str, k: int, expected: int) -> None:
    assert len(exchange_directions(catalog.get(name), k)) == expected


def test_an_upwind_stencil_only_receives_from_upstream() -> None:
    upwind = Stencil({(0, 0): 0.5, (-1, 0): 0.25, (0, -1): 0.25})
    assert exchange_directions(upwind, 1) == ((-1, 0), (0, -1))
    assert exchange_directions(upwind, 2) == ((-1, 0), (0, -1), (-1, -1))


def test_every_received_box_is_the_box_the_neighbour_sends() -> None:
    stencil = catalog.get("box3d1r")
    decomposition = Decomposition.of(stencil, (11, 10, 13), (3, 2, 2), 2)
    directions = exchange_directions(stencil, 2)
    by_coords = {s.coords: s for s in decomposition.subdomains()}
    count = 0
    for sub in decomposition.subdomains():
        for declaration in exchange_declarations(sub, directions):
            neighbour = by_coords[tuple(np.add(sub.coords, declaration.neighbor))]
            opposite = tuple(-d for d in declaration.neighbor)
            (answer,) = [
                d for d in exchange_declarations(neighbour, directions) if d.neighbor == opposite
            ]
            source = answer.source_area()
            sent = _global(neighbour, declared_box(source.offset, source.size))
            received = _global(sub, declared_box(declaration.offset, declaration.size))
            assert sent == received
            assert all(
                0 <= a and b <= n
                for (a, b), n in zip(
                    declared_box(source.offset, source.size), neighbour.core, strict=True
                )
            )
            count += 1
    # One declaration per ordered pair of neighbouring ranks.
    assert count == sum(
        math.prod(p - abs(d) for p, d in zip((3, 2, 2), direction, strict=True))
        for direction in directions
    )


@settings(max_examples=60, deadline=None)
@given(data=st.data(), stencil=dyadic_stencils())
def test_rounds_in_one_process_equal_one_rank(data: st.DataObject, stencil: Stencil) -> None:
    """Every rank's round, with its halo filled from the global grid as the declarations
    say and every other halo point poisoned with NaN, gives one rank's result exactly."""
    k = data.draw(st.integers(1, 3), label="steps per exchange")
    topology = tuple(
        data.draw(st.integers(1, 3), label=f"ranks on axis {a}") for a in range(stencil.dims)
    )
    shape = tuple(
        data.draw(
            st.integers(max(2 * r + 1, p * max(r * k, 1)), max(2 * r + 1, p * max(r * k, 1)) + 7)
        )
        for r, p in zip(stencil.radii, topology, strict=True)
    )
    steps = data.draw(st.integers(0, 2 * k + 1), label="steps")
    x = integer_grid(shape, np.random.default_rng(len(shape)))
    assert np.array_equal(_simulate(stencil, x, topology, k, steps), reference(stencil, x, steps))


def test_a_missing_exchange_is_caught_by_the_simulation() -> None:
    """The check above can fail: without its diagonal exchanges a box stencil reads NaN."""
    box = catalog.get("box2d1r")
    x = integer_grid((12, 12), np.random.default_rng(1))
    faces = ((-1, 0), (0, -1), (0, 1), (1, 0))
    got = _simulate(box, x, (2, 2), 1, 1, directions=faces)
    assert np.isnan(got).any()


def test_cuda_aware_is_false_for_a_library_without_the_query() -> None:
    libc = ctypes.util.find_library("c")
    if libc is None:
        pytest.skip("no C library to stand in for an MPI library without the CUDA query")
    assert cuda_aware(libc) is False


def _global(sub: Subdomain, box: Sequence[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    return tuple((a + o, b + o) for (a, b), o in zip(box, sub.origin, strict=True))


class _HaloFromGlobal:
    """Stands in for HaloExchange in one process: fills the declared halo boxes from the
    global grid of the round's start."""

    def __init__(self, sub: Subdomain, directions: Sequence[tuple[int, ...]]) -> None:
        self.sub = sub
        self.declarations = exchange_declarations(sub, directions)
        self.state: npt.NDArray[np.float64] = np.zeros(0)

    def start(self, block: Any) -> None:
        return None

    def finish(self, flight: None, block: npt.NDArray[np.float64]) -> None:
        for d in self.declarations:
            box = declared_box(d.offset, d.size)
            block[self.sub.slices(box)] = self.state[
                tuple(slice(a, b) for a, b in _global(self.sub, box))
            ]


def _simulate(
    stencil: Stencil,
    x: npt.NDArray[np.float64],
    topology: tuple[int, ...],
    k: int,
    steps: int,
    directions: Sequence[tuple[int, ...]] | None = None,
) -> npt.NDArray[np.float64]:
    """All ranks of a job, stepped round by round in one process with the reference."""
    decomposition = Decomposition.of(stencil, x.shape, topology, k)
    engine = ReferenceEngine(stencil, "float16")
    chosen = exchange_directions(stencil, k) if directions is None else directions
    ranks = []
    for sub in decomposition.subdomains():
        block = np.full(sub.buffer_shape, np.nan)
        block[sub.core_slice] = engine.load(x[sub.global_slice])
        ranks.append((sub, block, _HaloFromGlobal(sub, chosen), RoundPlan.of(sub, stencil.radii)))
    state = engine.load(x)
    for done in range(0, steps, k):
        for sub, block, halo, plan in ranks:
            halo.state = state
            run_round(plan, halo, engine, block, min(k, steps - done))  # pyright: ignore
        state = state.copy()
        for sub, block, _, _ in ranks:
            state[sub.global_slice] = block[sub.core_slice]
    return state


# -- MPI jobs -------------------------------------------------------------------------------

CASES: dict[str, tuple[Any, ...]] = {
    # name: (ranks, catalog stencil, shape, steps, steps per exchange, topology, engine, way in)
    "one-rank": (1, "heat-2d", (24, 20), 3, 1, None, "reference", "apply"),
    "1d-uneven-k3": (2, "star1d2r", (61,), 7, 3, None, "reference", "apply"),
    "2d-uneven-subdomains": (3, "box2d1r", (25, 20), 5, 2, (3, 1), "reference", "grid"),
    "3d-edges-k2": (4, "star3d1r", (10, 10, 12), 4, 2, (2, 2, 1), "reference", "apply"),
    "emulate-2d-corners": (4, "box2d1r", (24, 20), 3, 1, (2, 2), "emulate", "apply"),
    "emulate-1d-uneven-k2": (3, "star1d1r", (64,), 3, 2, None, "emulate", "grid"),
    "emulate-3d": (2, "star3d1r", (10, 10, 12), 2, 1, (1, 1, 2), "emulate", "apply"),
}
SLOW_CASES: dict[str, tuple[Any, ...]] = {
    f"sweep-{engine}-{name}-n{ranks}-k{k}": (ranks, name, shape, 2 * k + 1, k, None, engine, way)
    for engine in ("reference", "emulate")
    for name, shape in (("star1d3r", (70,)), ("box2d2r", (26, 23)), ("box3d1r", (11, 10, 12)))
    for ranks in (1, 2, 3, 4)
    for k, way in ((1, "apply"), (2, "grid"))
}


@needs_mpi
@pytest.mark.parametrize("case", CASES)
def test_job_equals_one_rank(case: str, tmp_path: Path) -> None:
    _check_job(CASES[case], tmp_path)


@needs_mpi
@pytest.mark.slow
@pytest.mark.parametrize("case", SLOW_CASES)
def test_job_sweep_equals_one_rank(case: str, tmp_path: Path) -> None:
    _check_job(SLOW_CASES[case], tmp_path)


@needs_mpi
@pytest.mark.slow
def test_job_on_real_valued_data_is_within_the_kernel_bound(tmp_path: Path) -> None:
    """Catalog coefficients on uniform data: one step on 4 ranks against one reference
    step, within the kernel's derived per-step bound (that of each kernel the ranks ran)."""
    from sparse_stencil.bench.check import check_result, kernel_bound
    from sparse_stencil.compiler import compile as compile_kernel
    from sparse_stencil.dtypes import storage_type

    stencil = catalog.get("box2d1r")
    x = np.random.default_rng(3).uniform(-1, 1, (24, 20))
    result = _job(tmp_path, 4, _case(stencil, 1, 1, (2, 2), "emulate", "apply"), x)
    assert result.returncode == 0, result.stderr
    got = np.load(tmp_path / "result.npy")
    decomposition = Decomposition.of(stencil, x.shape, (2, 2), 1)
    shapes = {
        s for sub in decomposition.subdomains() for s in RoundPlan.of(sub, stencil.radii).shapes
    }
    bounds = [kernel_bound(compile_kernel(stencil, shape, cache=True)) for shape in shapes]

    def bound(
        x: npt.NDArray[np.float64], got: npt.NDArray[np.float64], want: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        return np.max([b(x, got, want) for b in bounds], axis=0)

    check = check_result(stencil, storage_type("float16"), bound, x, got)
    assert check.ok, check.describe()
    assert check.max_error > 0  # real-valued data: the kernels do round differently


@needs_mpi
def test_bad_input_on_one_rank_ends_the_job_with_one_message(tmp_path: Path) -> None:
    stencil = catalog.get("heat-2d")
    case = _case(stencil, 2, 1, None, "reference", "wrong-part-on-rank-1")
    result = _job(tmp_path, 2, case, integer_grid((24, 20), np.random.default_rng(0)))
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == ["error: rank 1 of 2: rank 1 holds a 12x20 part of the grid, got 3x3"]
    assert not (tmp_path / "result.npy").exists()


@needs_mpi
def test_a_kernel_failing_on_one_rank_ends_the_job(tmp_path: Path) -> None:
    stencil = catalog.get("heat-2d")
    case = _case(stencil, 3, 1, None, "reference", "step-fails-on-last-rank")
    result = _job(tmp_path, 3, case, integer_grid((24, 20), np.random.default_rng(0)))
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == ["error: rank 2 of 3: RuntimeError: injected kernel failure"]


@needs_mpi
def test_a_topology_that_does_not_match_the_job_is_one_error(tmp_path: Path) -> None:
    stencil = catalog.get("heat-2d")
    case = _case(stencil, 1, 1, (2, 2), "reference", "apply")
    result = _job(tmp_path, 3, case, integer_grid((24, 20), np.random.default_rng(0)))
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == ["error: topology 2x2 has 4 ranks, the job has 3"]
    assert "Traceback" not in result.stderr


@needs_mpi
def test_cli_distributed_run_prints_the_one_rank_result() -> None:
    """`mpiexec -n 2 sparse-stencil run ... --distributed --emulate`, as a user tries it,
    prints the same result summary as the one-rank `run` (catalog coefficients)."""
    command = [str(BIN / "sparse-stencil"), "run", "heat-2d", "--shape", "24x20", "--steps", "2"]
    one = subprocess.run(
        [*command, "--emulate"], capture_output=True, text=True, timeout=JOB_TIMEOUT, check=True
    )
    many = subprocess.run(
        [MPIEXEC or "mpiexec", "-n", "2", *command, "--emulate", "--distributed"],
        capture_output=True,
        text=True,
        timeout=JOB_TIMEOUT,
        check=True,
    )
    assert "on 2 ranks (topology 2x1, halo exchanged every 1 step)" in many.stdout
    summary = one.stdout.split("; result ")[1]
    assert many.stdout.split("; result ")[1] == summary


@pytest.mark.skip(
    reason="needs GPUs, CuPy and pycuda: the distributed GPU engine (device blocks, "
    "CUDA-aware MPI or host staging) has not run here; no GPU is lent to this work"
)
def test_gpu_job_equals_one_rank(tmp_path: Path) -> None:
    _check_job((2, "heat-2d", (64, 64), 3, 1, None, "gpu", "apply"), tmp_path)


def _case(
    stencil: Stencil,
    steps: int,
    k: int,
    topology: tuple[int, ...] | None,
    engine: str,
    way: str,
) -> dict[str, Any]:
    return {
        "points": [
            [list(o), c] for o, c in zip(stencil.offsets, stencil.coefficients, strict=True)
        ],
        "steps": steps,
        "k": k,
        "topology": topology,
        "engine": engine,
        "way": way,
    }


def _check_job(spec: tuple[Any, ...], tmp_path: Path) -> None:
    """Run the job that `spec` describes on an integer grid with a dyadic variant of the
    stencil, and compare rank 0's result with one rank's, bit for bit."""
    ranks, name, shape, steps, k, topology, engine, way = spec
    rng = np.random.default_rng(ranks)
    stencil = dyadic_variant(catalog.get(name), rng)
    x = integer_grid(shape, rng)
    result = _job(tmp_path, ranks, _case(stencil, steps, k, topology, engine, way), x)
    assert result.returncode == 0, result.stderr
    got = np.load(tmp_path / "result.npy")
    expected = reference(stencil, x, steps)
    if engine != "reference":
        from sparse_stencil.compiler import compile as compile_kernel

        one_rank = compile_kernel(stencil, shape, cache=True).emulate(x, steps)
        assert np.array_equal(one_rank, expected)  # the data keeps the kernel exact
        expected = one_rank
    assert np.array_equal(got, expected)


def _job(
    tmp_path: Path, ranks: int, case: dict[str, Any], x: npt.NDArray[np.float64]
) -> subprocess.CompletedProcess[str]:
    (tmp_path / "case.json").write_text(json.dumps(case))
    np.save(tmp_path / "x.npy", x)
    return subprocess.run(
        [MPIEXEC or "mpiexec", "-n", str(ranks), sys.executable, __file__, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=JOB_TIMEOUT,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )


def _worker(folder: Path) -> None:
    """One rank of a test job: the case in `folder`/case.json, the grid in x.npy; rank 0
    writes the result to result.npy."""
    from mpi4py import MPI

    from sparse_stencil.distributed import DistributedGrid, abort_on_failure, apply

    comm = MPI.COMM_WORLD
    case = json.loads((folder / "case.json").read_text())
    stencil = Stencil([(tuple(o), c) for o, c in case["points"]])
    x = np.load(folder / "x.npy", mmap_mode="r")
    options: dict[str, Any] = {
        "topology": case["topology"],
        "steps_per_exchange": case["k"],
        "emulate": case["engine"] == "emulate",
        "reference": case["engine"] == "reference",
        "timeout": 60.0,
    }
    with abort_on_failure(comm):
        if case["way"] == "apply":
            result = apply(stencil, x if comm.Get_rank() == 0 else None, case["steps"], **options)
        else:
            grid = DistributedGrid(stencil, x.shape, **options)
            part = x[grid.global_slice]  # each rank reads only its own part of the file
            if case["way"] == "wrong-part-on-rank-1" and comm.Get_rank() == 1:
                part = np.zeros((3, 3))
            grid.write(part)
            if case["way"] == "step-fails-on-last-rank" and comm.Get_rank() == comm.Get_size() - 1:
                grid.engine.step = _failing_step  # pyright: ignore
            first = min(2, case["steps"])
            grid.step(first)  # in two calls: a grid resumes where it stopped
            grid.step(case["steps"] - first)
            result = grid.gather()
        if result is not None:
            np.save(folder / "result.npy", result)


def _failing_step(block: object, steps: int) -> object:
    raise RuntimeError("injected kernel failure")


if __name__ == "__main__":
    _worker(Path(sys.argv[1]))
