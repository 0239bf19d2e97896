"""Split layouts: the most used columns on dense MMAs, the rest n:m on sparse ones.

Proves that a split keeps every column exactly once, that its sparse part is a valid n:m
conversion, that it gathers fewer columns than the plain conversion where that one pads, and
that a kernel built on a split (dense steps first, then sparse ones, into one accumulator)
equals the reference exactly on integer data with dyadic coefficients.
"""

from __future__ import annotations

import numpy as np
import pytest
from compiled_cases import dyadic_variant, integer_grid

from sparse_stencil import catalog, reference
from sparse_stencil.compiler import compile
from sparse_stencil.layout.matching import convert_gemm
from sparse_stencil.layout.morphing import morph
from sparse_stencil.layout.split import SplitGemm, split_layouts
from sparse_stencil.sparsity import ONE_TWO, TWO_FOUR, Sparsity


@pytest.mark.parametrize("sparsity", [TWO_FOUR, ONE_TWO], ids=["2:4", "1:2"])
@pytest.mark.parametrize("pairs", [False, True])
def test_split_keeps_every_column_once_and_gathers_less(sparsity: Sparsity, pairs: bool) -> None:
    gemm = morph(catalog.get("box2d4r"), (4, 4))
    plain = convert_gemm(gemm, sparsity)
    assert plain.k_after > gemm.k  # density above 1/2: the plain conversion pads
    splits = split_layouts(gemm, sparsity, plain.k_after, pairs)
    # each plain split gathers less; a pair-aware one may gather more for its 32-bit loads
    assert min(split.k_after for split in splits) < plain.k_after
    for split in splits:
        split.sparse.gemm()  # raises unless the permutation holds every column once
        columns = {tuple(p) for p in split.inputs.tolist()}
        assert columns == {tuple(p) for p in gemm.inputs.tolist()}
        assert len(split.inputs) == gemm.k
        assert split.dense.k % sparsity.mma_k == 0
        # the dense part holds the columns most rows use
        uses = (gemm.matrix != 0).sum(axis=0)
        dense_uses = (split.dense.matrix != 0).sum(axis=0)
        assert dense_uses.min() >= np.sort(uses)[-split.dense.k]


def test_no_split_where_the_conversion_adds_no_k() -> None:
    gemm = morph(catalog.get("heat-2d"), (4, 4))
    plain = convert_gemm(gemm, TWO_FOUR)
    assert split_layouts(gemm, TWO_FOUR, plain.k_after, True) == []


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
def test_split_kernel_equals_reference(dtype: str) -> None:
    rng = np.random.default_rng(11)
    stencil = dyadic_variant(catalog.get("box2d4r"), rng)
    kernel = compile(stencil, (29, 35), dtype, tile=(4, 4), assemble=False)
    assert isinstance(kernel.choice.layout, SplitGemm)
    steps = kernel.choice.steps
    assert not steps[0].sparse  # dense steps lead,
    assert steps[-1].sparse  # sparse ones follow
    x = integer_grid((29, 35), rng, 2)
    np.testing.assert_array_equal(kernel.emulate(x, 2), reference(stencil, x, 2, dtype))
