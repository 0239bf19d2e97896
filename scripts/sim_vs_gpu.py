"""Run every hand-written test kernel on a GPU (pycuda) and on the PTX simulator; compare.

For each case of test/sim/sim_cases.py and for two inputs (integer-valued, and random):
the same arguments go to the GPU and to the simulator, then

* integer-valued data: every output must be bit-identical;
* random data: bit-identical for the cases that only move data or use IEEE operations,
  otherwise |GPU - simulator| must lie within the case's stated bound (the section-11
  tensor-core bound of docs/ptx-sparse-mma.md, carried through the kernel).

It writes bench/results/sim_vs_gpu-<device>.json and .md naming the device, and exits 0 when
everything agrees, 1 on a mismatch, 2 when it cannot run (no pycuda, no GPU). Needs a driver
that JIT-compiles PTX ISA 8.5 (CUDA 12.5 or newer) and an sm_80+ GPU. Usage:

    .venv/bin/python scripts/sim_vs_gpu.py [--out-dir bench/results]
    .venv/bin/python scripts/sim_vs_gpu.py --dry-run   # the simulator stands in for the GPU
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "test" / "sim"))

from sim_cases import CASES, Case, kernel_text  # noqa: E402

from sparse_stencil.sim import parse_ptx, run_ptx  # noqa: E402
from sparse_stencil.sim.operands import NUMPY_TYPES  # noqa: E402

Runner = Callable[[Case, list[Any]], None]


class Unavailable(Exception):
    """The GPU side cannot run here."""


def _pad3(dims: tuple[int, ...]) -> tuple[int, int, int]:
    padded = (*dims, 1, 1, 1)
    return (int(padded[0]), int(padded[1]), int(padded[2]))


class GpuRunner:
    """Launches the cases' kernels through pycuda on device 0."""

    def __init__(self) -> None:
        try:
            import pycuda.driver as cuda
        except ImportError as error:
            raise Unavailable(
                f"pycuda missing ({error}); install it with "
                "'pip install -e .[gpu]' on a machine with a GPU"
            ) from None
        try:
            cuda.init()
            if cuda.Device.count() == 0:
                raise Unavailable("no GPU: the CUDA driver reports no device")
            self.device = cuda.Device(0)
            self.context = self.device.make_context()
        except cuda.Error as error:
            raise Unavailable(f"no GPU: CUDA driver error {error}") from None
        self.cuda = cuda
        self._modules: dict[str, Any] = {}

    def describe(self) -> dict[str, Any]:
        major, minor = self.device.compute_capability()
        return {
            "device": self.device.name(),
            "compute_capability": f"sm_{major}{minor}",
            "driver_version": self.cuda.get_driver_version(),
            "cuda_version_pycuda_built_for": ".".join(map(str, self.cuda.get_version())),
        }

    def __call__(self, case: Case, args: list[Any]) -> None:
        cuda = self.cuda
        if case.ptx not in self._modules:
            self._modules[case.ptx] = cuda.module_from_buffer(kernel_text(case.ptx).encode())
        function = self._modules[case.ptx].get_function(case.kernel)
        params = parse_ptx(kernel_text(case.ptx)).kernel(case.kernel).params
        launch_args: list[Any] = []
        buffers: list[tuple[Any, np.ndarray]] = []
        for value, param in zip(args, params, strict=True):
            if isinstance(value, np.ndarray):
                buffer = cuda.mem_alloc(max(value.nbytes, 1))
                cuda.memcpy_htod(buffer, value)
                buffers.append((buffer, value))
                launch_args.append(buffer)
            else:
                launch_args.append(NUMPY_TYPES[param.type](value))
        function(*launch_args, block=_pad3(case.block), grid=_pad3(case.grid))
        cuda.Context.synchronize()
        for buffer, value in buffers:
            cuda.memcpy_dtoh(value, buffer)
            buffer.free()

    def close(self) -> None:
        self.context.pop()


def _simulate(case: Case, args: list[Any]) -> None:
    run_ptx(kernel_text(case.ptx), case.kernel, case.grid, case.block, args)


def _copy(args: list[Any]) -> list[Any]:
    return [a.copy() if isinstance(a, np.ndarray) else a for a in args]


def compare(case: Case, integer: bool, device: Runner, seed: int) -> dict[str, Any]:
    """Run one case on `device` and on the simulator with the same inputs."""
    args, expected = case.make(np.random.default_rng(seed), integer)
    simulated, on_device = _copy(args), _copy(args)
    _simulate(case, simulated)
    device(case, on_device)
    outputs = []
    for index in sorted(expected):
        sim, dev = np.asarray(simulated[index]), np.asarray(on_device[index])
        identical = bool(np.array_equal(sim.view(np.uint8), dev.view(np.uint8)))
        entry: dict[str, Any] = {"argument": index, "bit_identical": identical}
        if integer or case.bound is None or identical:
            entry["ok"] = identical
        else:
            error = np.abs(dev.astype(np.float64) - sim.astype(np.float64))
            bound = np.broadcast_to(case.bound(simulated, index, sim), error.shape)
            within = error <= bound
            entry.update(
                ok=bool(within.all()),
                max_abs_error=float(np.nanmax(error)),
                max_error_over_bound=float(np.max(error / np.maximum(bound, 1e-300))),
                outside_bound=int((~within).sum()),
            )
        outputs.append(entry)
    return {
        "case": case.name,
        "data": "integer" if integer else "random",
        "ok": all(o["ok"] for o in outputs),
        "outputs": outputs,
    }


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _details(output: dict[str, Any]) -> str:
    if output["bit_identical"]:
        return "bit-identical"
    if "max_abs_error" not in output:
        return "differs (must be bit-identical)"
    return (
        f"max abs error {output['max_abs_error']:.3g} = "
        f"{output['max_error_over_bound']:.3g} x bound"
    )


def write_report(results: list[dict[str, Any]], device: dict[str, Any], out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / f"sim_vs_gpu-{_slug(device['device'])}"
    payload = {"date": datetime.date.today().isoformat(), **device, "results": results}
    stem.with_suffix(".json").write_text(json.dumps(payload, indent=2) + "\n")
    lines = [
        f"# PTX simulator vs GPU: {device['device']}",
        "",
        f"Date {payload['date']}; "
        + ", ".join(f"{k} {v}" for k, v in device.items() if k != "device"),
        "",
        "Integer-valued data must be bit-identical; random data within each case's bound "
        "(exact for data movement and IEEE operations).",
        "",
        "| case | data | result | details |",
        "|---|---|---|---|",
    ]
    for result in results:
        details = "; ".join(f"arg {o['argument']}: {_details(o)}" for o in result["outputs"])
        lines.append(
            f"| {result['case']} | {result['data']} | "
            f"{'ok' if result['ok'] else 'MISMATCH'} | {details} |"
        )
    stem.with_suffix(".md").write_text("\n".join(lines) + "\n")
    return stem


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="use the simulator in place of the GPU (checks this script only; writes nothing)",
    )
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    if options.dry_run:
        runner: Runner = _simulate
        device = {"device": "simulator (dry run)"}
        closer = None
    else:
        try:
            gpu = GpuRunner()
        except Unavailable as reason:
            print(f"sim_vs_gpu: cannot run: {reason}")
            return 2
        runner, device, closer = gpu, gpu.describe(), gpu.close
    try:
        results = [
            compare(case, integer, runner, options.seed)
            for case in CASES
            for integer in (True, False)
        ]
    finally:
        if closer is not None:
            closer()
    for result in results:
        print(f"{'ok      ' if result['ok'] else 'MISMATCH'} {result['case']} ({result['data']})")
    if not options.dry_run:
        stem = write_report(results, device, options.out_dir)
        print(f"wrote {stem}.json and {stem}.md")
    failed = sum(not r["ok"] for r in results)
    print(f"{len(results) - failed} agree, {failed} differ on {device['device']}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
