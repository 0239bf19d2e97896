"""Speed of the PTX simulator on two workloads (a benchmark, not a test).

1. One warp's ``mma.sp`` tile: kernel ``mma_sp_f16_sel0`` of test/sim/kernels/mma_sp_f16.ptx
   (shared-memory staging, two ldmatrix, one m16n8k16 mma.sp), one block of 32 threads.
2. A whole single-step 2D stencil on a 64x64 f16 grid: test/sim/kernels/stencil2d_sp.ptx
   (boundary band copy, A staged in shared memory, ldmatrix + table-driven B gather +
   mma.sp per k-step), 8 blocks of 128 threads, box2d1r.

For each it prints the time to parse and decode the PTX once, and the median wall time of a
launch (inputs prepared beforehand, results checked once). Usage:

    .venv/bin/python scripts/bench_sim.py [--repeat 20] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "test" / "sim"))

from sim_cases import CASES, Case, kernel_text  # noqa: E402

from sparse_stencil.sim import Program  # noqa: E402

WORKLOADS = {
    "one warp mma.sp tile (m16n8k16 f16, 1x32 threads)": "mma_sp_f16_sel0",
    "64x64 single-step 2D stencil (box2d1r f16, 8x128 threads)": "stencil2d_sp",
}


def _measure(case: Case, repeat: int) -> dict[str, Any]:
    text = kernel_text(case.ptx)
    start = time.perf_counter()
    program = Program(text)
    program.image(case.kernel)  # decode now, so that launches time execution only
    load_seconds = time.perf_counter() - start
    args, expected = case.make(np.random.default_rng(0), True)
    stats = program.launch(case.kernel, case.grid, case.block, args)
    for index, value in expected.items():
        if not np.array_equal(
            np.asarray(args[index], dtype=np.float64), np.asarray(value, dtype=np.float64)
        ):
            raise SystemExit(f"{case.name}: wrong result, not timing it")
    times = []
    for _ in range(repeat):
        fresh, _ = case.make(np.random.default_rng(0), True)
        start = time.perf_counter()
        program.launch(case.kernel, case.grid, case.block, fresh)
        times.append(time.perf_counter() - start)
    return {
        "kernel": case.kernel,
        "parse_decode_ms": 1000 * load_seconds,
        "launch_median_ms": 1000 * statistics.median(times),
        "launch_min_ms": 1000 * min(times),
        "scheduler_steps": stats.steps,
        "counters": stats.counters,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed launches per workload")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    options = parser.parse_args()
    cases = {case.name: case for case in CASES}
    results = {name: _measure(cases[key], options.repeat) for name, key in WORKLOADS.items()}
    print(
        f"PTX simulator speed ({platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, numpy {np.__version__}, "
        f"median of {options.repeat} launches)\n"
    )
    print("| workload | parse + decode | launch (median) | scheduler steps | tensor-core ops |")
    print("|---|---|---|---|---|")
    for name, result in results.items():
        counters = ", ".join(f"{k} x{v}" for k, v in result["counters"].items())
        print(
            f"| {name} | {result['parse_decode_ms']:.1f} ms | "
            f"{result['launch_median_ms']:.1f} ms | {result['scheduler_steps']} | {counters} |"
        )
    if options.json:
        options.json.parent.mkdir(parents=True, exist_ok=True)
        options.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
