"""16-byte runs (sparse_stencil.layout.runs) and the vector gathers they enable
(sparse_stencil.kernel.gathers): the layouts are valid, the kernels load their B operands 16
bytes at a time, and they still equal the reference bit for bit."""

from __future__ import annotations

import re
import zlib

import numpy as np
import pytest
from compiled_cases import assert_exact, dyadic_variant, integer_grid
from xdsl.dialects.builtin import ModuleOp
from xdsl.parser import Parser

from sparse_stencil import StencilError, catalog, compile
from sparse_stencil.context import make_context
from sparse_stencil.dialects import mma
from sparse_stencil.dialects.lstencil import GridType
from sparse_stencil.dtypes import storage_type
from sparse_stencil.kernel.gathers import Load, Round
from sparse_stencil.kernel.instruction import DENSE_F16, SPARSE_F16
from sparse_stencil.kernel.search import KernelChoice, StepPlan, overhang, table_loads
from sparse_stencil.layout.matching import PADDING, sparsify
from sparse_stencil.layout.morphing import morph
from sparse_stencil.layout.runs import (
    RUN,
    convert_runs,
    covering_runs,
    order_dense_runs,
    split_runs,
    widen,
)
from sparse_stencil.passes.lower_layout_to_mma import kernel_op

RUN_CASES = [
    ("star1d1r", (16,), (45,)),
    ("box2d4r", (2, 8), (27, 35)),
    ("box2d2r", (2, 8), (23, 37)),
    ("box2d3r", (2, 8), (21, 41)),
    ("box2d7r", (1, 16), (29, 47)),
    ("box3d1r", (1, 2, 8), (7, 11, 29)),
]


def _lane_runs(slots: np.ndarray, block: int) -> list[np.ndarray]:
    """The slots of lanes t = 0..3 in the block of 32 starting at `block`."""
    return [
        slots[[block + 8 * j + 2 * t + i for j in range(4) for i in range(2)]] for t in range(4)
    ]


@pytest.mark.parametrize(("name", "tile"), [(n, t) for n, t, _ in RUN_CASES])
def test_runs_are_aligned_and_cover_the_inputs(name: str, tile: tuple[int, ...]) -> None:
    gemm = morph(catalog.get(name), tile)
    runs = covering_runs(gemm)
    points = {tuple(p) for run in runs for p in run.tolist()}
    assert {tuple(p) for p in gemm.inputs.tolist()} <= points
    assert len(points) == RUN * len(runs)  # no point twice
    for run in runs:
        assert (run[0, -1] + gemm.halo[-1]) % RUN == 0
        assert (np.diff(run[:, -1]) == 1).all()
        assert (run[:, :-1] == run[0, :-1]).all()


@pytest.mark.parametrize(("name", "tile"), [(n, t) for n, t, _ in RUN_CASES])
def test_run_conversion_is_a_valid_2_4_form_of_the_stencil(
    name: str, tile: tuple[int, ...]
) -> None:
    gemm = morph(catalog.get(name), tile)
    wide, conversion = convert_runs(gemm)
    layout = sparsify(wide, conversion)
    layout.check()  # 2:4 metadata, padding holds zeros, the same stencil as `gemm`
    assert layout.gemm().stencil() == gemm.stencil()
    slots = np.array(conversion.permutation)
    for block in range(0, len(slots) - 31, 32):
        for lane in _lane_runs(slots, block):
            real = lane[lane != PADDING]
            if real.size:  # a lane gathers one whole run, in order
                assert real.size == RUN
                assert (np.diff(real) == 1).all()
                assert real[0] % RUN == 0


@pytest.mark.parametrize("name", ["star1d1r", "box2d2r", "box2d3r", "box3d1r", "box3d3r"])
def test_radius_three_or_less_pairs_every_run(name: str) -> None:
    """Runs 8 apart on a row fit one chunk for radius <= 3 (module docstring), so the greedy
    matching leaves at most one run of a tile unpaired."""
    stencil = catalog.get(name)
    tile = {1: (16,), 2: (2, 8), 3: (1, 2, 8)}[stencil.dims]
    wide, conversion = convert_runs(morph(stencil, tile))
    padding = conversion.permutation.count(PADDING)
    assert padding <= RUN
    assert len(conversion.permutation) - padding == wide.k


def test_radius_four_leaves_neighbouring_runs_apart() -> None:
    """For radius 4, three of a chunk's four points fit one 9-wide window: runs 8 apart
    never pair, so the 2x8 tile of box2d4r pads."""
    wide, conversion = convert_runs(morph(catalog.get("box2d4r"), (2, 8)))
    assert conversion.permutation.count(PADDING) >= wide.k // 2


def test_dense_run_order_is_a_column_permutation_in_blocks_of_runs() -> None:
    gemm = morph(catalog.get("box2d3r"), (2, 8))
    ordered, wide = order_dense_runs(gemm), widen(gemm)
    assert sorted(map(tuple, ordered.inputs.tolist())) == sorted(map(tuple, wide.inputs.tolist()))
    assert ordered.stencil() == gemm.stencil()
    inputs = ordered.inputs
    for block in range(0, ordered.k // 32 * 32, 32):
        for lane in _lane_runs(np.arange(ordered.k), block):
            xs = inputs[lane]
            assert (np.diff(xs[:, -1]) == 1).all()
            assert (xs[:, :-1] == xs[0, :-1]).all()


@pytest.mark.parametrize(("instruction", "layout"), [(SPARSE_F16, "sparse"), (DENSE_F16, "dense")])
def test_plan_loads_each_lane_run_with_one_16_byte_load(instruction, layout: str) -> None:
    gemm = morph(catalog.get("box2d3r"), (2, 8))
    kernel_layout = sparsify(*convert_runs(gemm)) if layout == "sparse" else order_dense_runs(gemm)
    plan = StepPlan.of(kernel_layout, instruction)
    assert overhang(kernel_layout) == 16 - (8 + 2 * 3)  # 14 inputs per row, 2 runs
    # a round of 32 K slots (one sparse K32 step or two dense K16 steps): 8 B elements a lane
    full = [
        r for r in plan.rounds if sum(len(plan.instructions[s].b_rows(0)) for s in r.steps) == 8
    ]
    assert full
    assert all(r.loads == (Load(0, 4),) for r in full)


def test_round_alignment_splits_loads() -> None:
    wide = Round((0,), (Load(0, 4),))
    assert wide.aligned_to(16).loads == (Load(0, 4),)
    assert wide.aligned_to(8).loads == (Load(0, 2), Load(2, 2))
    assert wide.aligned_to(4).loads == tuple(Load(r, 1) for r in range(4))
    assert wide.aligned_to(2).loads == tuple(Load(r, 0) for r in range(4))
    assert wide.aligned_to(2).instructions == 12  # two 16-bit loads and a pack each


@pytest.mark.parametrize(
    ("elements", "loads"),
    [([], 0), ([0], 1), ([0, 1], 1), ([0, 2], 1), ([0, 2, 4, 6], 2), ([7], 2)],
)
def test_table_loads_cover_the_needed_offsets_in_vectors(elements: list[int], loads: int) -> None:
    assert table_loads(elements) == loads


@pytest.mark.parametrize("sparsity", ["sparse", "dense"])
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize(("name", "tile", "shape"), RUN_CASES, ids=[c[0] for c in RUN_CASES])
def test_run_kernels_gather_vectors_and_are_exact(
    name: str, tile: tuple[int, ...], shape: tuple[int, ...], dtype: str, sparsity: str
) -> None:
    rng = np.random.default_rng(zlib.crc32(f"{name}-{dtype}-{sparsity}".encode()))
    stencil = dyadic_variant(catalog.get(name), rng)
    kernel = compile(
        stencil,
        shape,
        dtype,
        sparsity=sparsity,
        tile=tile,
        k_order="runs",
        assemble=False,  # type: ignore[arg-type]
    )
    assert re.search(r"ld\.shared\.v[24]\.b32", kernel.ptx)
    assert kernel.geometry.overhang == overhang(kernel.choice.layout)
    assert_exact(kernel, integer_grid(shape, rng), steps=1)
    assert_exact(kernel, integer_grid(shape, rng, bound=2), steps=2)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"k_order": "sideways"}, "unknown k_order 'sideways'"),
        ({"k_order": "runs", "tile": (4, 4)}, "a multiple of 8 points wide"),
        ({"k_order": "runs", "dtype": "float32"}, "not for float32 grids"),
        ({"k_order": "pairs", "dtype": "float32"}, "not for float32 grids"),
    ],
)
def test_k_order_refusals(options: dict[str, object], message: str) -> None:
    with pytest.raises(StencilError, match=message):
        compile(catalog.get("box2d1r"), (20, 20), assemble=False, **options)  # type: ignore[arg-type]


def test_overhang_round_trips_through_the_mma_dialect() -> None:
    """The L2 kernel records the overhang (printed only when there is one) and the geometry
    it rebuilds stages the same box."""
    kernel = compile(catalog.get("box2d2r"), (40, 40), k_order="runs", assemble=False)
    assert isinstance(kernel.choice, KernelChoice)
    op = kernel_op("runs", GridType.of((40, 40), storage_type("float16")), kernel.choice)
    text = str(ModuleOp([op]))
    assert f"overhang {kernel.geometry.overhang} " in text
    parsed = Parser(make_context(), text).parse_module().body.block.first_op
    assert isinstance(parsed, mma.KernelOp)
    assert parsed.geometry == kernel.geometry
    assert parsed.geometry.box[-1] == kernel.geometry.extent[-1] + 2 * 2 + kernel.geometry.overhang


def test_split_runs_put_partnerless_runs_on_dense_mmas() -> None:
    """Radius 4 on the 2x8 tile: only runs on rows 9 apart pair (no output reads both), the
    others go dense, so nothing pads and every input is gathered once."""
    gemm = morph(catalog.get("box2d4r"), (2, 8))
    split = split_runs(gemm)
    assert split is not None
    assert PADDING not in split.sparse.permutation.tolist()
    assert split.sparse.k_before % (2 * RUN) == 0  # whole pairs of runs
    assert split.dense.k + split.sparse.k_before == widen(gemm).k
    # the two parts together multiply by the stencil: columns keyed by input point
    columns = {
        tuple(p): split.dense.matrix[:, k] for k, p in enumerate(split.dense.inputs.tolist())
    }
    sparse = split.sparse.gemm()
    columns |= {tuple(p): sparse.matrix[:, k] for k, p in enumerate(sparse.inputs.tolist())}
    for k, point in enumerate(gemm.inputs.tolist()):
        np.testing.assert_array_equal(columns[tuple(point)], gemm.matrix[:, k])
    assert sum(bool(c.any()) for c in columns.values()) == gemm.k


def test_split_runs_is_none_when_every_run_pairs() -> None:
    assert split_runs(morph(catalog.get("box2d3r"), (2, 8))) is None
