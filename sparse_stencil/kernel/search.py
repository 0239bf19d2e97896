"""Block layout search: the L1 tile and the block tiling whose kernel costs least per point.

**Candidates.** L1 offers its output tiles (:func:`~sparse_stencil.layout.search.choose_layout`
ranks them by their K lower bound); the tiles whose bound per output point is within
:data:`TILE_SLACK` of the best are converted (at most :data:`MAX_TILES` of them), since a tile
that issues more MACs may gather less. For each, every block layout is tried: 1, 2, 4 or 8
warps, 1, 2, 4 or 8 groups of MMA columns per warp, and every arrangement of the ``8 x warps``
tiles of a group as powers of two per axis. A layout is *feasible* when its threads, its
shared memory (48 KiB of static shared memory per block) and an estimate of its registers
(:func:`registers`) are within the limits of the target.

**Cost** (:func:`cost`), in warp-instructions per updated point of the whole launch, blocks
overhanging the interior included: the instructions the kernel issues per block by phase
(the same counts as :mod:`~sparse_stencil.passes.lower_mma_to_ptx` emits, up to the
prologue), plus :data:`BYTE_COST` per byte staged from global memory (most of the halo is
re-read from L2: at ~5 TB/s against ~600 G warp-instructions/s on an A100, a byte costs
about 0.12 of an instruction), the whole scaled up when fewer than :data:`HIDING_WARPS`
warps fit on a multiprocessor (too few to hide the latency of loads and MMAs). A split
precision mode (:mod:`~sparse_stencil.kernel.precision`) stages f32 (4 bytes a point) into
two planes, converting each value, and per K step and group issues two gathers and three
MMAs, which the counts include.

**Fusion** (:mod:`~sparse_stencil.kernel.fusion`): each layout is also costed fusing 2 to
:data:`~.fusion.MAX_FUSE` steps per launch, per updated point *per original step*: the
tile products of all its passes (the recomputed halo) and the stores of its intermediate
rounds count, the staged bytes are those of one launch over its steps (about k-fold
fewer), and its two shared buffers lower the occupancy. The cheapest count wins, so fusion
is on where it pays.

Layouts are ranked with the staged rows padded for 16-byte staging; the best layout's pad
is then chosen (:func:`pads`) to minimise its cost plus the shared-memory bank conflicts of
its gathers (:func:`layout_conflicts`), one instruction each.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from sparse_stencil.errors import StencilError
from sparse_stencil.kernel.banks import reorder_chunks
from sparse_stencil.kernel.fusion import MAX_FUSE, round_passes
from sparse_stencil.kernel.gathers import (
    Round,
    gather_conflicts,
    gather_rounds,
    offset_words,
)
from sparse_stencil.kernel.geometry import MMA_N, WARP, BlockLayout, Geometry
from sparse_stencil.kernel.instruction import MmaInstruction
from sparse_stencil.kernel.precision import SPLIT_PRODUCTS
from sparse_stencil.kernel.tables import (
    KernelLayout,
    fragment_table,
    step_instructions,
    tile_bases,
)
from sparse_stencil.layout.runs import RUN

TILE_SLACK = 1.3
MAX_TILES = 4
BYTE_COST = 0.12
HIDING_WARPS = 16
MAX_SHARED = 48 * 1024
MAX_REGISTERS = 255

_SM_SHARED = {"sm_80": 164 * 1024, "sm_90": 228 * 1024}
"""Shared memory per multiprocessor that blocks can use, per target."""
_SM_WARPS = 64
_SM_BLOCKS = 32
_SM_REGISTERS = 65536


@dataclass(frozen=True)
class BlockCost:
    """What one block layout costs, per updated point of a launch."""

    instructions: float
    """Warp-instructions issued per updated point."""
    staged_bytes: float
    """Bytes staged from global memory per updated point."""
    registers: int
    resident_warps: int
    """Warps of this kernel that fit on one multiprocessor."""

    @property
    def total(self) -> float:
        """The score: instructions and bytes, scaled for poor latency hiding."""
        hiding = max(1.0, HIDING_WARPS / self.resident_warps) ** 0.5
        return (self.instructions + BYTE_COST * self.staged_bytes) * hiding


def registers(instruction: MmaInstruction, block: BlockLayout, dims: int, planes: int = 1) -> int:
    """An estimate of the registers per thread: the accumulators, one K step's A registers,
    metadata and B addresses, the gathered B registers of one group (of both planes of a
    split mode, with its lo A registers), and the prologue's addresses and limits. ptxas may
    use more (box3d2r: 116 against 79 estimated, as it hoists table loads); the figure only
    has to rule out layouts that cannot fit."""
    elements = len(instruction.b_rows(0))
    split = (planes - 1) * (elements // 2 + 4)
    return 4 * block.groups + 5 + 2 * elements + split + 20 + 2 * dims


@dataclass(frozen=True)
class StepPlan:
    """A layout's K steps: each one's instruction, and the rounds of B loads
    (:mod:`~sparse_stencil.kernel.gathers`) of a block whose tiles and staged rows are 16
    bytes aligned."""

    instructions: list[MmaInstruction]
    rounds: list[Round]
    _products: dict[tuple[int, int], tuple[int, int]] = field(
        default_factory=dict[tuple[int, int], tuple[int, int]], repr=False
    )

    def product(self, alignment: int, planes: int) -> tuple[int, int]:
        """Warp-instructions of a tile product over all K steps, with the rounds' loads
        degraded to `alignment`: those every group shares, and those per group (a product
        grows by the same count per group)."""
        key = (alignment, planes)
        if key not in self._products:
            rounds = [r.aligned_to(alignment) for r in self.rounds]
            shared, one = (
                sum(round_instructions_issued(r, self.instructions, g, planes) for r in rounds)
                for g in (0, 1)
            )
            self._products[key] = (shared, one - shared)
        return self._products[key]

    @classmethod
    def of(cls, layout: KernelLayout, instruction: MmaInstruction) -> StepPlan:
        """The plan of `layout`, its loads found on a block of one column of tiles."""
        steps = step_instructions(layout, instruction)
        dims = len(layout.tile)
        probe = Geometry(
            tuple(3 * (8 * t + 2 * r) for t, r in zip(layout.tile, layout.halo, strict=True)),
            layout.halo,
            layout.tile,
            BlockLayout(1, 1, (8,) + (1,) * (dims - 1)),
            instruction.element_bytes,
            overhang(layout),
            lead=lead(layout),
        )
        probe = _with_pad(probe, -probe.box[-1] % (16 // instruction.element_bytes))
        rounds = gather_rounds(
            steps,
            probe,
            fragment_table(layout, instruction, probe),
            tile_bases(probe),
        )
        return cls(steps, rounds)


def overhang(layout: KernelLayout) -> int:
    """Elements that `layout`'s gathers reach past the halo at the high end of the
    innermost axis (runs of :mod:`sparse_stencil.layout.runs` may)."""
    reach = int(layout.inputs[:, -1].max()) - (layout.tile[-1] - 1 + layout.halo[-1])
    return max(reach, 0)


def lead(layout: KernelLayout) -> int:
    """Output points that blocks compute before the interior on the innermost axis so that
    the tiles' origins sit at `layout`'s phase (:attr:`~.morphing.TileMaps.phase`), in the
    grid's residues modulo 8 (16 bytes of a 16-bit grid); 0 without a phase."""
    if layout.phase is None:
        return 0
    return (layout.halo[-1] - layout.phase) % RUN


def uniform_alignment(geometry: Geometry) -> int:
    """The bytes (16, 8, 4, or one element's) to which every tile and group of a block
    starts aligned relative to the staged box, which is 16-byte aligned: the pitch, and the
    tiles' spacing on the innermost axis, are multiples of it."""
    size = geometry.element_bytes
    for alignment in (16, 8, 4):
        elements = alignment // size
        pitch = geometry.dims == 1 or geometry.pitch % elements == 0
        inner = geometry.tile[-1] % elements == 0 or geometry.block.arrangement[-1] == 1
        groups = geometry.dims > 1 or geometry.group_shift % elements == 0
        if pitch and inner and groups:
            return alignment
    return size


def cost(
    instruction: MmaInstruction,
    geometry: Geometry,
    plan: StepPlan,
    arch: str,
    beat: tuple[float, float] = (math.inf, 0.0),
) -> BlockCost | None:
    """The cost of a kernel of K steps `plan` under `geometry`; None when infeasible.

    With `beat` = (a score, instructions per point): None too when the kernel is known to
    score no less without counting its passes, because it issues at least those
    instructions (a fused kernel issues at least its unfused layout's tile products: every
    round computes the output box).
    """
    block = geometry.block
    regs = registers(instruction, block, geometry.dims, geometry.planes)
    if geometry.shared_bytes > MAX_SHARED or regs > MAX_REGISTERS or block.threads > 1024:
        return None
    blocks = math.prod(geometry.blocks)
    points = geometry.updated_points * geometry.fuse  # per original step
    staged = math.prod(geometry.box) * geometry.global_bytes
    score, least = beat
    floor = BlockCost(
        instructions=least,
        staged_bytes=blocks * staged / points,
        registers=regs,
        resident_warps=resident_warps(arch, geometry.shared_bytes, block.warps, regs),
    )
    if floor.total >= score:
        return None
    per_block = block.warps * _warp_instructions(instruction, geometry, plan)
    return BlockCost(blocks * per_block / points, floor.staged_bytes, regs, floor.resident_warps)


def _product_instructions(instruction: MmaInstruction, geometry: Geometry, plan: StepPlan) -> float:
    """Warp-instructions per updated point of the tile products of an unfused kernel."""
    per_warp = _pass_instructions(instruction, replace(geometry, fuse=1), plan, convert=0)
    blocks, warps = math.prod(geometry.blocks), geometry.block.warps
    return blocks * warps * per_warp / geometry.updated_points


def resident_warps(arch: str, shared_bytes: int, warps: int, registers: int) -> int:
    """Warps of a kernel whose blocks have `warps` warps, `shared_bytes` of shared memory
    and `registers` per thread that fit on one multiprocessor of `arch`."""
    blocks = min(
        _SM_SHARED[arch] // max(shared_bytes, 1),
        _SM_WARPS // warps,
        _SM_BLOCKS,
        _SM_REGISTERS // (registers * WARP * warps),
    )
    return blocks * warps


def round_instructions_issued(
    round_: Round, steps: Sequence[MmaInstruction], groups: int, planes: int = 1
) -> int:
    """Warp-instructions of one round of K steps: per step its A (and metadata) loads, the
    loads of the B offsets it needs and their addresses; per group the gathers and one MMA
    per step. A split mode (two `planes`) loads both A parts, gathers both planes and issues
    three MMAs per step."""
    words = offset_words([round_], steps)
    a_loads = sum(-(-len(steps[s].a_registers(0, 0)) // 4) for s in round_.steps)
    table = planes * a_loads + sum(
        int(steps[s].sparse) + table_loads(words[s]) for s in round_.steps
    )
    addresses = sum(load.addresses for load in round_.loads)
    mmas = SPLIT_PRODUCTS if planes > 1 else 1
    return table + addresses + groups * (planes * round_.instructions + mmas * len(round_.steps))


def table_loads(elements: Sequence[int]) -> int:
    """Loads of the offsets of B elements 0..max(`elements`) (:func:`table_words`)."""
    words = table_words(max(elements, default=-1) + 1)
    return -(-words // 4)


def table_words(count: int) -> int:
    """Table words loaded to read the first `count` of a lane's B offsets: 1 or 2 as they
    are, more rounded up to whole 16-byte loads (a row of the table has 8 offsets)."""
    return count if count <= 2 else -(-count // 4) * 4


def _warp_instructions(instruction: MmaInstruction, geometry: Geometry, plan: StepPlan) -> float:
    """Warp-instructions one warp issues, by the emitter's structure (on average over the
    block's warps: a warp skips the passes of a fused round where no tile of it writes)."""
    block = geometry.block
    dims = geometry.dims
    width = block.threads if dims == 1 else WARP
    rows = -(-geometry.box[-2] // block.warps) if dims >= 2 else 1
    copies = 2 if geometry.fuse > 1 else 1
    planes = geometry.box[0] if dims == 3 else 1
    vector = geometry.stage_vector
    chunks = -(-geometry.box[-1] // (width * vector))
    # per access: a predicate, the load, the zero fill of each loaded register, the store
    # 16 bytes: four 32-bit registers to zero-fill; a fused kernel stores to both buffers
    per_access = (4 if vector == 1 else 7) + copies - 1
    if geometry.planes > 1:  # per element 4 to split, a second store, and packs of pairs
        per_access += 4 * vector + 1 + (vector if vector > 1 else 0)
    stage = planes * rows * chunks * per_access + rows + chunks + planes
    convert = 0 if geometry.global_bytes == 4 else 1
    store = 4 * (3 + dims) + block.groups * 4 * (2 + convert)
    store += 4 if geometry.lead else 0  # per value a compare with the interior's start
    products = _pass_instructions(instruction, geometry, plan, convert)
    return products + stage + store + geometry.fuse - 1 + 20 + 2 * dims


SKIP_INSTRUCTIONS = 3
"""Warp-instructions that decide whether a warp computes a pass: test, compare, branch."""


def _pass_instructions(
    instruction: MmaInstruction, geometry: Geometry, plan: StepPlan, convert: int
) -> float:
    """Warp-instructions of the tile products of one launch, and of the stores of its
    intermediate rounds to shared memory, per warp: per pass, those of its writing groups,
    times the share of the warps that compute it."""
    alignment = _fused_alignment(geometry, uniform_alignment(geometry))
    shared, per_group = plan.product(alignment, geometry.planes)
    warps = geometry.block.warps
    total = 0.0
    for j in range(1, geometry.fuse + 1):
        for pass_ in round_passes(geometry, j):
            issued = shared + per_group * len(pass_.groups)
            if j < geometry.fuse:
                issued += _round_stores(geometry, len(pass_.groups), convert)
            total += len(pass_.warps) / warps * issued
            total += SKIP_INSTRUCTIONS if len(pass_.warps) < warps else 0
    return total


def _round_stores(geometry: Geometry, groups: int, convert: int) -> int:
    """Warp-instructions of a pass of a fused kernel's intermediate round besides the tile
    product: its bounds, per value the address and per group the predicate, conversion
    and store to shared memory."""
    dims = geometry.dims
    return 3 * dims + 2 * groups + 4 * (dims + 1 + groups * (2 * dims + 1 + convert))


def _fused_alignment(geometry: Geometry, alignment: int) -> int:
    """`alignment`, or less where a fused kernel's passes shift the tiles on the innermost
    axis by fewer bytes."""
    size = geometry.element_bytes
    for j in range(1, geometry.fuse):
        for pass_ in round_passes(geometry, j):
            alignment = math.gcd(alignment, pass_.shift[-1] * size or alignment)
    return max(alignment, size)


def block_layouts(dims: int) -> Iterator[BlockLayout]:
    """Every block layout the search tries (pad 0; the pad is chosen afterwards)."""
    for warps in (1, 2, 4, 8):
        for groups in (1, 2, 4, 8):
            for arrangement in _arrangements(MMA_N * warps, dims):
                yield BlockLayout(warps, groups, arrangement)


def _arrangements(tiles: int, dims: int) -> Iterator[tuple[int, ...]]:
    exponent = tiles.bit_length() - 1
    for split in itertools.product(range(exponent + 1), repeat=dims):
        if sum(split) == exponent:
            yield tuple(1 << e for e in split)


@dataclass(frozen=True, eq=False)
class KernelChoice:
    """The layout of a kernel: L1 tile and its GEMM, block layout, and what it costs."""

    layout: KernelLayout
    instruction: MmaInstruction
    geometry: Geometry
    steps: list[MmaInstruction]
    """The instruction of each K step."""
    cost: BlockCost
    candidates: int
    """Layouts (tile and block) the search compared."""


def choose_block(
    layout: KernelLayout,
    instruction: MmaInstruction,
    shape: Sequence[int],
    arch: str,
    block: BlockLayout | None = None,
    planes: int = 1,
    fuse: int | None = None,
) -> KernelChoice:
    """The cheapest block layout for `layout` on a grid of `shape`, or `block` if given;
    `planes` is 2 for a split precision mode (:attr:`~.geometry.Geometry.planes`); `fuse`
    the steps per launch, or None for the cheapest per step (1 in a split mode).

    Layouts are ranked with the pad that aligns the staged rows for 16-byte staging; the
    best one then gets the pad (:func:`pads`) that minimises its cost with the bank
    conflicts of its gathers counted in.
    """
    ranked = _rank_blocks(layout, instruction, shape, arch, block, planes, fuse)
    return _pad_block(ranked, instruction, arch)


@dataclass(frozen=True, eq=False)
class _RankedLayout:
    """An L1 layout's best block layout before its pad is chosen."""

    layout: KernelLayout
    plan: StepPlan
    geometry: Geometry
    score: float
    candidates: int


def _rank_blocks(
    layout: KernelLayout,
    instruction: MmaInstruction,
    shape: Sequence[int],
    arch: str,
    block: BlockLayout | None,
    planes: int,
    fuse: int | None,
) -> _RankedLayout:
    """The cheapest block layout and steps per launch of `layout`, with the aligning pad."""
    plan = StepPlan.of(layout, instruction)
    options = [block] if block is not None else list(block_layouts(len(shape)))
    fusions = [fuse] if fuse is not None else list(range(1, 1 + (MAX_FUSE if planes == 1 else 1)))
    best: tuple[float, Geometry] | None = None
    least = 0.0  # the tile products of the option's unfused kernel, per point
    for option, steps in itertools.product(options, fusions):
        geometry = Geometry(
            tuple(shape),
            layout.halo,
            layout.tile,
            option,
            instruction.element_bytes,
            overhang(layout),
            planes,
            steps,
            lead(layout),
        )
        geometry = _with_pad(geometry, pads(geometry)[0])
        if steps == 1:
            least = _product_instructions(instruction, geometry, plan)
        beat = (math.inf, 0.0) if best is None or steps == 1 else (best[0], least)
        estimate = cost(instruction, geometry, plan, arch, beat)
        if estimate is not None and (best is None or estimate.total < best[0]):
            best = (estimate.total, geometry)
    if best is None:
        if block is not None:
            raise StencilError(
                f"block layout '{block.describe()}' does not fit the {arch} limits for this "
                f"kernel (shared memory {MAX_SHARED} B, {MAX_REGISTERS} registers)"
            )
        raise StencilError("no block layout fits the target's limits for this kernel")
    return _RankedLayout(layout, plan, best[1], best[0], len(options))


def _pad_block(ranked: _RankedLayout, instruction: MmaInstruction, arch: str) -> KernelChoice:
    """`ranked` with the pad that minimises its cost plus its gathers' bank conflicts."""
    layout, plan = ranked.layout, ranked.plan
    scored: list[tuple[float, int, Geometry, BlockCost]] = []
    for pad in pads(ranked.geometry):
        geometry = _with_pad(ranked.geometry, pad)
        estimate = cost(instruction, geometry, plan, arch)
        if estimate is not None:
            conflicts = _conflicts_per_point(layout, instruction, geometry)
            scored.append((estimate.total + conflicts, pad, geometry, estimate))
    _, _, geometry, estimate = min(scored, key=lambda s: (s[0], s[1]))
    if max(r.widest for r in plan.rounds) <= 1:  # reordering chunks would split runs
        reordered = reorder_chunks(layout, instruction, geometry)
        if layout_conflicts(reordered, instruction, geometry) < layout_conflicts(
            layout, instruction, geometry
        ):
            layout = reordered
    return KernelChoice(
        layout, instruction, geometry, plan.instructions, estimate, ranked.candidates
    )


def pads(geometry: Geometry) -> list[int]:
    """The pads tried for the staged rows: the one that makes the pitch a multiple of 16
    bytes first (16-byte staging), then 16, 32 and 48 bytes more (16-byte gathers of
    neighbouring rows meet other banks), then 0 to 8 elements."""
    vector = 16 // geometry.element_bytes
    aligned = -geometry.box[-1] % vector
    return list(dict.fromkeys([aligned + i * vector for i in range(4)] + list(range(9))))


def _with_pad(geometry: Geometry, pad: int) -> Geometry:
    return replace(geometry, block=replace(geometry.block, pad=pad))


def _conflicts_per_point(
    layout: KernelLayout, instruction: MmaInstruction, geometry: Geometry
) -> float:
    """Bank conflicts of all gathers of a launch per updated point."""
    per_block = layout_conflicts(layout, instruction, geometry) * geometry.block.groups
    return per_block * math.prod(geometry.blocks) / geometry.updated_points


def layout_conflicts(layout: KernelLayout, instruction: MmaInstruction, geometry: Geometry) -> int:
    """Bank conflicts of the B gathers of one group of every warp of a block over all K
    steps (:func:`~sparse_stencil.kernel.gathers.gather_conflicts`)."""
    steps = step_instructions(layout, instruction)
    fragments = fragment_table(layout, instruction, geometry)
    bases = tile_bases(geometry)
    rounds = gather_rounds(steps, geometry, fragments, bases)
    return gather_conflicts(rounds, steps, geometry, fragments, bases)


def choose_kernel(
    stencil_layouts: Callable[[], Sequence[KernelLayout]],
    instruction: MmaInstruction,
    shape: Sequence[int],
    arch: str,
    block: BlockLayout | None = None,
    planes: int = 1,
    fuse: int | None = None,
) -> KernelChoice:
    """The cheapest (tile, block layout, steps per launch) over the candidate L1 layouts:
    each ranked with the aligning pad, the best padded first; another is padded (its pads
    tried with their bank conflicts counted, the costly part) only where its cheapest pad
    without conflicts beats the best so far, since no pad of it can do better."""
    ranked = sorted(
        (
            _rank_blocks(layout, instruction, shape, arch, block, planes, fuse)
            for layout in stencil_layouts()
        ),
        key=lambda r: r.score,
    )
    best = _pad_block(ranked[0], instruction, arch)
    for other in ranked[1:]:
        if _cheapest_pad(other, instruction, arch) >= best.cost.total:
            continue
        choice = _pad_block(other, instruction, arch)
        if choice.cost.total < best.cost.total:
            best = choice
    return replace(best, candidates=sum(r.candidates for r in ranked))


def _cheapest_pad(ranked: _RankedLayout, instruction: MmaInstruction, arch: str) -> float:
    """The least score of `ranked` over its pads, bank conflicts left out."""
    scores = [
        estimate.total
        for pad in pads(ranked.geometry)
        if (estimate := cost(instruction, _with_pad(ranked.geometry, pad), ranked.plan, arch))
    ]
    return min(scores, default=math.inf)
