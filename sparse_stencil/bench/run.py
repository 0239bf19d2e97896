"""`sparse-stencil run`: a kernel stepped on a random grid, on the GPU or on the simulator,
and checked step by step against the reference (see :mod:`~.check`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sparse_stencil.bench.check import StepCheck, check_step
from sparse_stencil.compiler import Kernel
from sparse_stencil.reference import reference

Grid = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Outcome:
    """The grid after the steps, and with a check, the check of every step and the drift."""

    result: Grid
    check: StepCheck | None = None
    drift: StepCheck | None = None
    """``steps`` kernel steps against ``steps`` reference steps from the input: the errors
    compound, so it has no bound (its bound fields are infinite)."""


def stepper(kernel: Kernel, emulate: bool) -> Callable[[Grid, int], Grid]:
    """(grid, steps) -> grid: the simulator's :meth:`Kernel.emulate` or the GPU's
    :meth:`Kernel.run` (which raises RuntimeUnavailable where there is no GPU)."""
    if emulate:
        return kernel.emulate
    return lambda x, steps: np.asarray(kernel.run(x, steps), dtype=np.float64)


def run_kernel(
    kernel: Kernel, x: Grid, steps: int, step: Callable[[Grid, int], Grid], check: bool
) -> Outcome:
    """Apply `kernel` `steps` times to `x` with `step`; with `check`, one launch at a time
    (one step, or a fused kernel's k), each checked against as many reference steps from
    the same grid."""
    if not check:
        return Outcome(step(x, steps))
    current, total = x, None
    for done in range(0, steps, kernel.fuse):
        launch = min(kernel.fuse, steps - done)
        following = step(current, launch)
        mine = check_step(kernel, current, following, steps=launch)
        total = mine if total is None else total.merge(mine)
        current = following
    expected = reference(kernel.stencil, x, steps, kernel.storage)
    error = np.abs(current - expected)
    drift = StepCheck(
        float(error.max()),
        float(np.sqrt(np.mean(error**2))),
        float("inf"),
        0.0,
        0,
        int(error.size),
        steps,
    )
    return Outcome(current, total, drift)
