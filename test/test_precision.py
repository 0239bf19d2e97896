"""Precision modes of f32 grids (sparse_stencil.kernel.precision) on the PTX simulator.

- one step of each split mode is within its derived bound
  (:func:`~sparse_stencil.kernel.numerics.split_error_bound`) on random data;
- on data the derivation says is exact (integers and coefficients that split exactly), the
  kernel equals the reference bit for bit, which tf32 does not;
- 100 split-f16 steps of heat-2d are within 10 times the CUDA-core f32 path's error;
- refusals, the IR, ptxas and the `accuracy` command.
"""

from __future__ import annotations

import time
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from compiled_cases import needs_ptxas
from xdsl.context import Context
from xdsl.ir import Operation
from xdsl.parser import Parser
from xdsl.printer import Printer

from sparse_stencil import catalog
from sparse_stencil.accuracy import CUDA_CORES, measure
from sparse_stencil.compiler import Kernel, compile
from sparse_stencil.context import make_context
from sparse_stencil.dialects.lstencil import GridType
from sparse_stencil.dtypes import FLOAT32
from sparse_stencil.errors import StencilError
from sparse_stencil.kernel.numerics import kernel_error_bound
from sparse_stencil.kernel.search import KernelChoice
from sparse_stencil.passes.lower_layout_to_mma import kernel_op
from sparse_stencil.reference import reference
from sparse_stencil.stencil import Stencil
from sparse_stencil.tools.cli import main

SPLITS = ("split-f16", "split-bf16")
CASES = [
    ("star1d1r", (37,)),
    ("star2d1r", (19, 25)),
    ("box2d3r", (21, 27)),
    ("star3d1r", (9, 13, 19)),
]


def within_bound(kernel: Kernel, x: np.ndarray) -> tuple[float, float]:
    """(largest error / bound, largest error) of one step, interior points."""
    got = kernel.emulate(x, 1)
    expected = reference(kernel.stencil, x, 1, "float32")
    bound = kernel_error_bound(kernel.stencil, kernel.choice.steps, FLOAT32, x, got, expected)
    error = np.abs(got - expected)
    return float(np.max(error / bound)), float(error.max())


@pytest.mark.parametrize("compute", SPLITS)
@pytest.mark.parametrize(("name", "shape"), CASES)
def test_one_step_within_bound(name: str, shape: tuple[int, ...], compute: str) -> None:
    kernel = compile(catalog.get(name), shape, "float32", compute=compute, assemble=False)
    x = np.random.default_rng(7).uniform(-1, 1, shape)
    ratio, error = within_bound(kernel, x)
    assert ratio <= 1
    # and the split is doing its work: far below tf32's 2^-11 relative error
    assert error < 2.0**-15


def test_dense_split_within_bound() -> None:
    stencil = catalog.get("box2d1r")
    kernel = compile(stencil, (21, 31), "float32", sparsity="dense", compute="split-f16")
    assert kernel.stats["instruction"] == "mma.m16n8k16.f16"
    ratio, _ = within_bound(kernel, np.random.default_rng(3).uniform(-1, 1, (21, 31)))
    assert ratio <= 1


def test_exact_when_both_parts_hold_the_values() -> None:
    """split-f16: integers |x| <= 2^6 (lo = 0) and coefficients of 14 bits that split exactly
    into ch + cl; every sum is a multiple of 2^-14 below 2^10, exact in f32. tf32 truncates
    the coefficients to 11 bits, so it cannot be exact here: the cl·hi products matter."""
    stencil = Stencil(
        [
            ((-1, 0), 0.5 + 3 * 2.0**-14),
            ((0, -1), 0.25 - 2.0**-13),
            ((0, 0), -1.0 + 2.0**-12),
            ((0, 1), 0.125 + 5 * 2.0**-14),
            ((1, 0), 0.75),
        ]
    )
    shape = (19, 23)
    x = np.random.default_rng(1).integers(-64, 65, shape).astype(np.float64)
    expected = reference(stencil, x, 1, "float32")
    split = compile(stencil, shape, "float32", compute="split-f16", assemble=False)
    assert np.array_equal(split.emulate(x, 1), expected)
    tf32 = compile(stencil, shape, "float32", assemble=False)
    assert not np.array_equal(tf32.emulate(x, 1), expected)


@pytest.mark.parametrize("compute", SPLITS)
def test_exact_on_wide_integers(compute: str) -> None:
    """Integers |x| < 2^15 split exactly into hi + lo in f16 and bf16 (lo has at most 11 or
    8 bits); coefficients exact in the part type have cl = 0. The sums are multiples of 2^-3
    below 2^17: exact. Three steps, so results feed the next split."""
    stencil = Stencil([((-1,), 0.25), ((0,), 0.5), ((1,), 0.125)])
    shape = (40,)
    x = np.random.default_rng(2).integers(-(2**15) + 1, 2**15, shape).astype(np.float64)
    kernel = compile(stencil, shape, "float32", compute=compute, assemble=False)
    assert np.array_equal(kernel.emulate(x, 1), reference(stencil, x, 1, "float32"))


def test_f16_overflow_is_infinite_in_result_and_bound() -> None:
    """A value beyond f16's range makes hi infinite: the outputs reading it are not finite,
    and the bound says so (infinite there) rather than pretending."""
    stencil = catalog.get("star1d1r")
    shape = (30,)
    x = np.zeros(shape)
    x[10] = 70000.0
    kernel = compile(stencil, shape, "float32", compute="split-f16", assemble=False)
    got = kernel.emulate(x, 1)
    bound = kernel_error_bound(
        stencil, kernel.choice.steps, FLOAT32, x, got, reference(stencil, x, 1, "float32")
    )
    assert not np.isfinite(got[9:12]).any()
    assert np.isinf(bound[9:12]).all()
    assert np.isfinite(got[:8]).all()
    assert np.isfinite(bound[:8]).all()


def test_heat_2d_100_steps_within_10_times_cuda_core() -> None:
    stencil = catalog.get("heat-2d")
    start = time.perf_counter()
    split = measure(stencil, (20, 20), "float32", "split-f16", 100)
    cuda = measure(stencil, (20, 20), "float32", CUDA_CORES, 100)
    seconds = time.perf_counter() - start
    assert split.within
    assert cuda.within
    assert 0 < cuda.max_errors[-1]
    assert split.max_errors[-1] <= 10 * cuda.max_errors[-1]
    assert seconds < 60


def test_stats_describe_and_ir() -> None:
    stencil = catalog.get("heat-2d")
    kernel = compile(stencil, (24, 24), "float32", compute="split-bf16", assemble=False)
    assert kernel.compute == kernel.stats["compute"] == "split-bf16"
    assert kernel.stats["products_per_step"] == 3
    assert "split-bf16" in kernel.describe()
    assert kernel.ptx.count("mma.sp") == 3 * kernel.stats["steps"] * _groups(kernel)
    assert compile(stencil, (24, 24), "float32", assemble=False).compute == "tf32"
    assert compile(stencil, (24, 24), "float32", path="cuda-core").compute == "f32"
    op = kernel_op("k", GridType.of((24, 24), FLOAT32), _choice(kernel))
    text = _printed(op)
    assert 'compute "split-bf16"' in text
    parsed = Parser(_context(), text).parse_op()
    parsed.verify()
    assert _printed(parsed) == text


def test_tf32_kernel_prints_no_compute() -> None:
    kernel = compile(catalog.get("heat-2d"), (24, 24), "float32", assemble=False)
    assert "compute" not in _printed(
        kernel_op("k", GridType.of((24, 24), FLOAT32), _choice(kernel))
    )


@pytest.mark.parametrize(
    ("dtype", "compute", "path", "message"),
    [
        ("float16", "split-f16", "tensor-core", "a float16 grid multiplies as f16"),
        ("bfloat16", "tf32", "tensor-core", "a bfloat16 grid multiplies as bf16"),
        ("float32", "split-f32", "tensor-core", "unknown compute 'split-f32'"),
        ("float32", "split-f16", "cuda-core", "not the CUDA cores"),
    ],
)
def test_refusals(dtype: str, compute: str, path: str, message: str) -> None:
    with pytest.raises(StencilError, match=message):
        compile(catalog.get("heat-2d"), (24, 24), dtype, compute=compute, path=path)  # pyright: ignore[reportArgumentType]


@needs_ptxas
@pytest.mark.parametrize("arch", ["sm_80", "sm_90"])
@pytest.mark.parametrize("compute", SPLITS)
def test_ptxas_accepts_split_kernels(compute: str, arch: str) -> None:
    for name, shape in [("box2d2r", (64, 64)), ("star3d1r", (16, 16, 16))]:
        kernel = compile(catalog.get(name), shape, "float32", arch, compute=compute)
        assert kernel.stats["ptxas_warnings"] == []
        assert kernel.stats["registers"] is not None


def test_accuracy_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plot = tmp_path / "errors.png"
    main(["accuracy", "star1d1r", "--steps", "3", "--shape", "40", "--plot", str(plot)])
    out = capsys.readouterr().out
    for mode in ("tf32", "split-f16", "split-bf16", "cuda-core"):
        assert mode in out
    assert "NO" not in out
    assert plot.stat().st_size > 0


def test_accuracy_command_refuses_a_mode_of_another_dtype(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["accuracy", "star1d1r", "--dtype", "float16", "--compute", "tf32"])
    assert exit_.value.code == 1
    assert "no mode 'tf32' for float16 grids" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.parametrize("compute", SPLITS)
@pytest.mark.parametrize(
    "name", ["box2d1r", "box2d2r", "laplace3d-o8", "gaussian5x5", "wave2d-o8", "box3d1r"]
)
def test_one_step_within_bound_sweep(name: str, compute: str) -> None:
    stencil = catalog.get(name)
    shape = tuple(2 * r + 7 + axis for axis, r in enumerate(stencil.radii))
    kernel = compile(stencil, shape, "float32", compute=compute, assemble=False)
    ratio, _ = within_bound(kernel, np.random.default_rng(5).uniform(-1, 1, shape))
    assert ratio <= 1


def _groups(kernel: Kernel) -> int:
    """MMA column groups per warp ("4 warps x 2 groups, ..." in the stats)."""
    return int(kernel.stats["block"].split(" x ")[1].split()[0])


def _choice(kernel: Kernel) -> KernelChoice:
    assert isinstance(kernel.choice, KernelChoice)
    return kernel.choice


def _context() -> Context:
    return make_context()


def _printed(op: Operation) -> str:
    stream = StringIO()
    Printer(stream=stream).print_op(op)
    return stream.getvalue()
