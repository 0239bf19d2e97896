"""Aligned pieces (sparse_stencil.layout.pieces) and the block lead that puts a layout's
tiles at its phase (sparse_stencil.kernel.geometry): valid 2:4 layouts, the loads they
promise, fewer MMAs for star stencils, and kernels that still equal the reference bit for
bit, the first block starting before the interior."""

from __future__ import annotations

import dataclasses
import zlib

import numpy as np
import numpy.typing as npt
import pytest
from compiled_cases import assert_exact, dyadic_variant, integer_grid
from xdsl.dialects.builtin import ModuleOp
from xdsl.parser import Parser

from sparse_stencil import catalog
from sparse_stencil.compiler import build_kernel, candidate_layouts
from sparse_stencil.context import make_context
from sparse_stencil.dialects import mma
from sparse_stencil.dialects.lstencil import GridType
from sparse_stencil.dtypes import storage_type
from sparse_stencil.kernel.instruction import DENSE_F16, SPARSE_F16, MmaInstruction, instruction_for
from sparse_stencil.kernel.search import StepPlan, choose_block, lead
from sparse_stencil.kernel.tables import KernelLayout, step_instructions
from sparse_stencil.layout.matching import PADDING, SparseGemm, sparsify
from sparse_stencil.layout.morphing import TiledGemm, morph
from sparse_stencil.layout.pieces import SIZES, covering_pieces, dense_orders, sparse_orders
from sparse_stencil.layout.runs import RUN, convert_runs
from sparse_stencil.passes.lower_layout_to_mma import kernel_op

TILES = {1: (16,), 2: (2, 8), 3: (1, 2, 8)}
STARS = ["star1d3r", "laplace1d-o16", "star2d2r", "star2d4r", "star3d2r", "box2d2r"]


@pytest.mark.parametrize("name", STARS)
@pytest.mark.parametrize("phase", [0, 3, 6])
@pytest.mark.parametrize("pairs", [True, False])
def test_pieces_are_aligned_and_cover_the_inputs_once(name: str, phase: int, pairs: bool) -> None:
    stencil = catalog.get(name)
    gemm = morph(stencil, TILES[stencil.dims])
    sizes, points = covering_pieces(gemm, phase, pairs)
    assert set(sizes) <= set(SIZES)
    assert sum(sizes) == len(points)
    assert len({tuple(p) for p in points.tolist()}) == len(points)  # no point twice
    assert {tuple(p) for p in gemm.inputs.tolist()} <= {tuple(p) for p in points.tolist()}
    start = 0
    for size in sizes:
        piece = points[start : start + size]
        assert (piece[0, -1] + phase) % size == 0  # aligned to its own size
        assert (np.diff(piece[:, -1]) == 1).all()
        assert (piece[:, :-1] == piece[0, :-1]).all()
        start += size


@pytest.mark.parametrize("name", [*STARS, "box2d3r", "box3d2r"])
def test_sparse_orders_are_valid_2_4_forms_whose_lanes_load_whole_pieces(name: str) -> None:
    stencil = catalog.get(name)
    gemm = morph(stencil, TILES[stencil.dims])
    for wide, conversion in sparse_orders(gemm):
        layout = sparsify(wide, conversion)
        layout.check()  # 2:4 metadata, padding holds zeros, the same stencil as `gemm`
        assert layout.gemm().stencil() == gemm.stencil()
        assert len(conversion.permutation) % 16 == 0
        _assert_registers_hold_aligned_neighbours(wide, np.array(conversion.permutation))


@pytest.mark.parametrize("name", [*STARS, "box2d3r", "box3d2r"])
def test_dense_orders_are_column_permutations_whose_lanes_load_whole_pieces(name: str) -> None:
    stencil = catalog.get(name)
    gemm = morph(stencil, TILES[stencil.dims])
    for order in dense_orders(gemm):
        assert order.stencil() == gemm.stencil()
        _assert_registers_hold_aligned_neighbours(order, np.arange(order.k))


def _assert_registers_hold_aligned_neighbours(
    wide: TiledGemm, slots: npt.NDArray[np.int64]
) -> None:
    """Every lane register (slots ``8J + 2t``, ``+ 1``) holds two neighbours, the first at
    an even offset from the phase, or padding."""
    phase = wide.halo[-1] if wide.phase is None else wide.phase
    for first in range(0, len(slots) - 1, 2):
        pair = slots[first : first + 2]
        if (pair == PADDING).any():
            continue
        points = wide.inputs[pair]
        assert points[1, -1] == points[0, -1] + 1
        assert (points[1, :-1] == points[0, :-1]).all()
        assert (points[0, -1] + phase) % 2 == 0


def _offered(name: str, instruction: MmaInstruction) -> list[KernelLayout]:
    """The run tile's K orders that the compiler hands to the block search for `name`
    (2x8 or 1x16 in 2D, 1x2x8 or 1x1x16 in 3D): the cheapest without a lead, and the
    cheapest with one where its tile product is cheaper still."""
    stencil = catalog.get(name)
    return candidate_layouts(
        stencil, storage_type("float16"), instruction, TILES[stencil.dims], "runs"
    )


def test_star2d2r_is_offered_two_steps_at_phase_0() -> None:
    """The module docstring's example: at phase 0 the four arm rows of a 2x8 tile are one
    run each, the two centre rows (12 points from -2) a run and two pairs each, packed into
    64 slots (two K32 steps, 1 + 2 loads); whole runs at the halo's phase take 96 (3 + 3)."""
    gemm = morph(catalog.get("star2d2r"), (2, 8))
    _, runs = convert_runs(gemm)
    assert len(runs.permutation) == 96
    offered = _offered("star2d2r", SPARSE_F16)
    plain, phased = offered[0], offered[1]
    assert isinstance(plain, SparseGemm)
    assert plain.phase is None  # whole runs: the cheapest without a lead
    assert plain.k_after == 96
    assert isinstance(phased, SparseGemm)
    assert phased.phase == 0
    assert phased.k_after == 64
    assert lead(phased) == 2
    plan = StepPlan.of(phased, SPARSE_F16)
    assert [[load.width for load in r.loads] for r in plan.rounds] == [[4], [2, 2]]


@pytest.mark.parametrize(("name", "sparse", "dense"), [("star2d2r", 2, 3), ("star3d2r", 4, 8)])
def test_star_tiles_are_offered_fewer_mmas_sparse(name: str, sparse: int, dense: int) -> None:
    """The fewest K steps (each one MMA per group) among the offered run-tile orders:
    star2d2r 2 sparse K32 against at least 3 dense K16 (its best dense tile, 4x4, also
    takes 3); star3d2r's 1x2x8 tile 4 against 8 (12 arm runs, two centre rows of a run and
    two pairs: 128 slots)."""
    fewest = min(len(step_instructions(o, SPARSE_F16)) for o in _offered(name, SPARSE_F16))
    assert fewest == sparse
    assert min(len(step_instructions(o, DENSE_F16)) for o in _offered(name, DENSE_F16)) >= dense


@pytest.mark.parametrize(
    ("name", "shape", "fuse"),
    [
        ("star2d2r", (21, 83), 1),
        ("star2d2r", (40, 296), 3),
        ("star1d3r", (3001,), 2),
        ("star2d4r", (30, 61), 1),
        ("star3d2r", (12, 13, 50), 1),
    ],
)
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_kernels_with_a_lead_are_exact(
    name: str, shape: tuple[int, ...], fuse: int, dtype: str
) -> None:
    """Phase 0 puts the blocks' starts before the interior (a lead): the points there are
    computed from staged zeros and never stored, the memory checker sees every access."""
    rng = np.random.default_rng(zlib.crc32(f"{name}-{dtype}-{fuse}".encode()))
    stencil = dyadic_variant(catalog.get(name), rng)
    storage = storage_type(dtype)
    gemm = morph(stencil, TILES[stencil.dims])
    wide, conversion = sparse_orders(gemm)[-1]  # pieces at phase 0
    layout = sparsify(dataclasses.replace(wide, phase=0), conversion)
    choice = choose_block(layout, instruction_for(storage, True), shape, "sm_80", fuse=fuse)
    assert choice.geometry.lead == gemm.halo[-1] % RUN
    kernel = build_kernel(stencil, storage, "sm_80", choice, assemble=False)
    assert_exact(kernel, integer_grid(shape, rng), steps=fuse)
    # a fused launch and a one-step one
    assert_exact(kernel, integer_grid(shape, rng, bound=2), steps=fuse + 1)


def test_lead_round_trips_through_the_mma_dialect() -> None:
    layout = _offered("star2d2r", SPARSE_F16)[1]
    choice = choose_block(layout, SPARSE_F16, (40, 72), "sm_80", fuse=1)
    op = kernel_op("pieces", GridType.of((40, 72), storage_type("float16")), choice)
    text = str(ModuleOp([op]))
    assert "lead 2 " in text
    parsed = Parser(make_context(), text).parse_module().body.block.first_op
    assert isinstance(parsed, mma.KernelOp)
    assert parsed.geometry == choice.geometry
    assert parsed.geometry.origin[-1] == 8  # 2 of halo, 6 to align the box's start
