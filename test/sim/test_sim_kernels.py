"""Every hand-written kernel of test/sim/kernels: simulated results against numpy, and ptxas.

Integer-valued data must give bit-identical results (all products and sums are exact in f32,
and in f16 for the f16-accumulate case, so any summation order agrees). Random data must lie
within the bound the case states (sim_cases: the section-11 tensor-core bound, or exact for
kernels that only move data or do IEEE operations), which is the bound a GPU must also meet.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sim_cases import CASES, KERNELS, Case, kernel_text

from sparse_stencil.backends import ptxas
from sparse_stencil.sim import run_ptx


def _run(case: Case, integer: bool, seed: int = 3) -> tuple[list, dict]:
    args, expected = case.make(np.random.default_rng(seed), integer)
    run_ptx(kernel_text(case.ptx), case.kernel, case.grid, case.block, args)
    return args, expected


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_integer_data_is_bit_exact(case: Case) -> None:
    args, expected = _run(case, integer=True)
    for index, value in expected.items():
        produced = args[index]
        np.testing.assert_array_equal(
            produced.view(np.uint8), np.asarray(value, dtype=produced.dtype).view(np.uint8)
        )


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_random_data_within_stated_bound(case: Case) -> None:
    args, expected = _run(case, integer=False, seed=4)
    for index, value in expected.items():
        produced = np.asarray(args[index])
        if case.bound is None:
            np.testing.assert_array_equal(produced, value)
            continue
        error = np.abs(produced.astype(np.float64) - np.asarray(value, dtype=np.float64))
        assert (error <= case.bound(args, index, produced)).all()


def test_tensor_core_counters() -> None:
    """The run statistics count warp-level mma.sp and ldmatrix executions."""
    case = next(c for c in CASES if c.name == "stencil2d_sp")
    args, _ = case.make(np.random.default_rng(0), True)
    stats = run_ptx(kernel_text(case.ptx), case.kernel, case.grid, case.block, args)
    warps = 4 * int(np.prod(case.grid))
    assert stats.counters == {"ldmatrix": warps * args[5], "mma.sp": warps * args[5]}
    assert stats.blocks == int(np.prod(case.grid))


KERNEL_FILES = sorted(KERNELS.glob("*.ptx"))


@pytest.mark.skipif(ptxas.unavailable_reason() is not None, reason=ptxas.unavailable_reason() or "")
@pytest.mark.parametrize("path", KERNEL_FILES, ids=[p.name for p in KERNEL_FILES])
def test_kernel_assembles_for_sm80_without_warnings(path: Path) -> None:
    result = ptxas.assemble(path.read_text(), arch="sm_80")
    assert result.cubin
    assert result.warnings == []
