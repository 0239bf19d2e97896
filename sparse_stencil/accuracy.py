"""How accurate each precision mode is: error against the float64 reference over T steps.

For each mode (:mod:`sparse_stencil.kernel.precision`; plus the CUDA-core path, f32 FMAs,
as the reference-quality baseline) the kernel runs T steps on the PTX simulator, one launch
at a time, from a seeded random grid uniform on [-1, 1); after every step its grid z_t is
compared on the interior with the reference's y_t (:func:`sparse_stencil.reference.reference`,
exact float64 steps rounded to the storage type).

**The bound over T steps.** With K the kernel's step, R the reference's and S the exact
stencil, ``z_{t+1} - y_{t+1} = (K z_t - R z_t) + (R z_t - R y_t)``. The first term is within
the derived per-step bound b_t evaluated on the kernel's own grid z_t
(:func:`~sparse_stencil.kernel.numerics.kernel_error_bound`, or the CUDA-core
:func:`~sparse_stencil.kernel.direct.direct_error_bound`); the second is a rounding of
``S z_t`` against one of ``S y_t``, within ``|S| |z_t - y_t|`` plus the larger storage
spacing of the two results. So per point

    E_0 = 0,   E_{t+1} = |S| E_t + b_t + max(spacing(R z_t), spacing(y_{t+1}))

(|S| the stencil of the coefficients' magnitudes, the boundary band exact) bounds
``|z_t - y_t|``: the per-step bounds carried through the stencil's amplification, at most
``sum_t ||c||_1^(T-1-t) max b_t``, but computed point by point. Where a split-f16 grid holds
a value beyond f16's range the bound is infinite and the outputs are not finite, which the
report shows as such.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sparse_stencil.bench.check import kernel_bound, random_grid
from sparse_stencil.compiler import compile as compile_kernel
from sparse_stencil.dtypes import StorageType, storage_type
from sparse_stencil.errors import StencilError
from sparse_stencil.kernel.precision import TENSOR_MODES
from sparse_stencil.layout.evaluate import spacing
from sparse_stencil.reference import apply_once, interior_mask, reference
from sparse_stencil.stencil import Stencil

CUDA_CORES = "cuda-core"
"""The mode name of the CUDA-core path (f32 FMAs) in reports."""
DEFAULT_SHAPES: dict[int, tuple[int, ...]] = {1: (256,), 2: (24, 24), 3: (12, 12, 12)}
"""The grid the report uses by default, per rank."""

Progress = Callable[[str, int, int], None]
"""Called as (mode, steps done, steps) after every step."""


@dataclass(frozen=True)
class ModeAccuracy:
    """One mode's error after each of T steps, and its derived bound."""

    mode: str
    max_errors: list[float]
    """Largest error over the interior after step t + 1."""
    rms_errors: list[float]
    bounds: list[float]
    """Largest derived bound over the interior after step t + 1 (module docstring)."""

    @property
    def within(self) -> bool:
        """Whether every step's error is within its bound (a non-finite result never is)."""
        return all(e <= b for e, b in zip(self.max_errors, self.bounds, strict=True))


def modes_for(storage: StorageType) -> list[str]:
    """The modes reported for grids of `storage` by default: its tensor-core modes, then the
    CUDA-core path."""
    return [*TENSOR_MODES[storage.name], CUDA_CORES]


def check_modes(modes: Sequence[str], storage: StorageType) -> list[str]:
    """`modes` if each is one of :func:`modes_for` `storage` (a one-line error otherwise)."""
    allowed = modes_for(storage)
    for mode in modes:
        if mode not in allowed:
            raise StencilError(
                f"no mode '{mode}' for {storage.name} grids: expected one of {', '.join(allowed)}"
            )
    return list(modes)


def measure(
    stencil: Stencil,
    shape: Sequence[int],
    dtype: str,
    mode: str,
    steps: int,
    seed: int = 0,
    progress: Progress | None = None,
) -> ModeAccuracy:
    """Run `steps` steps of `stencil` in `mode` on the simulator and record, after each,
    the error against the reference and the bound (module docstring)."""
    if steps < 1:
        raise StencilError(f"steps must be at least 1, got {steps}")
    storage = storage_type(dtype)
    if mode == CUDA_CORES:
        kernel = compile_kernel(stencil, shape, dtype, path="cuda-core", assemble=False)
    else:
        compute = mode if storage.name == "float32" else None
        # one step per launch: the error is recorded after every step
        kernel = compile_kernel(
            stencil, shape, dtype, compute=compute, fuse_steps=1, assemble=False
        )
    step_bound = kernel_bound(kernel)
    magnitudes = stencil.magnitudes()
    interior = interior_mask(stencil, kernel.shape)
    ours = theirs = storage.round(random_grid(kernel.shape, seed))
    carried = np.zeros(kernel.shape)
    result = ModeAccuracy(mode, [], [], [])
    for done in range(1, steps + 1):
        following = kernel.emulate(ours, 1)
        from_ours = reference(stencil, ours, 1, dtype)
        theirs = reference(stencil, theirs, 1, dtype)
        with np.errstate(invalid="ignore", over="ignore"):
            rounding = np.maximum(spacing(from_ours, storage), spacing(theirs, storage))
            carried = apply_once(magnitudes, carried) + step_bound(ours, following, from_ours)
            carried = np.where(interior, carried + rounding, 0.0)
            error = np.abs(following - theirs)[interior]
        ours = following
        finite = bool(np.isfinite(error).all())
        result.max_errors.append(float(error.max()) if finite else math.inf)
        result.rms_errors.append(float(np.sqrt(np.mean(error**2))) if finite else math.inf)
        result.bounds.append(float(carried[interior].max()))
        if progress is not None:
            progress(mode, done, steps)
    return result


def plot_errors(results: Sequence[ModeAccuracy], title: str, path: str) -> None:
    """Draw each mode's maximum error (solid) and bound (dashed) against steps into the
    PNG `path` (matplotlib, the ``plot`` extra, Agg backend)."""
    try:
        matplotlib: Any = importlib.import_module("matplotlib")
    except ImportError:
        raise StencilError("plots need matplotlib: pip install 'sparse-stencil[plot]'") from None
    matplotlib.use("Agg")
    plt: Any = importlib.import_module("matplotlib.pyplot")
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for index, result in enumerate(results):
        colour = f"C{index}"
        steps = range(1, len(result.max_errors) + 1)
        axes.plot(steps, result.max_errors, color=colour, label=f"{result.mode} max error")
        axes.plot(steps, result.bounds, color=colour, linestyle="--", label=f"{result.mode} bound")
    axes.set_yscale("log")
    axes.set_xlabel("steps")
    axes.set_ylabel("error against the float64 reference")
    axes.set_title(title)
    axes.legend(fontsize="small", ncol=2)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
