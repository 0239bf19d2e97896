"""Input grids, and the check of a kernel's step against the float64 reference.

**Input.** :func:`random_grid` draws every point independently and uniformly from
``[-1, 1)`` with numpy's ``default_rng(seed)`` (PCG64), in float64; the kernel and the
reference both round it to the storage type first.

**The check is per launch.** :func:`~sparse_stencil.kernel.numerics.kernel_error_bound`
(tensor cores) and :func:`~sparse_stencil.kernel.direct.direct_error_bound` (CUDA cores)
bound how far *one* kernel step may be from *one* reference step taken from the same input;
:func:`~sparse_stencil.kernel.numerics.fused_error_bound` how far the k steps of one launch
of a fused kernel may be from k reference steps. So a run is checked launch by launch:
launch ``i`` starts from the kernel's own result of launch ``i - 1``, and its result is
compared with as many reference steps from that same grid, point by point, against the
bound for that launch. Errors of different launches are not added up: the check says that
every launch the kernel made was right, not how far ``n`` kernel steps drift from ``n``
reference steps (``sparse-stencil run --check`` prints that drift too, with no bound).

**Windows.** On a grid larger than a budget of points the comparison covers ``3^d`` windows
(each axis: its low edge, its middle and its high edge, so corners, edges, boundary bands and
the centre are all checked) instead of every point; :class:`StepCheck` says how many points
it compared.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial

import numpy as np
import numpy.typing as npt

from sparse_stencil.compiler import Kernel
from sparse_stencil.dtypes import StorageType
from sparse_stencil.errors import StencilError
from sparse_stencil.kernel.direct import DirectChoice, direct_error_bound
from sparse_stencil.kernel.instruction import MmaInstruction
from sparse_stencil.kernel.numerics import fused_error_bound, kernel_error_bound
from sparse_stencil.reference import reference
from sparse_stencil.stencil import Stencil

INPUT_RANGE = (-1.0, 1.0)
"""The half-open interval the random input is drawn from, uniformly."""

Box = tuple[slice, ...]
Grid = npt.NDArray[np.float64]
Bound = Callable[[Grid, Grid, Grid], Grid]
"""(input, kernel's step, reference step) -> the per-point bound of the step's error."""


def random_grid(shape: Sequence[int], seed: int) -> npt.NDArray[np.float64]:
    """A float64 grid of `shape`, uniform on :data:`INPUT_RANGE`, from ``default_rng(seed)``."""
    low, high = INPUT_RANGE
    return np.random.default_rng(seed).uniform(low, high, tuple(shape))


@dataclass(frozen=True)
class StepCheck:
    """One or more kernel steps compared with the reference, point by point."""

    max_error: float
    """The largest |kernel - reference| of any point."""
    rms_error: float
    """The root mean square of |kernel - reference| over the compared points."""
    max_bound: float
    """The largest per-point bound (the bound is per point and per step)."""
    worst_ratio: float
    """The largest error / bound (0 where both are 0; infinite for an error where the bound
    is 0)."""
    outside: int
    """Points whose error exceeds their bound (or whose result is not finite)."""
    points: int
    """Points compared."""
    steps: int = 1
    """Steps the check covers."""
    launch_steps: int = 1
    """Steps each comparison covers: one, or the steps of a fused kernel's launch (compared
    with as many reference steps from its own input)."""

    @property
    def ok(self) -> bool:
        """Every compared point of every step within its bound."""
        return self.outside == 0

    def merge(self, other: StepCheck) -> StepCheck:
        """The check of both sets of steps."""
        points = self.points + other.points
        squares = self.rms_error**2 * self.points + other.rms_error**2 * other.points
        return StepCheck(
            max(self.max_error, other.max_error),
            math.sqrt(squares / points) if points else 0.0,
            max(self.max_bound, other.max_bound),
            max(self.worst_ratio, other.worst_ratio),
            self.outside + other.outside,
            points,
            self.steps + other.steps,
            max(self.launch_steps, other.launch_steps),
        )

    def describe(self) -> str:
        """One line: the errors beside the bound, and the verdict."""
        verdict = "within" if self.ok else f"OUTSIDE at {self.outside} points of"
        per = "step" if self.launch_steps == 1 else "launch"
        at_a_time = "one" if self.launch_steps == 1 else f"{self.launch_steps} (one launch)"
        return (
            f"max error {self.max_error:.3g}, RMS error {self.rms_error:.3g}; per-{per} bound "
            f"up to {self.max_bound:.3g} (worst error/bound {self.worst_ratio:.3g}): {verdict} "
            f"the bound ({self.points} points, {self.steps} step{'s' * (self.steps != 1)} "
            f"checked {at_a_time} at a time)"
        )


def check_step(
    kernel: Kernel,
    x: npt.NDArray[np.float64],
    got: npt.NDArray[np.float64],
    budget: int | None = None,
    steps: int = 1,
) -> StepCheck:
    """Compare `got`, one launch of `kernel` applying `steps` steps (1, or its
    :attr:`~sparse_stencil.compiler.Kernel.fuse`) to grid `x`, with as many reference steps
    from `x`.

    With a `budget` smaller than the grid, only the windows of :func:`windows` are compared.
    """
    bound = kernel_bound(kernel) if steps == 1 else launch_bound(kernel, steps)
    return check_result(kernel.stencil, kernel.storage, bound, x, got, budget, steps)


def check_result(
    stencil: Stencil,
    storage: StorageType,
    bound: Bound,
    x: npt.NDArray[np.float64],
    got: npt.NDArray[np.float64],
    budget: int | None = None,
    steps: int = 1,
) -> StepCheck:
    """Compare `got`, `steps` steps of `stencil` on grid `x`, with as many reference steps
    from `x`, within the per-point `bound`."""
    if got.shape != x.shape:
        raise StencilError(f"the step returned a grid of shape {got.shape}, not {x.shape}")
    reach = [r * steps for r in stencil.radii]
    checks = [
        _check_box(stencil, storage, bound, x, got, crop, compared, steps)
        for crop, compared in windows(x.shape, reach, budget)
    ]
    total = checks[0]
    for check in checks[1:]:
        total = total.merge(check)
    return replace(total, steps=steps, launch_steps=steps)


def kernel_bound(kernel: Kernel) -> Bound:
    """The derived per-step bound of the kernel's path: the tensor-core bound
    (:func:`~sparse_stencil.kernel.numerics.kernel_error_bound`) or the CUDA-core one
    (:func:`~sparse_stencil.kernel.direct.direct_error_bound`)."""
    choice = kernel.choice
    if isinstance(choice, DirectChoice):
        return partial(direct_error_bound, kernel.stencil, kernel.storage)
    return mma_bound(kernel.stencil, kernel.storage, choice.steps)


def launch_bound(kernel: Kernel, steps: int) -> Bound:
    """The derived bound of one launch of a fused kernel applying `steps` steps
    (:func:`~sparse_stencil.kernel.numerics.fused_error_bound`)."""
    choice = kernel.choice
    if isinstance(choice, DirectChoice):
        raise StencilError("the CUDA-core kernel applies one step per launch")

    def bound(x: Grid, got: Grid, expected: Grid) -> Grid:
        return fused_error_bound(kernel.stencil, choice.steps, kernel.storage, x, steps)

    return bound


def mma_bound(
    stencil: Stencil, storage: StorageType, instructions: Sequence[MmaInstruction]
) -> Bound:
    """The tensor-core bound of a step made of `instructions`."""
    return partial(kernel_error_bound, stencil, instructions, storage)


def windows(
    shape: Sequence[int], radii: Sequence[int], budget: int | None
) -> list[tuple[Box, Box]]:
    """(crop, compared) boxes: the reference is computed on the crop of the input, and it is
    exact on the compared box inside it (the crop's edges that are not the grid's lie a
    radius outside the compared box). The whole grid when it fits `budget` (or no budget)."""
    if budget is None or math.prod(shape) <= budget:
        whole = tuple(slice(0, n) for n in shape)
        return [(whole, whole)]
    dims = len(shape)
    side = int((budget / 3**dims) ** (1 / dims))
    per_axis = [
        _axis_windows(n, r, max(side, 4 * r + 2)) for n, r in zip(shape, radii, strict=True)
    ]
    return [
        (tuple(c for c, _ in combo), tuple(k for _, k in combo))
        for combo in itertools.product(*per_axis)
    ]


def _axis_windows(n: int, radius: int, side: int) -> list[tuple[slice, slice]]:
    """Low edge, middle and high edge windows of one axis (fewer where they coincide)."""
    side = min(side, n)
    starts = sorted({0, (n - side) // 2, n - side})
    result: list[tuple[slice, slice]] = []
    for start in starts:
        stop = start + side
        low = start if start == 0 else start + radius
        high = stop if stop == n else stop - radius
        result.append((slice(start, stop), slice(low, high)))
    return result


def _check_box(
    stencil: Stencil,
    storage: StorageType,
    bound: Bound,
    x: npt.NDArray[np.float64],
    got: npt.NDArray[np.float64],
    crop: Box,
    compared: Box,
    steps: int,
) -> StepCheck:
    inner = tuple(
        slice(k.start - c.start, k.stop - c.start) for c, k in zip(crop, compared, strict=True)
    )
    part, mine = x[crop], got[crop]
    expected = reference(stencil, part, steps, storage)
    limit = bound(part, mine, expected)
    return compare(mine[inner], expected[inner], limit[inner])


def compare(
    got: npt.NDArray[np.float64],
    expected: npt.NDArray[np.float64],
    bound: npt.NDArray[np.float64],
) -> StepCheck:
    """The check of one step: `got` against `expected` within `bound`, point by point."""
    error = np.abs(got - expected)
    finite = np.isfinite(got)
    error = np.where(finite, error, np.inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(error == 0, 0.0, error / bound)
    points = int(error.size)
    return StepCheck(
        max_error=float(error.max()) if points else 0.0,
        rms_error=float(np.sqrt(np.mean(error**2))) if points else 0.0,
        max_bound=float(bound.max()) if points else 0.0,
        worst_ratio=float(ratio.max()) if points else 0.0,
        outside=int(np.count_nonzero(~(error <= bound))),
        points=points,
    )
