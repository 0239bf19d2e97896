"""`compile`: a stencil and a grid shape in, a sparse-tensor-core (or CUDA-core) kernel (PTX) out.

    >>> kernel = compile(catalog.get("box2d3r"), (256, 256), dtype="float16")  # doctest: +SKIP
    >>> kernel.ptx[:13], kernel.stats["redundancy"]                           # doctest: +SKIP
    ('.version 8.5\\n', 1.19...)
    >>> y = kernel.emulate(x, steps=4)   # the printed PTX, executed on the PTX simulator

The pipeline: L1 offers its candidate output tiles (morphed, and 2:4 or 1:2 converted on the
sparse path), the kernel's cost model picks the tile and the block layout together
(:mod:`sparse_stencil.kernel.search`), the chosen layout becomes an `mma.kernel` (L2,
:mod:`~sparse_stencil.passes.lower_layout_to_mma`), which is lowered to `ptx` ops (L3,
:mod:`~sparse_stencil.passes.lower_mma_to_ptx`) and printed. ``path="cuda-core"`` builds the
direct CUDA-core kernel instead (:mod:`sparse_stencil.kernel.direct`), ``path="auto"`` the
one of the two that the cost models estimate cheaper. ``compute=`` chooses how the tensor
cores multiply a float32 grid (:mod:`sparse_stencil.kernel.precision`).
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp

from sparse_stencil.backends import ptxas
from sparse_stencil.backends.ptx_printer import print_ptx
from sparse_stencil.dialects import mma
from sparse_stencil.dialects.lstencil import GridType
from sparse_stencil.dtypes import StorageType, storage_type
from sparse_stencil.errors import StencilError
from sparse_stencil.kernel.direct import (
    DIRECT_INSTRUCTION,
    DirectChoice,
    DirectGeometry,
    choose_direct,
    stencil_rows,
)
from sparse_stencil.kernel.fusion import global_bytes_per_point_step, redundancy_factor
from sparse_stencil.kernel.geometry import BlockLayout, Geometry
from sparse_stencil.kernel.instruction import MmaInstruction, instruction_for
from sparse_stencil.kernel.numerics import round_coefficients
from sparse_stencil.kernel.precision import (
    CUDA_CORE_MODE,
    SPLIT_PRODUCTS,
    SPLIT_TYPES,
    mode_of,
    planes_of,
    resolve_compute,
    split_type,
)
from sparse_stencil.kernel.search import (
    MAX_TILES,
    TILE_SLACK,
    KernelChoice,
    StepPlan,
    choose_kernel,
    lead,
)
from sparse_stencil.kernel.tables import KernelLayout
from sparse_stencil.layout.matching import convert_gemm, sparsify
from sparse_stencil.layout.morphing import TiledGemm, check_tile, format_tile, morph, tile_shapes
from sparse_stencil.layout.pairing import convert_pairs, order_dense_pairs
from sparse_stencil.layout.pieces import dense_orders, sparse_orders
from sparse_stencil.layout.runs import (
    RUN,
    run_tiles,
    split_runs,
)
from sparse_stencil.layout.search import choose_layout
from sparse_stencil.layout.split import split_layouts
from sparse_stencil.passes.lower_layout_to_mma import check_arch, kernel_op
from sparse_stencil.passes.lower_mma_to_ptx import LowerMmaToPtxPass
from sparse_stencil.sim import Program
from sparse_stencil.sim.profile import CLASSES
from sparse_stencil.sparsity import sparsity_of
from sparse_stencil.stencil import Stencil

Sparsity = Literal["sparse", "dense"]
Path = Literal["tensor-core", "cuda-core", "auto"]
PATHS = ("tensor-core", "cuda-core", "auto")
KOrder = Literal["auto", "densest", "pairs", "runs"]
K_ORDERS = ("auto", "densest", "pairs", "runs")
_MAX_ELEMENTS = 2**31 - 1
"""Flat element indices are 32-bit in the kernel."""


@dataclass(eq=False)
class Kernel:
    """A compiled stencil kernel for one grid shape and storage type.

    `ptx` is the module's text, `stats` what it costs and how it was laid out (see
    :meth:`describe`); :meth:`emulate` runs `ptx` on the PTX simulator.
    """

    stencil: Stencil
    shape: tuple[int, ...]
    storage: StorageType
    arch: str
    ptx: str
    entry: str
    choice: KernelChoice | DirectChoice
    """The tensor-core layout, or the CUDA-core one (``stats["path"]`` says which)."""
    stats: dict[str, Any] = field(default_factory=dict[str, Any])
    _program: Program | None = field(default=None, repr=False)
    _remainders: dict[int, Kernel] = field(default_factory=dict[int, "Kernel"], repr=False)

    @property
    def fuse(self) -> int:
        """Steps one launch applies (temporal fusion, :mod:`sparse_stencil.kernel.fusion`)."""
        return self.geometry.fuse

    def remainder(self, steps: int) -> Kernel:
        """The kernel of the same layout that applies `steps` (< :attr:`fuse`) per launch:
        the last, shorter launch of a run whose steps are not a multiple of :attr:`fuse`;
        compiled on first use (``stats["remainder_kernels"]`` lists those built)."""
        if not 1 <= steps < self.fuse:
            raise StencilError(f"a remainder applies 1 to {self.fuse - 1} steps, not {steps}")
        if steps not in self._remainders:
            assert isinstance(self.choice, KernelChoice)  # only tensor-core kernels fuse
            choice = replace(self.choice, geometry=replace(self.choice.geometry, fuse=steps))
            self._remainders[steps] = build_kernel(
                self.stencil, self.storage, self.arch, choice, assemble=False
            )
            self.stats["remainder_kernels"] = sorted(self._remainders)
        return self._remainders[steps]

    def launches(self, steps: int) -> list[tuple[Kernel, int]]:
        """The launches that apply `steps` steps: (kernel, launches of it), this kernel's
        ``steps // fuse`` launches, then one of the remainder kernel if any."""
        full, rest = divmod(steps, self.fuse)
        plan: list[tuple[Kernel, int]] = [(self, full)] if full else []
        return plan + ([(self.remainder(rest), 1)] if rest else [])

    @property
    def compute(self) -> str:
        """How the kernel multiplies: its tensor-core mode (``f16``, ``bf16``, ``tf32``,
        ``split-f16``, ``split-bf16``) or ``f32`` on the CUDA cores."""
        return self.stats["compute"]

    @property
    def geometry(self) -> Geometry | DirectGeometry:
        """The block tiling of the grid."""
        return self.choice.geometry

    @property
    def launch(self) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
        """(grid, block) launch dimensions of one step."""
        return self.geometry.launch

    def program(self) -> Program:
        """The parsed PTX, for the simulator (parsed once)."""
        if self._program is None:
            self._program = Program(self.ptx)
        return self._program

    def emulate(self, x: npt.ArrayLike, steps: int = 1) -> npt.NDArray[np.float64]:
        """Apply the kernel `steps` times to the grid `x` on the PTX simulator.

        The grid is rounded to the storage type, both ping-pong buffers start as it (so the
        boundary band is copied once), and each launch of the printed PTX, with the launch
        shape a GPU run uses, applies :attr:`fuse` steps; steps that are not a multiple of
        it end with one launch of a :meth:`remainder` kernel. Returns the grid as float64.
        """
        if steps < 0:
            raise StencilError(f"steps must be >= 0, got {steps}")
        grid = np.asarray(x, dtype=np.float64)
        if grid.shape != self.shape:
            raise StencilError(
                f"the kernel was compiled for a {format_tile(self.shape)} grid, got "
                f"{format_tile(grid.shape) if grid.ndim else 'a scalar'}"
            )
        current = to_device_bits(self.storage.round(grid), self.storage)
        following = current.copy()
        for kernel, launches in self.launches(steps):
            launch_grid, block = kernel.launch
            for _ in range(launches):
                kernel.program().launch(kernel.entry, launch_grid, block, [current, following])
                current, following = following, current
        return from_device_bits(current, self.storage)

    def profile(self) -> dict[str, float]:
        """Warp-instructions by class, global bytes and bank conflicts per updated point per
        step (a launch applies :attr:`fuse` steps), counted by the simulator on one block
        (:func:`profile_block`), zero-valued data.

        Counted on the simulator, not timed: the yardstick of performance until a GPU is
        lent. The keys are the simulator's classes (:mod:`sparse_stencil.sim.profile`),
        plus ``total`` (all warp-instructions).
        """
        grid = np.zeros(self.shape)
        current = to_device_bits(grid, self.storage)
        block = profile_block(self.geometry)
        launch_grid, threads = self.launch
        run = self.program().launch(
            self.entry, launch_grid, threads, [current, current.copy()], blocks=[block]
        )
        points = _block_points(self.geometry, block) * self.fuse
        counts = {name: value / points for name, value in run.profile.items()}
        counts["total"] = sum(run.profile[name] for name in CLASSES) / points
        return counts

    def describe(self) -> str:
        """A short human summary of the layout and its costs."""
        s = self.stats
        if s["path"] == "cuda-core":
            return (
                f"{self.entry}: {s['instruction']} on the CUDA cores, {s['tile']} points per "
                f"thread run, block {s['block']}, launch {s['launch']}, "
                f"shared {s['shared_bytes']} B"
            )
        split = f" x{SPLIT_PRODUCTS} ({s['compute']})" if s["compute"] in SPLIT_TYPES else ""
        fused = f", {s['fuse_steps']} steps per launch" if s["fuse_steps"] > 1 else ""
        return (
            f"{self.entry}: {s['instruction']}{split} tile {s['tile']} K {s['k']} "
            f"({s['steps']} steps), block {s['block']}, launch {s['launch']}, "
            f"redundancy {s['redundancy']:.2f}, shared {s['shared_bytes']} B{fused}"
        )

    @property
    def halo(self) -> tuple[int, ...]:
        """Width per axis of the boundary band that no step writes (a subdomain's halo)."""
        return self.geometry.halo

    def run(self, x: Any, steps: int = 1, stream: Any = None) -> Any:
        """Apply the kernel `steps` times to the grid `x` on the GPU, through pycuda.

        A host array in (anything numpy takes) gives a numpy array out, of the storage
        dtype (bfloat16 as float32 holding the bfloat16 values). A device array (an object
        with ``__cuda_array_interface__``: CuPy, PyTorch, a pycuda ``GPUArray``) of the
        storage dtype and `shape`, C-contiguous, is updated in place and returned. `stream`
        is a ``pycuda.driver.Stream`` or None. See :mod:`sparse_stencil.runtime`.
        """
        from sparse_stencil.runtime.launcher import run

        return run(self, x, steps, stream)


def compile(
    stencil: Stencil,
    shape: Sequence[int],
    dtype: str = "float16",
    arch: str = "sm_80",
    *,
    sparsity: Sparsity = "sparse",
    tile: Sequence[int] | None = None,
    block: BlockLayout | None = None,
    assemble: bool = True,
    profile: bool = False,
    k_order: KOrder = "auto",
    cache: bool = False,
    path: Path = "tensor-core",
    compute: str | None = None,
    fuse_steps: int | None = None,
) -> Kernel:
    """Compile `stencil` for grids of `shape` and storage `dtype` into a PTX kernel.

    `sparsity` is "sparse" (`mma.sp`) or "dense" (`mma.sync` on the unconverted matrix);
    `tile` forces L1's output tile and `block` the block layout (whose pad the search still
    chooses). `k_order` chooses how K is ordered, which decides how a lane loads its B
    operands: "auto" lets the cost model pick among all, "densest" keeps the least redundant
    2:4 conversion, "pairs" the one whose 16-bit B operands load in aligned 32-bit pairs
    (:mod:`sparse_stencil.layout.pairing`), "runs" the one whose lanes load aligned runs
    and pieces of them, 16, 8 or 4 bytes at a time (:mod:`sparse_stencil.layout.runs`,
    :mod:`sparse_stencil.layout.pieces`; tiles a multiple of 8 wide; both of these for
    16-bit grids only). With `assemble` (and ptxas
    available) ptxas assembles the module and its register and spill counts go into the
    stats; with `profile`, the simulator's per-point instruction profile too
    (:meth:`Kernel.profile`, ``stats["profile"]``). With `cache`, the kernel comes from
    the disk cache when it holds it (:mod:`sparse_stencil.runtime.cache`), and goes there.

    `path` is "tensor-core", "cuda-core" (the direct stencil on the CUDA cores,
    :mod:`sparse_stencil.kernel.direct`; `sparsity`, `tile`, `block` and `k_order` do not
    apply to it) or "auto": the cheaper of the two by their cost models' estimates.
    ``stats["path"]`` says which was built and ``stats["path_reason"]`` why.

    `compute` is how the tensor cores multiply a float32 grid
    (:mod:`sparse_stencil.kernel.precision`): "tf32" (the default), "split-f16" or
    "split-bf16"; it does not apply to 16-bit grids (which multiply as themselves) nor to
    the CUDA-core path (f32 FMAs). ``stats["compute"]`` says the mode built.

    `fuse_steps` is how many steps one launch applies (temporal fusion,
    :mod:`sparse_stencil.kernel.fusion`): None (the default) lets the cost model choose (1
    to :data:`~.fusion.MAX_FUSE`, more where the global traffic it saves outweighs the
    halo it recomputes), or a number forces it. Only tensor-core kernels without a split
    precision mode fuse; the others apply one step per launch.
    ``stats["fuse_steps"]`` says what was built; :meth:`Kernel.emulate` and
    :meth:`Kernel.run` apply any number of steps (a remainder kernel ends a run whose
    steps are not a multiple).
    """
    if fuse_steps is not None and fuse_steps < 1:
        raise StencilError(f"fuse_steps must be >= 1, got {fuse_steps}")
    if fuse_steps is not None and fuse_steps > 1 and path == "cuda-core":
        raise StencilError("the CUDA-core kernel applies one step per launch: use fuse_steps=1")
    if path not in PATHS:
        raise StencilError(f"unknown path '{path}': expected one of {', '.join(PATHS)}")
    if path == "cuda-core" and (tile is not None or block is not None):
        raise StencilError("tile= and block= choose a tensor-core layout, not a CUDA-core one")
    if path == "cuda-core" and compute is not None:
        raise StencilError("compute= chooses how tensor cores multiply, not the CUDA cores")
    if cache:
        from sparse_stencil.runtime import cache as disk

        options = disk.CompileOptions(
            dtype,
            arch,
            sparsity,
            tile,
            block,
            assemble,
            profile,
            k_order,
            path,
            compute,
            fuse_steps,
        )
        return disk.cached_compile(stencil, shape, options)
    start = time.perf_counter()
    storage = storage_type(dtype)
    resolve_compute(compute, storage)
    check_arch(arch)
    grid_shape = stencil.check_grid(shape)
    if math.prod(grid_shape) > _MAX_ELEMENTS:
        raise StencilError(f"a grid of {math.prod(grid_shape)} points is larger than 2^31 - 1")
    choice, reason = choose_path(
        stencil,
        grid_shape,
        storage,
        arch,
        path,
        sparsity,
        tile,
        block,
        k_order,
        compute,
        fuse_steps,
    )
    kernel = build_kernel(stencil, storage, arch, choice, assemble)
    kernel.stats["path_reason"] = reason
    kernel.stats["compile_seconds"] = time.perf_counter() - start
    if profile:
        kernel.stats["profile"] = kernel.profile()
    return kernel


def build_kernel(
    stencil: Stencil,
    storage: StorageType,
    arch: str,
    choice: KernelChoice | DirectChoice,
    assemble: bool = True,
) -> Kernel:
    """The kernel of a chosen layout: its L2 op, lowered, printed, and its stats."""
    grid = GridType.of(choice.geometry.shape, storage)
    if isinstance(choice, DirectChoice):
        entry = _entry_name(stencil, storage, "cuda_core")
        kernel_ir = direct_kernel_op(entry, grid, stencil, choice)
    else:
        mode = mode_of(choice.instruction, choice.geometry.planes)
        kind = "sparse" if choice.instruction.sparse else "dense"
        kind = kind if mode not in SPLIT_TYPES else f"{kind}_{mode.replace('-', '_')}"
        fused = choice.geometry.fuse
        entry = _entry_name(stencil, storage, kind if fused == 1 else f"{kind}_x{fused}")
        kernel_ir = kernel_op(entry, grid, choice)
    module = ModuleOp([kernel_ir])
    LowerMmaToPtxPass().apply(Context(), module)
    text = print_ptx(module, arch)
    kernel = Kernel(stencil, choice.geometry.shape, storage, arch, text, entry, choice)
    kernel.stats = (
        _direct_stats(kernel, choice)
        if isinstance(choice, DirectChoice)
        else _stats(kernel, choice.instruction)
    )
    kernel.stats["compute"] = (
        CUDA_CORE_MODE
        if isinstance(choice, DirectChoice)
        else mode_of(choice.instruction, choice.geometry.planes)
    )
    if assemble and ptxas.unavailable_reason() is None:
        kernel.stats.update(_ptxas_stats(text, arch))
    return kernel


def choose_path(
    stencil: Stencil,
    shape: Sequence[int],
    storage: StorageType,
    arch: str,
    path: Path,
    sparsity: Sparsity = "sparse",
    tile: Sequence[int] | None = None,
    block: BlockLayout | None = None,
    k_order: KOrder = "auto",
    compute: str | None = None,
    fuse_steps: int | None = None,
) -> tuple[KernelChoice | DirectChoice, str]:
    """The layout of the kernel on `path`, and why that path: "requested", or with "auto"
    the two estimates (warp-instructions per point, :class:`~.search.BlockCost`) compared,
    the tensor cores' in the precision mode `compute`, fusing `fuse_steps` steps (None: as
    their cost model chooses).

    With "auto", a stencil that the tensor cores cannot take (a coefficient their compute
    type cannot hold, no layout within the limits) goes to the CUDA cores.
    """
    if path == "cuda-core":
        return choose_direct(stencil, shape, storage, arch), "requested"
    options = (sparsity, tile, block, k_order, compute, fuse_steps)
    if path == "tensor-core":
        return choose(stencil, shape, storage, arch, *options), "requested"
    direct = choose_direct(stencil, shape, storage, arch)
    try:
        tensor = choose(stencil, shape, storage, arch, *options)
    except StencilError as error:
        return direct, f"the tensor cores cannot take it: {error}"
    ours, theirs = direct.cost.total, tensor.cost.total
    if ours < theirs:
        return direct, f"estimated {ours:.2f} (cuda-core) vs {theirs:.2f} (tensor-core) per point"
    return tensor, f"estimated {theirs:.2f} (tensor-core) vs {ours:.2f} (cuda-core) per point"


def direct_kernel_op(
    name: str, grid: GridType, stencil: Stencil, choice: DirectChoice
) -> mma.KernelOp:
    """The L2 CUDA-core kernel of a chosen layout: ``mma.stage`` then ``mma.direct``."""
    geometry = choice.geometry
    body = [mma.StageOp(geometry), mma.DirectOp(stencil.offsets, choice.coefficients)]
    return mma.KernelOp(name, grid, geometry, DIRECT_INSTRUCTION, body)


def choose(
    stencil: Stencil,
    shape: Sequence[int],
    storage: StorageType,
    arch: str,
    sparsity: Sparsity = "sparse",
    tile: Sequence[int] | None = None,
    block: BlockLayout | None = None,
    k_order: KOrder = "auto",
    compute: str | None = None,
    fuse_steps: int | None = None,
) -> KernelChoice:
    """The kernel layout (L1 tile, its GEMM, block layout, steps per launch) for `stencil`
    on a `shape` grid, in the precision mode `compute` (None: the storage type's default),
    fusing `fuse_steps` steps (None: the cost model's choice, one in a split mode).

    A split mode lays the stencil out as for a grid of its 16-bit type (2:4, 16-bit K
    orders) and stages two planes. Raises :class:`StencilError` for a coefficient the
    compute type cannot hold, or when no layout fits the target.
    """
    if sparsity not in ("sparse", "dense"):
        raise StencilError(f"unknown sparsity '{sparsity}': expected 'sparse' or 'dense'")
    mode = resolve_compute(compute, storage)
    layout_storage = split_type(mode) or storage
    instruction = instruction_for(layout_storage, sparsity == "sparse")
    round_coefficients(stencil, instruction)
    return choose_kernel(
        lambda: candidate_layouts(stencil, layout_storage, instruction, tile, k_order),
        instruction,
        shape,
        arch,
        block,
        planes_of(mode),
        fuse_steps,
    )


def candidate_layouts(
    stencil: Stencil,
    storage: StorageType,
    instruction: MmaInstruction,
    tile: Sequence[int] | None,
    k_order: KOrder = "auto",
) -> list[KernelLayout]:
    """The L1 layouts the kernel search compares: `tile`'s alone, or L1's best few, in the
    K orders `k_order` allows.

    L1 ranks every tile by the lower bound on its converted K per output point; the tiles
    within :data:`~.search.TILE_SLACK` of the best bound (at most :data:`~.search.MAX_TILES`)
    are converted by the best conversion, and where it pads, split
    (:mod:`sparse_stencil.layout.split`) ("densest"); for 16-bit grids also by the
    pair-aware one (:mod:`sparse_stencil.layout.pairing`, "pairs"). On the dense path the
    morphed K, padded to 16, takes the bound's place, and for 16-bit grids the columns are
    ordered pairs first. For 16-bit grids both paths add the tiles whose inputs load in
    16-byte runs (:mod:`sparse_stencil.layout.runs`, "runs"), 2:4-converted on the sparse
    one by aligned pieces (:mod:`sparse_stencil.layout.pieces`: whole runs, or pieces of 16,
    8 and 4 bytes at the tile phase that suits them), and split there where some runs find
    no partner.
    """
    if k_order not in K_ORDERS:
        raise StencilError(f"unknown k_order '{k_order}': expected one of {', '.join(K_ORDERS)}")
    sixteen_bit = storage.name != "float32"
    if k_order in ("pairs", "runs") and not sixteen_bit:
        raise StencilError(f"k_order '{k_order}' orders 16-bit operands: not for float32 grids")
    runs = _run_gemms(stencil, tile) if sixteen_bit and k_order in ("auto", "runs") else []
    if k_order == "runs" and not runs:
        raise StencilError(f"k_order 'runs' needs a tile a multiple of {RUN} points wide")
    if instruction.sparse:
        converted: list[KernelLayout] = [
            order
            for g in runs
            for order in _cheapest_orders([sparsify(*o) for o in sparse_orders(g)], instruction)
        ]
        splits = [split_runs(g) for g in runs]
        converted += [split for split in splits if split is not None]
        return _sparse_layouts(stencil, storage, tile, k_order) + converted
    dense: list[KernelLayout] = []
    if k_order != "runs":
        shapes = [check_tile(tile, stencil.dims)] if tile is not None else tile_shapes(stencil.dims)
        gemms = sorted(
            (morph(stencil, shape) for shape in shapes),
            key=lambda g: (-(-g.k // instruction.k) / g.m, -g.m),
        )[:MAX_TILES]
        dense += [order_dense_pairs(g) if sixteen_bit else g for g in gemms]
    return dense + [o for g in runs for o in _cheapest_orders(dense_orders(g), instruction)]


def _cheapest_orders(
    orders: Sequence[KernelLayout], instruction: MmaInstruction
) -> list[KernelLayout]:
    """Of one tile's K orders (:mod:`sparse_stencil.layout.pieces`), the one whose tile
    product issues the fewest warp-instructions per group (for a block of 8 groups) among
    those without a lead, and among those with one where it is cheaper still: what a lead
    costs (a wider staged box, more blocks) only the block search can tell."""

    def issued(order: KernelLayout) -> float:
        shared, per_group = StepPlan.of(order, instruction).product(16, 1)
        return per_group + shared / 8

    ranked = [(issued(order), i) for i, order in enumerate(orders)]  # i: ties keep order
    plain = min(r for r in ranked if not lead(orders[r[1]]))
    led = min((r for r in ranked if lead(orders[r[1]])), default=None)
    return [orders[i] for _, i in ([plain] if led is None or led[0] >= plain[0] else [plain, led])]


def _sparse_layouts(
    stencil: Stencil, storage: StorageType, tile: Sequence[int] | None, k_order: KOrder
) -> list[KernelLayout]:
    """The converted layouts of L1's best tiles in the "densest" and "pairs" K orders."""
    if k_order == "runs":
        return []
    rule = sparsity_of(storage)
    best = choose_layout(stencil, rule, tile)
    scored = [(c.padded_bound / math.prod(c.tile), c.tile) for c in best.candidates]
    gemms = [best.gemm]
    if tile is None:
        floor = min(s for s, _ in scored)
        for _, shape in sorted((s, t) for s, t in scored if s <= TILE_SLACK * floor):
            if len(gemms) < MAX_TILES and shape != best.gemm.tile:
                gemms.append(morph(stencil, shape))
    sixteen_bit = storage.name != "float32"
    layouts: list[KernelLayout] = []
    if k_order in ("auto", "densest"):
        plain = [best.sparse, *(convert_gemm(g, rule) for g in gemms[1:])]
        layouts += plain
        for gemm, converted in zip(gemms, plain, strict=True):
            layouts += split_layouts(gemm, rule, converted.k_after, sixteen_bit)
    if sixteen_bit and k_order in ("auto", "pairs"):
        layouts += [sparsify(g, convert_pairs(g)) for g in gemms]
    return layouts


def _run_gemms(stencil: Stencil, tile: Sequence[int] | None) -> list[TiledGemm]:
    """The morphed GEMMs of the tiles whose inputs load in 16-byte runs
    (:func:`~sparse_stencil.layout.runs.run_tiles`): `tile` alone if it is one of them."""
    shapes = run_tiles(stencil.dims)
    if tile is not None:
        forced = check_tile(tile, stencil.dims)
        shapes = (forced,) if forced[-1] % RUN == 0 else ()
    return [morph(stencil, shape) for shape in shapes]


def to_device_bits(values: npt.NDArray[np.float64], storage: StorageType) -> npt.NDArray[Any]:
    """Values already rounded to `storage`, as the array a kernel reads (bf16 as raw bits)."""
    if storage.name == "float16":
        return values.astype(np.float16)
    if storage.name == "float32":
        return values.astype(np.float32)
    return (values.astype(np.float32).view(np.uint32) >> 16).astype(np.uint16)


def from_device_bits(array: npt.NDArray[Any], storage: StorageType) -> npt.NDArray[np.float64]:
    """The inverse of :func:`to_device_bits`."""
    if storage.name == "bfloat16":
        return (array.astype(np.uint32) << 16).view(np.float32).astype(np.float64)
    return array.astype(np.float64)


def profile_block(geometry: Geometry | DirectGeometry) -> tuple[int, int, int]:
    """The block whose profile stands for the kernel: the middle block of each axis (an
    interior block whenever the grid has three or more blocks on every axis, so that it
    updates its whole output box), as a CUDA block index (x innermost)."""
    middle = [b // 2 for b in reversed(geometry.blocks)]
    middle += [0] * (3 - len(middle))
    return middle[0], middle[1], middle[2]


def _block_points(geometry: Geometry | DirectGeometry, block: tuple[int, int, int]) -> int:
    """Interior points that the CUDA block `block` updates."""
    index = list(reversed(block[: geometry.dims]))
    return math.prod(
        max(0, min((b + 1) * e - lead, i) - max(b * e - lead, 0))
        for b, e, i, lead in zip(
            index, geometry.extent, geometry.interior, geometry.leads, strict=True
        )
    )


def _entry_name(stencil: Stencil, storage: StorageType, kind: str) -> str:
    """The kernel's name: the stencil's, the storage type and the kind of kernel."""
    base = re.sub(r"[^A-Za-z0-9_]", "_", stencil.name or "stencil")
    return f"{base}_{storage.mlir_name}_{kind}"


def _stats(kernel: Kernel, instruction: MmaInstruction) -> dict[str, Any]:
    choice = kernel.choice
    assert isinstance(choice, KernelChoice)
    geometry = choice.geometry
    layout = choice.layout
    nonzeros = sum(1 for c in kernel.stencil.coefficients if c != 0)
    launched = geometry.launched_tiles
    per_column = sum(step.issued_macs for step in choice.steps)
    issued = launched // 8 * per_column
    grid, block = geometry.launch
    fused = redundancy_factor(geometry)
    stats: dict[str, Any] = {
        "instruction": instruction.name,
        "tile": format_tile(layout.tile),
        "k": layout.k if isinstance(layout, TiledGemm) else layout.k_after,
        "k_before": layout.k if isinstance(layout, TiledGemm) else layout.k_before,
        "steps": len(choice.steps),
        "block": geometry.block.describe(),
        "block_extent": format_tile(geometry.extent),
        # outputs before the interior on the innermost axis (the tiles' phase, §4.7)
        "lead": geometry.lead,
        "launch": {"grid": list(grid), "block": list(block)},
        "shared_bytes": geometry.shared_bytes,
        # per original step: a fused launch recomputes its blocks' halos
        "redundancy": issued * fused / (geometry.updated_points * nonzeros),
        "fuse_steps": geometry.fuse,
        "fusion_redundancy": fused,
        "global_bytes_per_point_step": global_bytes_per_point_step(geometry),
        "tile_redundancy": per_column / 8 / (layout.m * nonzeros),
        "estimated_instructions_per_point": choice.cost.instructions,
        "layouts_compared": choice.candidates,
        "path": "tensor-core",
        # a split mode issues this many MMAs per K step; redundancy counts one (the layout's)
        "products_per_step": SPLIT_PRODUCTS if geometry.planes > 1 else 1,
    }
    return stats


def _direct_stats(kernel: Kernel, choice: DirectChoice) -> dict[str, Any]:
    """The stats of a CUDA-core kernel: the tensor-core keys, with `tile` the points of a
    thread's run, and None for what has no meaning on the CUDA cores (K, K steps,
    redundancy); `fma_per_point` is the useful FMAs (the non-zero coefficients), and
    `shared_loads_per_point` the window loads one output costs."""
    geometry = choice.geometry
    grid, block = geometry.launch
    rows = stencil_rows(kernel.stencil, choice.coefficients)
    return {
        "instruction": DIRECT_INSTRUCTION,
        "tile": format_tile(geometry.tile),
        "k": None,
        "k_before": None,
        "steps": None,
        "block": geometry.block.describe(),
        "block_extent": format_tile(geometry.extent),
        "lead": geometry.lead,
        "launch": {"grid": list(grid), "block": list(block)},
        "shared_bytes": geometry.shared_bytes,
        "redundancy": None,
        "tile_redundancy": None,
        "fuse_steps": 1,
        "fusion_redundancy": 1.0,
        "global_bytes_per_point_step": global_bytes_per_point_step(geometry),
        "fma_per_point": sum(len(r.terms) for r in rows),
        "estimated_instructions_per_point": choice.cost.instructions,
        "layouts_compared": choice.candidates,
        "path": "cuda-core",
    }


_REGISTERS = re.compile(r"Used (\d+) registers")
_SPILLS = re.compile(r"(\d+) bytes spill stores, (\d+) bytes spill loads")


def _ptxas_stats(text: str, arch: str) -> dict[str, Any]:
    result = ptxas.assemble(text, arch, ("-v",))
    registers = _REGISTERS.search(result.output)
    spills = _SPILLS.search(result.output)
    return {
        "registers": int(registers.group(1)) if registers else None,
        "spill_bytes": sum(map(int, spills.groups())) if spills else None,
        "ptxas_warnings": result.warnings,
    }
