"""Layout morphing: the staircase GEMM of a stencil, the tile search, the L1 evaluator.

Every comparison with the reference uses integer grids and half-integer coefficients, so
every product and partial sum is exact in float64 whatever the order; the L1 evaluator and
the reference then round the same value to the storage type, and must agree bit for bit.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import stencils

from sparse_stencil import Stencil, StencilError, catalog, reference
from sparse_stencil.layout.evaluate import agreement_bound, evaluate
from sparse_stencil.layout.morphing import MMA_M, TiledGemm, check_tile, morph, tile_shapes
from sparse_stencil.layout.search import choose_layout
from sparse_stencil.sparsity import ONE_TWO, TWO_FOUR


def _box(dims: int, radius: int) -> Stencil:
    offsets = itertools.product(range(-radius, radius + 1), repeat=dims)
    return Stencil({o: 1.0 + sum(abs(v) for v in o) / 2 for o in offsets})


def _grid(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(-4, 5, size=shape).astype(np.float64)


@pytest.mark.parametrize("tile", [(1, 16), (4, 4), (2, 8), (8, 2), (16, 1), (3, 5)])
def test_a_box_tile_reads_the_tile_widened_by_the_radius(tile: tuple[int, int]) -> None:
    """A (2r+1)^2 box reads (t0 + 2r) x (t1 + 2r) inputs: 154, 100, 112 for box2d3r.

    docs/design.md §4.1's example: a 16x1 strip reads 22 x 7 = 154, a 4x4 patch 100, an 8x2
    patch 112 (here derived from the footprint, not restated).
    """
    gemm = morph(_box(2, 3), tile)
    assert gemm.k == math.prod(t + 6 for t in tile)
    assert gemm.m == math.prod(tile)
    assert gemm.nonzeros == gemm.m * 49


def test_a_strip_is_a_staircase() -> None:
    """Row i of a strip holds the stencil shifted by i columns: A[i, i + o + r] = c_o."""
    stencil = Stencil({(-2,): 1.0, (0,): -3.0, (1,): 0.5, (2,): 2.0})
    gemm = morph(stencil, (16,))
    assert gemm.inputs[:, 0].tolist() == list(range(-2, 18))
    for i in range(16):
        row = {int(k) - i - 2: gemm.matrix[i, k] for k in np.flatnonzero(gemm.matrix[i])}
        assert row == {-2: 1.0, 0: -3.0, 1: 0.5, 2: 2.0}


def test_a_patch_lays_slices_side_by_side() -> None:
    """Columns go in lexicographic order of their offsets: outer slices one after another."""
    gemm = morph(Stencil({(-1, 0): 1.0, (0, 0): 2.0, (1, 0): 3.0, (0, 1): 4.0}), (2, 8))
    offsets = [tuple(o) for o in gemm.inputs.tolist()]
    assert offsets == sorted(offsets)
    assert gemm.check() is None


def test_crushing_drops_zero_coefficients_but_keeps_the_halo() -> None:
    stencil = Stencil({(0,): 1.0, (5,): 0.0, (-1,): 2.0})
    gemm = morph(stencil, (16,))
    assert gemm.k == 17
    assert gemm.halo == (5,)
    assert gemm.stencil() == Stencil({(0,): 1.0, (-1,): 2.0})


def test_the_recovered_stencil_is_checked_row_by_row() -> None:
    gemm = morph(_box(2, 1), (4, 4))
    matrix = gemm.matrix.copy()
    matrix[5, np.flatnonzero(matrix[5])[0]] += 1.0
    broken = TiledGemm(gemm.tile, gemm.halo, gemm.outputs, gemm.inputs, matrix)
    with pytest.raises(StencilError, match="row 5 computes a different stencil"):
        broken.check()
    narrow = TiledGemm(gemm.tile, (0, 1), gemm.outputs, gemm.inputs, gemm.matrix)
    with pytest.raises(StencilError, match="reaches 1 points on axis 0, beyond the halo 0"):
        narrow.check()


def test_a_matrix_of_zeros_computes_no_stencil() -> None:
    gemm = morph(_box(1, 1), (4,))
    empty = TiledGemm(gemm.tile, gemm.halo, gemm.outputs, gemm.inputs, 0 * gemm.matrix)
    with pytest.raises(StencilError, match="the matrix has no non-zero coefficient"):
        empty.check()


def test_tile_shapes_enumerate_every_factorisation() -> None:
    """Ordered factorisations of 16 into d factors: 1, 5, 15 (stars and bars on 2^4)."""
    for dims in (1, 2, 3):
        shapes = tile_shapes(dims)
        full = [s for s in shapes if math.prod(s) == MMA_M]
        assert len(full) == math.comb(4 + dims - 1, dims - 1)
        assert len(set(shapes)) == len(shapes)
        assert all(math.prod(s) <= MMA_M and len(s) == dims for s in shapes)
        assert shapes[0] == (1,) * (dims - 1) + (16,)
        assert shapes[: len(full)] == full


def test_check_tile_refuses_bad_tiles() -> None:
    assert check_tile([4, 4], 2) == (4, 4)
    for tile in ([4, 8], [16], [0, 16], [-2, -8]):
        with pytest.raises(StencilError, match="one positive extent per axis"):
            check_tile(tile, 2)


def test_the_search_reproduces_design_md_for_box2d3r() -> None:
    """box2d3r: the 4x4 and 8x2 patches reach K = 112 (= 2 x 49 rounded up to 16), the
    bound; the 16x1 strip needs 160. The search finds a 112 and prefers the tile that
    gathers fewer inputs (4x4: 100 < 112)."""
    stencil = catalog.get("box2d3r")
    strip = choose_layout(stencil, TWO_FOUR, tile=(16, 1)).conversion.k_after
    assert strip == math.ceil(154 / 16) * 16
    choice = choose_layout(stencil, TWO_FOUR)
    assert choice.conversion.k_after == math.ceil(2 * 49 / 16) * 16
    assert choice.gemm.tile == (4, 4)
    converted = [c for c in choice.candidates if c.k_after is not None]
    assert all(c.k_after >= choice.conversion.k_after for c in converted)
    assert len(converted) < len(choice.candidates), "branch and bound skips hopeless tiles"


def test_the_search_reports_its_progress() -> None:
    """Every tile is morphed, then candidates are converted until none can win: the total
    of the conversion stage shrinks to the number converted."""
    reports: list[tuple[str, int, int]] = []
    choice = choose_layout(catalog.get("box2d3r"), progress=lambda *r: reports.append(r))
    shapes = len(tile_shapes(2))
    converted = sum(1 for c in choice.candidates if c.k_after is not None)
    morphs = [(done, total) for stage, done, total in reports if stage == "morph"]
    converts = [(done, total) for stage, done, total in reports if stage == "convert"]
    assert morphs == [(done, shapes) for done in range(shapes + 1)]
    assert [done for done, _ in converts] == list(range(converted + 1))
    assert converts[0][1] == shapes
    assert converts[-1][1] == converted
    assert all(done <= total for done, total in converts)


def test_a_short_strip_wins_in_1d_when_it_saves_a_k_step() -> None:
    """Heat-1D: 16 outputs read 18 inputs (K 32), 14 outputs read 16 (K 16): per output,
    32 / 16 = 2 columns against 16 / 14, so the 14-point strip issues fewer MACs."""
    choice = choose_layout(catalog.get("heat-1d"), TWO_FOUR)
    assert choice.gemm.tile == (14,)
    assert choice.conversion.k_after == 16


def test_every_candidate_tile_is_no_better_than_the_winner() -> None:
    """Exhaustive check of the branch and bound on a 3D stencil."""
    stencil = catalog.get("star3d1r")
    choice = choose_layout(stencil, TWO_FOUR)
    best = choice.conversion.k_after / math.prod(choice.gemm.tile)
    for tile in tile_shapes(3):
        k_after = choose_layout(stencil, TWO_FOUR, tile=tile).conversion.k_after
        assert k_after / math.prod(tile) >= best


REPRESENTATIVES = [
    "heat-1d",
    "star1d7r",
    "box2d3r",
    "star2d2r",
    "cross2d1r",
    "star3d1r",
    "box3d1r",
    "j3d17pt",
    "sobel-x",
    "knight2d-count",
]


@pytest.mark.parametrize("name", REPRESENTATIVES)
def test_the_morphed_gemm_computes_the_stencil(name: str) -> None:
    stencil = catalog.get(name)
    gemm = choose_layout(stencil, TWO_FOUR).gemm
    gemm.check()
    shape = tuple(2 * r + 7 + axis for axis, r in enumerate(stencil.radii))
    x = _grid(shape)
    np.testing.assert_array_equal(
        evaluate(gemm, x, 2, "float32"), reference(stencil, x, 2, "float32")
    )


@settings(max_examples=40, deadline=None)
@given(stencils(), st.data())
def test_any_tile_of_any_stencil_computes_it(stencil: Stencil, data: st.DataObject) -> None:
    """Random 1-3D stencils of radius 1-4 and a random tile; grids that tiles overhang.

    The strategy's half-integer coefficients on integer grids: bit for bit (module
    docstring). Then arbitrary real coefficients on the same offsets (zeros and subnormals
    included) on a real grid: within the evaluator's agreement bound.
    """
    tile = data.draw(st.sampled_from(tile_shapes(stencil.dims)))
    gemm = morph(stencil, tile)
    gemm.check()
    shape = tuple(2 * r + 1 + data.draw(st.integers(0, 9)) for r in stencil.radii)
    seed = data.draw(st.integers(0, 2**32 - 1))
    x = _grid(shape, seed)
    np.testing.assert_array_equal(
        evaluate(gemm, x, 1, "float16"), reference(stencil, x, 1, "float16")
    )
    reals = data.draw(
        st.lists(
            st.floats(-100, 100), min_size=stencil.num_points, max_size=stencil.num_points
        ).filter(any)  # a stencil needs a non-zero coefficient
    )
    arbitrary = Stencil(list(zip(stencil.offsets, reals, strict=True)))
    gemm = morph(arbitrary, tile)
    gemm.check()
    x = np.random.default_rng(seed).uniform(-4, 4, size=shape)
    got, expected = evaluate(gemm, x, 1, "float16"), reference(arbitrary, x, 1, "float16")
    bound = agreement_bound(arbitrary, x, got, expected, "float16")
    assert np.all((got == expected) | (np.abs(got - expected) <= bound))


def test_the_evaluator_runs_a_layout_choice() -> None:
    """A search's result stands for its converted GEMM."""
    stencil = catalog.get("box2d1r")
    x = _grid((12, 13))
    np.testing.assert_array_equal(
        evaluate(choose_layout(stencil), x, 2), reference(stencil, x, 2, "float16")
    )


def test_the_evaluator_refuses_a_grid_smaller_than_the_halo() -> None:
    gemm = morph(_box(2, 2), (4, 4))
    with pytest.raises(StencilError, match="axis 1 has 4 points, the stencil needs at least 5"):
        evaluate(gemm, np.zeros((8, 4)))
    with pytest.raises(StencilError, match="rank 1"):
        evaluate(gemm, np.zeros(8))


def test_one_two_pads_every_column_that_all_rows_use() -> None:
    """tf32's chunk is a compatible pair, and a column used by every row is compatible with
    no other: in box2d3r's 4x4 patch the 4 x 4 centre inputs are read by all 16 outputs
    (an input is read by outputs within 3 of it on both axes), so K >= 100 + 16 = 116,
    rounded up to m16n8k8's 8: 120, which the conversion reaches."""
    choice = choose_layout(catalog.get("box2d3r"), ONE_TWO, tile=(4, 4))
    gemm = choice.gemm
    full = int(np.sum(gemm.row_masks() == (1 << gemm.m) - 1))
    assert full == 16
    assert choice.conversion.k_after == math.ceil((gemm.k + full) / 8) * 8
