"""The chunk order chosen against bank conflicts keeps the layout's meaning, and the kernel
search keeps it only where the block's gathers conflict less."""

from __future__ import annotations

import pytest

from sparse_stencil import catalog
from sparse_stencil.kernel.banks import reorder_chunks
from sparse_stencil.kernel.geometry import BlockLayout, Geometry
from sparse_stencil.kernel.instruction import SPARSE_F16
from sparse_stencil.kernel.search import choose_block, layout_conflicts
from sparse_stencil.layout.matching import SparseGemm, convert_gemm, sparsify
from sparse_stencil.layout.morphing import morph
from sparse_stencil.layout.pairing import convert_pairs
from sparse_stencil.sparsity import TWO_FOUR


@pytest.mark.parametrize("pairs", [False, True])
@pytest.mark.parametrize(
    ("name", "tile", "arrangement"),
    [
        ("box2d3r", (4, 4), (2, 16)),
        ("box3d2r", (2, 2, 4), (1, 2, 16)),
        ("star2d3r", (8, 2), (1, 32)),
    ],
)
def test_reorder_keeps_the_stencil_and_conflicts_no_more(
    name: str, tile: tuple[int, ...], arrangement: tuple[int, ...], pairs: bool
) -> None:
    stencil = catalog.get(name)
    gemm = morph(stencil, tile)
    layout = sparsify(gemm, convert_pairs(gemm)) if pairs else convert_gemm(gemm, TWO_FOUR)
    shape = tuple(200 for _ in tile)
    geometry = Geometry(shape, gemm.halo, tile, BlockLayout(4, 1, arrangement, 2), 2)
    reordered = reorder_chunks(layout, SPARSE_F16, geometry)
    assert isinstance(reordered, SparseGemm)
    reordered.check()  # valid 2:4, every column once, the same stencil in every row
    assert reordered.gemm().stencil() == stencil.__class__(
        [(o, c) for o, c in zip(stencil.offsets, stencil.coefficients, strict=True) if c != 0]
    )
    assert reordered.k_after == layout.k_after
    choice = choose_block(layout, SPARSE_F16, shape, "sm_80", geometry.block)
    kept = layout_conflicts(choice.layout, SPARSE_F16, choice.geometry)
    assert kept <= layout_conflicts(layout, SPARSE_F16, choice.geometry)
