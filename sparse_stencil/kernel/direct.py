"""The CUDA-core kernel: a direct stencil, its block layout, its cost and its error bound.

The baseline that the tensor-core kernels must beat, and the fallback where they do not pay
(``compile(..., path="cuda-core" | "auto")``). Each thread computes a *run* of ``P``
consecutive outputs along the innermost axis, for ``groups`` runs stacked on the outermost
axis (like the tensor-core kernel's groups). The block stages its input box in shared
memory as f32 (converted once per staged element, exactly), then per run and per row of the
stencil (the offsets that share their outer coordinates) a thread loads the row's window,
the ``P + w - 1`` inputs that its ``P`` outputs read from that row, once, in aligned vector
loads of up to 16 bytes, and reuses each register across the outputs that read it (a
sliding window): ``P`` times the row's terms FMAs in f32 with the coefficients as f32
immediates. Each output is rounded once to the storage type and stored under a predicate.

**Block layout** (:class:`ThreadLayout`, :class:`DirectGeometry`). The ``32 W`` threads of a
block form a box of ``arrangement`` threads per axis (powers of two, so a thread's
coordinates are shifts and masks of its id); a block's output box is ``arrangement`` times
the thread's run ``(1, ..., 1, P)`` per axis, ``groups`` times that on the outermost axis.
The staged rows are padded to a multiple of 4 elements so that the windows and the staging
can use 16-byte accesses.

**Cost** (:func:`direct_cost`), in the units of the tensor-core search
(:class:`~.search.BlockCost`: warp-instructions per updated point of the whole launch, plus
:data:`~.search.BYTE_COST` per staged byte, scaled for latency hiding), counted from the
emitter's structure (:mod:`sparse_stencil.passes.lower_direct`), so that ``path="auto"``
compares like with like. :func:`choose_direct` tries 1, 2, 4 or 8 warps, every power-of-two
arrangement, runs of 1 to 16 points and 1 to 8 groups.

**The error bound** (:func:`direct_error_bound`). The reference computes
``y = RN_s(sum c_o x_o)`` exactly in float64 and rounds once to the storage type s. The
kernel rounds the coefficients to f32, ``c'_o = c_o (1 + d_o)`` with ``|d_o| <= u = 2^-24``
(or ``|c'_o - c_o| <= 2^-150`` in f32's subnormal range); the inputs are storage values,
exact in f32. It adds the n non-zero terms by one multiply and n - 1 FMAs, each rounding
once: ``|err_k| <= u |acc_k| + 2^-150``. With ``M = sum |c_o x_o|`` and
``M' = (1 + u) M + n 2^-150 X`` (X the largest ``|x|``) every ``|acc_k| <= (1 + u)^k M'``, so

- coefficient rounding: ``|sum c'x - sum c x| <= u M + n 2^-150 X``;
- accumulation: ``sum_k |err_k| <= n u (1 + u)^n M' + n 2^-150 <= n 2^-23 M' + n 2^-150``
  (``(1 + u)^n <= 2`` for any n below 2^23; a stencil has at most 17^3 points);
- final rounding: ``|RN_s(acc) - RN_s(y)| <= |acc - y| + max(spacing(z), spacing(y))``, as
  in :mod:`~sparse_stencil.kernel.numerics`.

On integer-valued grids with dyadic coefficients whose products and partial sums are exact
in f32 the first two terms vanish and the kernel equals the reference bit for bit.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from sparse_stencil.dtypes import FLOAT32, StorageType
from sparse_stencil.errors import StencilError
from sparse_stencil.kernel.geometry import WARP, StagedTiling
from sparse_stencil.kernel.numerics import round_coefficients_to
from sparse_stencil.kernel.search import MAX_REGISTERS, MAX_SHARED, BlockCost, resident_warps
from sparse_stencil.layout.evaluate import spacing
from sparse_stencil.layout.morphing import format_tile
from sparse_stencil.reference import apply_once
from sparse_stencil.stencil import Stencil

DIRECT_INSTRUCTION = "fma.rn.f32"
"""The instruction a CUDA-core kernel computes with (its `mma.kernel` header names it)."""
SHARED_ELEMENT_BYTES = 4
"""The staged box holds f32."""
VECTOR = 4
"""Elements per 16-byte shared access (and per staging access where rows are aligned)."""
RUNS = (1, 2, 4, 8, 16)
GROUPS = (1, 2, 4, 8)
WARPS = (1, 2, 4, 8)


@dataclass(frozen=True)
class ThreadLayout:
    """How a CUDA-core block is laid out: warps, runs per thread, threads per axis."""

    warps: int
    groups: int
    """Runs per thread, stacked on the outermost axis."""
    arrangement: tuple[int, ...]
    """Threads per axis (powers of two whose product is ``32 * warps``)."""
    pad: int = 0
    """Elements added to the staged box's innermost row (the shared-memory pitch)."""

    def __post_init__(self) -> None:
        if self.warps < 1 or self.groups < 1 or self.pad < 0:
            raise StencilError(
                f"a block needs at least one warp and one run and a pad >= 0, got {self}"
            )
        if math.prod(self.arrangement) != self.threads or not all(
            n >= 1 and n & (n - 1) == 0 for n in self.arrangement
        ):
            raise StencilError(
                f"the thread arrangement {format_tile(self.arrangement)} must hold "
                f"{self.threads} threads, a power of two per axis"
            )

    @property
    def threads(self) -> int:
        """Threads per block."""
        return WARP * self.warps

    def describe(self) -> str:
        """The layout as stats print it: ``4 warps x 2 runs, threads 8x16, pad 2``."""
        return (
            f"{self.warps} warps x {self.groups} runs, threads {format_tile(self.arrangement)}"
            f", pad {self.pad}"
        )


@dataclass(frozen=True)
class DirectGeometry(StagedTiling):
    """A grid tiled by CUDA-core blocks of a :class:`ThreadLayout`, each thread computing
    runs of `run` points along the innermost axis. The properties mean what those of
    :class:`~.geometry.Geometry` mean, with the thread's run as the tile; the box is staged
    as f32."""

    shape: tuple[int, ...]
    halo: tuple[int, ...]
    run: int
    block: ThreadLayout
    element_bytes: int
    """Bytes of one element of the grid (its storage type)."""

    def __post_init__(self) -> None:
        if not len(self.shape) == len(self.halo) == len(self.block.arrangement):
            raise StencilError(
                f"thread arrangement {format_tile(self.block.arrangement)} must have one "
                f"extent per axis of the {format_tile(self.shape)} grid"
            )
        if self.run < 1:
            raise StencilError(f"a thread computes at least one point, got a run of {self.run}")

    @property
    def tile(self) -> tuple[int, ...]:
        """The points of one run: ``(1, ..., 1, run)``."""
        return (1,) * (self.dims - 1) + (self.run,)

    @property
    def extent(self) -> tuple[int, ...]:
        """Output points per axis of one block."""
        tiles = [a * t for a, t in zip(self.block.arrangement, self.tile, strict=True)]
        tiles[0] *= self.block.groups
        return tuple(tiles)

    @property
    def threads(self) -> int:
        """Threads per block."""
        return self.block.threads

    @property
    def pad(self) -> int:
        """Elements added to the staged box's innermost row."""
        return self.block.pad

    @property
    def staged_bytes(self) -> int:
        """The box is staged as f32, whatever the grid's type."""
        return SHARED_ELEMENT_BYTES

    @property
    def group_shift(self) -> int:
        """Points along the outermost axis from one run of a thread to its next."""
        return self.block.arrangement[0] * self.tile[0]

    @property
    def alignment(self) -> int:
        """Elements to which every thread's run start and every staged row is aligned: the
        widest vector a window load may use."""
        return math.gcd(VECTOR, self.run, self.pitch)


@dataclass(frozen=True)
class StencilRow:
    """The non-zero terms of a stencil that share their outer coordinates `outer`: (inner
    offset, f32 coefficient) pairs, by inner offset."""

    outer: tuple[int, ...]
    terms: tuple[tuple[int, float], ...]

    def window(self, halo: int, run: int) -> tuple[int, int]:
        """First and last staged column, from a run's first output, that the run reads."""
        return halo + self.terms[0][0], halo + self.terms[-1][0] + run - 1


def stencil_rows(stencil: Stencil, coefficients: Sequence[float]) -> list[StencilRow]:
    """The stencil's non-zero terms with `coefficients`, grouped into rows (an explicit zero
    only widens the boundary band)."""
    rows: dict[tuple[int, ...], list[tuple[int, float]]] = {}
    for offset, c in sorted(zip(stencil.offsets, coefficients, strict=True)):
        if c != 0:
            rows.setdefault(offset[:-1], []).append((offset[-1], c))
    return [StencilRow(outer, tuple(terms)) for outer, terms in rows.items()]


def window_loads(first: int, last: int, alignment: int) -> list[tuple[int, int]]:
    """Loads (column, width) that read columns `first` to `last` once: each the widest of 4, 2
    or 1 elements that is aligned and stays within them."""
    loads: list[tuple[int, int]] = []
    column = first
    while column <= last:
        width = next(
            w for w in (4, 2, 1) if w <= alignment and column % w == 0 and column + w <= last + 1
        )
        loads.append((column, width))
        column += width
    return loads


def f32_coefficients(stencil: Stencil) -> tuple[float, ...]:
    """The coefficients rounded to f32 (a :class:`StencilError` names one that overflows or
    underflows to zero)."""
    return tuple(round_coefficients_to(stencil, FLOAT32).tolist())


@dataclass(frozen=True, eq=False)
class DirectChoice:
    """The layout of a CUDA-core kernel and what it costs."""

    geometry: DirectGeometry
    coefficients: tuple[float, ...]
    """The stencil's coefficients rounded to f32, in the order of its offsets."""
    cost: BlockCost
    candidates: int
    """Layouts the search compared."""


def choose_direct(
    stencil: Stencil, shape: Sequence[int], storage: StorageType, arch: str
) -> DirectChoice:
    """The cheapest CUDA-core layout for `stencil` on a grid of `shape` (module docstring)."""
    coefficients = f32_coefficients(stencil)
    rows = stencil_rows(stencil, coefficients)
    best: tuple[float, DirectGeometry, BlockCost] | None = None
    candidates = 0
    for layout, run in itertools.product(thread_layouts(len(shape)), RUNS):
        geometry = DirectGeometry(tuple(shape), stencil.radii, run, layout, element_bytes(storage))
        geometry = replace(geometry, block=replace(layout, pad=-geometry.box[-1] % VECTOR))
        estimate = direct_cost(geometry, rows, arch)
        candidates += 1
        if estimate is not None and (best is None or estimate.total < best[0]):
            best = (estimate.total, geometry, estimate)
    if best is None:
        raise StencilError("no CUDA-core block layout fits the target's limits for this stencil")
    return DirectChoice(best[1], coefficients, best[2], candidates)


def element_bytes(storage: StorageType) -> int:
    """Bytes of one grid element of `storage`."""
    return 4 if storage.name == "float32" else 2


def thread_layouts(dims: int) -> Iterator[ThreadLayout]:
    """Every thread layout the search tries (pad 0; the pad aligns the rows afterwards)."""
    for warps, groups in itertools.product(WARPS, GROUPS):
        exponent = (WARP * warps).bit_length() - 1
        for split in itertools.product(range(exponent + 1), repeat=dims):
            if sum(split) == exponent:
                yield ThreadLayout(warps, groups, tuple(1 << e for e in split))


def registers(geometry: DirectGeometry, rows: Sequence[StencilRow]) -> int:
    """An estimate of the registers per thread: ids, addresses and limits, then per run its
    accumulators, its widest window and 3 per further row (ptxas hoists the loads of every
    row and run ahead of the FMAs). Fitted against ``ptxas -v`` on 1D-3D stars and boxes:
    within about 30 % (over, mostly) where it matters, 2D; it may underestimate 3D runs."""
    widest = max(last - first + 1 for first, last in (r.window(0, geometry.run) for r in rows))
    per_run = geometry.run + widest + 3 * (len(rows) - 1)
    return 24 + 2 * geometry.dims + geometry.block.groups * per_run


def direct_cost(
    geometry: DirectGeometry, rows: Sequence[StencilRow], arch: str
) -> BlockCost | None:
    """The cost of a CUDA-core kernel under `geometry` (module docstring); None when it does
    not fit the target."""
    block = geometry.block
    regs = registers(geometry, rows)
    if geometry.shared_bytes > MAX_SHARED or regs > MAX_REGISTERS:
        return None
    blocks = math.prod(geometry.blocks)
    points = geometry.updated_points
    per_block = block.warps * warp_instructions(geometry, rows)
    staged = math.prod(geometry.box) * geometry.element_bytes
    return BlockCost(
        instructions=blocks * per_block / points,
        staged_bytes=blocks * staged / points,
        registers=regs,
        resident_warps=resident_warps(arch, geometry.shared_bytes, block.warps, regs),
    )


def warp_instructions(geometry: DirectGeometry, rows: Sequence[StencilRow]) -> int:
    """Warp-instructions one warp issues, by the emitter's structure: the prologue and the
    staging, the thread's coordinates and addresses, then per run the window loads, the
    multiply and FMAs, and per point a predicate, the rounding and the store."""
    dims, run = geometry.dims, geometry.run
    halo = geometry.halo[-1]
    loads = sum(len(window_loads(*r.window(halo, run), geometry.alignment)) for r in rows)
    terms = sum(len(r.terms) for r in rows)
    rounding = int(geometry.element_bytes != 4)
    per_run = loads + terms * run + run * (2 + rounding) + int(dims > 1)
    thread = 4 * dims + 6
    return 8 + 3 * dims + staging_instructions(geometry) + thread + geometry.block.groups * per_run


def staging_instructions(geometry: DirectGeometry) -> int:
    """Warp-instructions one warp issues to stage the box
    (:func:`~sparse_stencil.passes.ptx_staging.stage`): per access a load, the zero fill
    and the conversion of each element (16-bit grids), the store and up to two predicate
    conjunctions; the guards of rows, columns and planes and the addresses once."""
    dims, box, vector = geometry.dims, geometry.box, geometry.stage_vector
    threads = geometry.block.threads
    width = (threads if dims == 1 else WARP) * vector
    rows = -(-box[-2] // (threads // WARP)) if dims >= 2 else 1
    planes = box[0] if dims == 3 else 1
    chunks = -(-box[-1] // width)
    per_element = 1 + int(geometry.element_bytes != 4)
    per_access = 4 + vector * per_element
    guards = 2 * rows + 2 * chunks + planes
    return planes * rows * chunks * per_access + guards + 2 * dims + 9


def direct_error_bound(
    stencil: Stencil,
    storage: StorageType,
    x: npt.ArrayLike,
    got: npt.NDArray[np.float64],
    expected: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Per point, how far one CUDA-core step on grid `x` may be from one reference step
    (module docstring); `got` and `expected` are the two results."""
    u = 2.0**-24
    tiny = 2.0**-150
    grid = np.abs(storage.round(np.asarray(x, dtype=np.float64)))
    absolute = stencil.magnitudes()
    magnitude = apply_once(absolute, grid)
    n = sum(1 for c in stencil.coefficients if c != 0)
    subnormal = n * tiny * float(grid.max(initial=0.0))
    grown = (1 + u) * magnitude + subnormal
    coefficients = u * magnitude + subnormal
    accumulation = n * 2.0**-23 * grown + n * tiny
    final = np.maximum(spacing(got, storage), spacing(expected, storage))
    return coefficients + accumulation + final
