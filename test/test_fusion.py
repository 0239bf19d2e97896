"""Temporal fusion: a kernel applying k steps per launch equals k single steps on every point.

Integer grids and dyadic coefficients make every step exact (:mod:`compiled_cases`), so the
fused kernel, run on the PTX simulator (memory checker included), must equal the float64
reference bit for bit, boundary band included; the steps are not a multiple of k, so the
last launch is a remainder kernel's.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from compiled_cases import (
    DTYPES,
    assert_exact,
    dyadic_variant,
    exactness_violation,
    integer_grid,
    needs_ptxas,
)
from xdsl.context import Context
from xdsl.parser import Parser

from sparse_stencil import catalog
from sparse_stencil.bench.check import check_step, random_grid
from sparse_stencil.bench.run import run_kernel, stepper
from sparse_stencil.compiler import compile
from sparse_stencil.dialects import mma
from sparse_stencil.dialects.lstencil import GridType, LStencil
from sparse_stencil.dtypes import storage_type
from sparse_stencil.errors import StencilError
from sparse_stencil.kernel.fusion import round_passes
from sparse_stencil.passes.lower_layout_to_mma import kernel_op

CASES = [
    # name, shape (interiors not a multiple of the block), dtype, sparsity, k, steps
    ("heat1d", (83,), "float16", "sparse", 3, 4),
    ("star1d2r", (71,), "float32", "dense", 2, 3),
    ("heat2d", (37, 45), "float16", "sparse", 2, 3),
    ("box2d1r", (29, 38), "bfloat16", "sparse", 2, 3),
    ("star2d2r", (31, 40), "float32", "sparse", 2, 3),
    ("box2d2r", (30, 41), "float16", "dense", 2, 3),
    ("heat3d", (13, 14, 15), "bfloat16", "dense", 2, 3),
    ("box3d1r", (11, 12, 17), "float32", "sparse", 2, 3),
]


@pytest.mark.parametrize(("name", "shape", "dtype", "sparsity", "fuse", "steps"), CASES)
def test_fused_equals_single_steps(
    name: str, shape: tuple[int, ...], dtype: str, sparsity: str, fuse: int, steps: int
) -> None:
    rng = np.random.default_rng(sum(map(ord, name)) + fuse)
    stencil = dyadic_variant(catalog.get(name), rng)
    kernel = compile(stencil, shape, dtype, sparsity=sparsity, fuse_steps=fuse, assemble=False)
    assert kernel.fuse == fuse
    assert kernel.stats["fuse_steps"] == fuse
    assert_exact(kernel, integer_grid(shape, rng, 2), steps)
    assert kernel.stats["remainder_kernels"] == [steps % fuse]


@pytest.mark.parametrize(
    ("name", "shape", "dtype", "fuse"),
    [
        ("heat2d", (37, 45), "float16", 3),
        ("box2d2r", (30, 41), "bfloat16", 2),
        ("star1d2r", (71,), "float32", 4),
        ("heat3d", (13, 14, 15), "float16", 2),
    ],
)
def test_a_fused_launch_on_real_data_is_within_its_derived_bound(
    name: str, shape: tuple[int, ...], dtype: str, fuse: int
) -> None:
    """On random data (nothing exact) one launch of k steps is within the bound carried
    over its k rounds (`fused_error_bound`), and a point moved by twice the bound is not."""
    kernel = compile(catalog.get(name), shape, dtype, fuse_steps=fuse, assemble=False)
    x = random_grid(shape, len(name))
    got = kernel.emulate(x, fuse)
    check = check_step(kernel, x, got, steps=fuse)
    assert check.ok, check.describe()
    assert check.launch_steps == fuse
    assert check.max_error > 0
    middle = tuple(n // 2 for n in shape)
    got[middle] += 2 * check.max_bound
    assert check_step(kernel, x, got, steps=fuse).outside == 1


def test_run_checks_a_fused_kernel_launch_by_launch() -> None:
    kernel = compile(catalog.get("heat2d"), (37, 45), "float16", fuse_steps=3, assemble=False)
    outcome = run_kernel(kernel, random_grid((37, 45), 0), 7, stepper(kernel, True), True)
    assert outcome.check is not None
    assert outcome.check.ok
    assert outcome.check.steps == 7
    assert outcome.check.launch_steps == 3
    assert "checked 3 (one launch) at a time" in outcome.check.describe()


def test_fused_kernel_only_branches_forward_over_passes_without_division() -> None:
    kernel = compile(catalog.get("box2d2r"), (40, 50), "float16", fuse_steps=3, assemble=False)
    assert re.search(r"\b(div|rem)\.", kernel.ptx) is None
    assert kernel.ptx.count("bar.sync") == 3  # the staging and two intermediate rounds
    lines = kernel.ptx.splitlines()
    branches = [(i, line) for i, line in enumerate(lines) if re.search(r"\bbra\b", line)]
    assert branches  # this layout has passes that some warps skip
    for i, line in branches:
        match = re.fullmatch(r"\t@%p\d+ bra\.uni (round\d+_pass\d+_done);", line)
        assert match is not None, line
        label = lines.index(f"{match.group(1)}:")
        assert label > i  # forward: no loop
        assert not any("bar.sync" in skipped for skipped in lines[i:label])


def test_passes_compute_only_the_tiles_that_write() -> None:
    """Groups whose tiles all lie where an earlier pass wrote are left out, and warps whose
    tiles do skip the pass; the last round computes every tile."""
    kernel = compile(catalog.get("box2d3r"), (512, 512), "float16", fuse_steps=2, assemble=False)
    geometry = kernel.choice.geometry
    block = geometry.block
    first, *others = round_passes(geometry, 1)
    assert first.groups == tuple(range(block.groups))
    assert len(first.warps) == block.warps
    assert all(p.share(geometry) < 1 for p in others)
    (last,) = round_passes(geometry, 2)
    assert last.share(geometry) == 1
    assert 1 < kernel.stats["fusion_redundancy"] < 1.5


def test_passes_cover_each_region_once() -> None:
    """Every point of a round's region is written by exactly one pass."""
    kernel = compile(catalog.get("star2d2r"), (60, 70), "float16", fuse_steps=3, assemble=False)
    geometry = kernel.choice.geometry
    assert geometry.fuse == 3
    for round_ in (1, 2, 3):
        width = [2 * ring for ring in geometry.ring(3 - round_)]
        covered = np.zeros([e + w for e, w in zip(geometry.extent, width, strict=True)], int)
        for pass_ in round_passes(geometry, round_):
            start = [
                s + w // 2 + f for s, w, f in zip(pass_.shift, width, pass_.first, strict=True)
            ]
            end = [
                s + w // 2 + e for s, w, e in zip(pass_.shift, width, geometry.extent, strict=True)
            ]
            covered[tuple(slice(a, b) for a, b in zip(start, end, strict=True))] += 1
        assert (covered == 1).all()


def test_fusion_stats_per_original_step() -> None:
    stencil, shape = catalog.get("heat2d"), (130, 130)
    single = compile(stencil, shape, "float16", fuse_steps=1, assemble=False)
    fused = compile(stencil, shape, "float16", fuse_steps=2, block=single.choice.geometry.block)
    assert fused.stats["fusion_redundancy"] > 1.0 == single.stats["fusion_redundancy"]
    ratio = fused.stats["global_bytes_per_point_step"] / single.stats["global_bytes_per_point_step"]
    assert 0.5 <= ratio < 0.75  # staged bytes fall about k-fold; the halo widens
    assert fused.stats["redundancy"] > single.stats["redundancy"]
    assert fused.stats["shared_bytes"] >= 2 * single.stats["shared_bytes"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"fuse_steps": 0}, "fuse_steps must be >= 1"),
        ({"fuse_steps": 2, "path": "cuda-core"}, "one step per launch"),
        ({"fuse_steps": 2, "dtype": "float32", "compute": "split-f16"}, "cannot fuse steps"),
    ],
)
def test_refused_fusion_says_why(options: dict[str, object], message: str) -> None:
    with pytest.raises(StencilError, match=message):
        compile(catalog.get("heat2d"), (40, 40), assemble=False, **options)  # pyright: ignore[reportArgumentType]


def test_kernel_op_records_fuse_and_round_trips() -> None:
    kernel = compile(catalog.get("heat2d"), (40, 40), "float16", fuse_steps=2, assemble=False)
    op = kernel_op("k", GridType.of((40, 40), storage_type("float16")), kernel.choice)
    op.verify()
    assert op.geometry.fuse == 2
    text = str(op)
    assert " fuse 2 {" in text
    context = Context()
    context.load_dialect(mma.MMA)
    context.load_dialect(LStencil)
    parsed = Parser(context, text).parse_op()
    assert isinstance(parsed, mma.KernelOp)
    assert parsed.geometry == op.geometry


@needs_ptxas
@pytest.mark.parametrize(("dtype", "sparsity"), [("float16", "sparse"), ("float32", "dense")])
def test_ptxas_accepts_fused_kernels(dtype: str, sparsity: str) -> None:
    kernel = compile(catalog.get("box3d1r"), (20, 21, 22), dtype, sparsity=sparsity, fuse_steps=2)
    assert kernel.stats["ptxas_warnings"] == []
    assert kernel.stats["spill_bytes"] == 0


@pytest.mark.slow
@pytest.mark.parametrize("name", catalog.names())
@pytest.mark.parametrize("dtype", DTYPES)
def test_every_catalog_stencil_fuses(name: str, dtype: str) -> None:
    """Two steps fused, then a remainder step where the data stays exact over three steps
    (the sums of the widest stencils outgrow tf32's integers sooner)."""
    stencil = catalog.get(name)
    rng = np.random.default_rng(len(name))
    base = {1: (61,), 2: (23, 29), 3: (13, 14, 15)}[stencil.dims]
    shape = tuple(max(n, 2 * r + 5) for n, r in zip(base, stencil.radii, strict=True))
    variant = dyadic_variant(stencil, rng)
    try:
        kernel = compile(variant, shape, dtype, fuse_steps=2, assemble=False)
    except StencilError as error:
        if "no block layout fits" not in str(error):
            raise
        pytest.skip(f"two buffers of a box widened by 2 halos exceed shared memory: {error}")
    x = integer_grid(shape, rng, 1)
    steps = 2 if exactness_violation(variant, x, 3, dtype) else 3
    assert_exact(kernel, x, steps)
