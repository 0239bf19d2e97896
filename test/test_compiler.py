"""End-to-end tests of :func:`sparse_stencil.compiler.compile`: the printed PTX, run on the PTX
simulator, computes the stencil.

What the tests prove:

- **Exactness**: on integer grids and stencils with dyadic coefficients (see
  :mod:`compiled_cases` for why the catalog's own coefficients cannot be used for this), the
  emulated kernel equals the float64 reference bit for bit, after 1 and after 3 steps, for
  1D, 2D and 3D star and box stencils, f16, bf16 and f32 grids, the sparse (``mma.sp``) and
  dense (``mma.sync``) paths, tiles of fewer than 16 points, and grids whose interior is not
  a multiple of the block extent (the last block overhangs). Hypothesis adds random stencils.
- **Error bound**: with the catalog's real coefficients on standard-normal data, one kernel
  step is within :func:`~sparse_stencil.kernel.numerics.kernel_error_bound` of the reference
  at every point.
- **Memory safety**: every emulation runs under the simulator's bounds checker (it raises
  ``PtxMemoryError`` on any out-of-bounds access), including grids barely larger than the
  stencil; the checker is shown to be live by a launch on too-small buffers.
- **PTX**: ptxas assembles the kernels for sm_80 and sm_90 without warnings; the kernel is
  straight-line code (no branch, no label) with no integer division or remainder.
- **Errors**: unrepresentable coefficients, wrong grid shapes, unknown options and block
  layouts beyond the target's limits raise :class:`StencilError` naming the problem.
- **Stats**: the reported fields are present and consistent with the geometry and the PTX;
  the redundancy of box2d3r on 4096^2 with 4x4 tiles is <= 1.25 (ConvStencil reports 2.12);
  the sparse path issues fewer tensor-core instructions per point than the dense path.

``--runslow`` adds the full sweep: every catalog stencil x storage type.
"""

from __future__ import annotations

import math
import re
import zlib

import numpy as np
import pytest
from compiled_cases import (
    DTYPES,
    NO_PTXAS,
    assert_exact,
    dyadic_stencils,
    dyadic_variant,
    integer_grid,
    needs_ptxas,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from sparse_stencil import Stencil, StencilError, catalog, reference
from sparse_stencil.backends import ptxas
from sparse_stencil.compiler import Kernel, compile
from sparse_stencil.dtypes import storage_type
from sparse_stencil.kernel.geometry import BlockLayout, Geometry
from sparse_stencil.kernel.numerics import kernel_error_bound
from sparse_stencil.kernel.search import MAX_SHARED
from sparse_stencil.sim import PtxMemoryError

SPARSITIES = ("sparse", "dense")

EXACT_CASES: list[tuple[str, tuple[int, ...]]] = [
    # every interior extent is a prime >= 7, so no block extent > 1 divides it
    ("star1d1r", (39,)),
    ("star2d1r", (19, 25)),
    ("box2d1r", (21, 31)),
    ("box2d2r", (21, 27)),
    ("star3d1r", (9, 13, 19)),
    ("box3d1r", (13, 9, 19)),
]
BOUND_CASES = [
    "star1d1r",
    "star2d1r",
    "box2d1r",
    "box2d3r",
    "star3d1r",
    "box3d1r",
    "laplace3d-o8",
    "gaussian5x5",
    "wave2d-o8",
    "sobel-x",
]


def small_shape(stencil: Stencil, extra: int = 6) -> tuple[int, ...]:
    """A small grid for `stencil`: its boundary band plus a few interior points per axis."""
    return tuple(2 * r + extra + axis for axis, r in enumerate(stencil.radii))


def assert_within_bound(kernel: Kernel, x: np.ndarray) -> None:
    """One emulated step is within the package's derived error bound at every point."""
    dtype = kernel.storage.name
    got = kernel.emulate(x, steps=1)
    expected = reference(kernel.stencil, x, 1, dtype)
    bound = kernel_error_bound(
        kernel.stencil, kernel.choice.steps, storage_type(dtype), x, got, expected
    )
    error = np.abs(got - expected)
    assert np.all(np.isfinite(got))
    worst = np.unravel_index(np.argmax(error - bound), error.shape)
    assert np.all(error <= bound), f"error {error[worst]} > bound {bound[worst]} at {worst}"


def mma_count(kernel: Kernel) -> int:
    """Tensor-core instructions in the PTX (one warp's, per launch of a block)."""
    return len(re.findall(r"^\s*mma\.", kernel.ptx, re.MULTILINE))


# --- exactness ---------------------------------------------------------------------------------


@pytest.mark.parametrize("sparsity", SPARSITIES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("name", "shape"), EXACT_CASES, ids=[c[0] for c in EXACT_CASES])
def test_emulation_equals_reference_exactly(
    name: str, shape: tuple[int, ...], dtype: str, sparsity: str
) -> None:
    rng = np.random.default_rng(zlib.crc32(f"{name}-{dtype}-{sparsity}".encode()))
    stencil = dyadic_variant(catalog.get(name), rng)
    kernel = compile(stencil, shape, dtype, sparsity=sparsity, assemble=False)  # type: ignore[arg-type]
    geometry = kernel.geometry
    assert geometry.interior == tuple(n - 2 * r for n, r in zip(shape, stencil.radii, strict=True))
    assert any(i % e for i, e in zip(geometry.interior, geometry.extent, strict=True)), (
        f"the interior {geometry.interior} is a multiple of the block extent {geometry.extent}"
    )
    instruction = "mma.sp" if sparsity == "sparse" else "mma.sync"
    assert mma_count(kernel) == kernel.ptx.count(instruction) > 0
    assert_exact(kernel, integer_grid(shape, rng), steps=1)
    assert_exact(kernel, integer_grid(shape, rng, bound=2), steps=3)


@pytest.mark.parametrize("dtype", DTYPES)
def test_small_tile_layout_is_exact(dtype: str) -> None:
    """The 1D 3-point stencil takes a tile of fewer than 16 points: rows m..15 of A are unused
    and their outputs must never be stored, while every real row is."""
    rng = np.random.default_rng(3)
    stencil = dyadic_variant(catalog.get("star1d1r"), rng)
    kernel = compile(stencil, (61,), dtype, assemble=False)
    assert len(kernel.choice.layout.outputs) < 16
    assert_exact(kernel, integer_grid((61,), rng), steps=1)
    assert_exact(kernel, integer_grid((61,), rng, bound=2), steps=3)


def test_zero_steps_returns_the_rounded_grid() -> None:
    kernel = compile(catalog.get("star2d1r"), (12, 12), "bfloat16", assemble=False)
    x = np.random.default_rng(0).standard_normal((12, 12))
    np.testing.assert_array_equal(kernel.emulate(x, steps=0), storage_type("bfloat16").round(x))


@settings(max_examples=15, deadline=None)
@given(
    stencil=dyadic_stencils(),
    extra=st.lists(st.integers(0, 10), min_size=3, max_size=3),
    dtype=st.sampled_from(DTYPES),
    sparsity=st.sampled_from(SPARSITIES),
    seed=st.integers(0, 2**32 - 1),
)
def test_random_stencils_are_exact(
    stencil: Stencil, extra: list[int], dtype: str, sparsity: str, seed: int
) -> None:
    shape = tuple(2 * r + 1 + e for r, e in zip(stencil.radii, extra, strict=False))
    kernel = compile(stencil, shape, dtype, sparsity=sparsity, assemble=False)  # type: ignore[arg-type]
    assert_exact(kernel, integer_grid(shape, np.random.default_rng(seed)), steps=1)


# --- error bound -------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    ("name", "sparsity"),
    [(name, "sparse") for name in BOUND_CASES]
    + [(name, "dense") for name in ("star1d1r", "box2d3r", "box3d1r", "gaussian5x5")],
)
def test_catalog_coefficients_within_error_bound(name: str, dtype: str, sparsity: str) -> None:
    stencil = catalog.get(name)
    shape = small_shape(stencil, extra=9)
    kernel = compile(stencil, shape, dtype, sparsity=sparsity, assemble=False)  # type: ignore[arg-type]
    x = np.random.default_rng(7).standard_normal(shape)
    assert_within_bound(kernel, x)


# --- memory checker ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["star1d2r", "box2d2r", "star3d1r", "box3d1r"])
@pytest.mark.parametrize("sparsity", SPARSITIES)
def test_grid_barely_larger_than_stencil(name: str, sparsity: str) -> None:
    """A grid of 2r+1 points per axis has one interior point: the staged box and the blocks
    overhang the grid on every side, and the bounds checker must see no access outside it."""
    rng = np.random.default_rng(11)
    stencil = dyadic_variant(catalog.get(name), rng)
    shape = tuple(2 * r + 1 for r in stencil.radii)
    kernel = compile(stencil, shape, "float16", sparsity=sparsity, assemble=False)  # type: ignore[arg-type]
    assert kernel.geometry.updated_points == 1
    assert_exact(kernel, integer_grid(shape, rng), steps=2)


def test_memory_checker_catches_short_buffers() -> None:
    """The checker that every emulation runs under is live: the same launch on buffers one
    row too short raises PtxMemoryError."""
    kernel = compile(catalog.get("star2d1r"), (18, 20), "float16", assemble=False)
    short = np.zeros(17 * 20, dtype=np.float16)
    grid, block = kernel.launch
    with pytest.raises(PtxMemoryError):
        kernel.program().launch(kernel.entry, grid, block, [short, short.copy()])


# --- PTX text and ptxas ------------------------------------------------------------------------

PTX_CASES = [
    ("star1d1r", "float16", "sparse"),
    ("box2d3r", "bfloat16", "sparse"),
    ("star3d2r", "float32", "sparse"),
    ("box3d1r", "float16", "dense"),
    ("box2d1r", "float32", "dense"),
]


@pytest.mark.parametrize(("name", "dtype", "sparsity"), PTX_CASES)
def test_kernel_is_straight_line_without_division(name: str, dtype: str, sparsity: str) -> None:
    """Every address comes from the tables and immediates: no div/rem and no control flow
    (no branch, no label), so the whole kernel is one straight-line block of predicated code."""
    stencil = catalog.get(name)
    kernel = compile(stencil, small_shape(stencil), dtype, sparsity=sparsity, assemble=False)  # type: ignore[arg-type]
    body = kernel.ptx[kernel.ptx.index(".entry") :]
    assert re.search(r"\b(div|rem)\.", kernel.ptx) is None
    assert re.search(r"\bbra(\.uni)?\b", body) is None
    assert re.search(r"^\s*\$?[A-Za-z_][\w$]*:", body, re.MULTILINE) is None


@needs_ptxas
@pytest.mark.parametrize("arch", ["sm_80", "sm_90"])
@pytest.mark.parametrize(("name", "dtype", "sparsity"), PTX_CASES)
def test_ptxas_accepts_without_warnings(name: str, dtype: str, sparsity: str, arch: str) -> None:
    stencil = catalog.get(name)
    kernel = compile(stencil, small_shape(stencil), dtype, arch, sparsity=sparsity, assemble=False)  # type: ignore[arg-type]
    assert f".target {arch}\n" in kernel.ptx
    assert ptxas.assemble(kernel.ptx, arch).warnings == []


# --- errors ------------------------------------------------------------------------------------


def test_overflowing_coefficient_is_named() -> None:
    stencil = Stencil({(-1,): 1.0, (0,): 1e6, (1,): 1.0})
    with pytest.raises(StencilError, match=r"coefficient 1000000\.0 at offset \[0\] overflows f16"):
        compile(stencil, (16,), "float16")
    assert compile(stencil, (16,), "bfloat16", assemble=False).ptx


@pytest.mark.parametrize(
    ("dtype", "tiny", "type_name"), [("float16", 1e-9, "f16"), ("bfloat16", 1e-42, "bf16")]
)
def test_underflowing_coefficient_is_named(dtype: str, tiny: float, type_name: str) -> None:
    stencil = Stencil({(0, -1): 1.0, (0, 1): tiny, (1, 0): 1.0})
    named = re.escape(repr(tiny))
    message = rf"coefficient {named} at offset \[0, 1\] underflows to zero in {type_name}"
    with pytest.raises(StencilError, match=message):
        compile(stencil, (8, 8), dtype)


def test_emulate_refuses_a_grid_of_another_shape() -> None:
    kernel = compile(catalog.get("star2d1r"), (10, 12), "float16", assemble=False)
    with pytest.raises(StencilError, match="compiled for a 10x12 grid, got 12x10"):
        kernel.emulate(np.zeros((12, 10)))
    with pytest.raises(StencilError, match="steps must be >= 0"):
        kernel.emulate(np.zeros((10, 12)), steps=-1)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"sparsity": "semi"}, "unknown sparsity 'semi'"),
        ({"dtype": "float64"}, "unsupported dtype 'float64'"),
        ({"arch": "sm_70"}, "unsupported arch 'sm_70'"),
    ],
)
def test_unknown_options_are_refused(options: dict[str, str], message: str) -> None:
    with pytest.raises(StencilError, match=message):
        compile(catalog.get("star2d1r"), (10, 10), **options)  # type: ignore[arg-type]


def test_grid_smaller_than_stencil_is_refused() -> None:
    with pytest.raises(StencilError, match="smaller than the stencil"):
        compile(catalog.get("box2d2r"), (4, 9), "float16")


def test_forced_block_beyond_shared_memory_limit_is_refused() -> None:
    stencil = catalog.get("box2d7r")
    block = BlockLayout(warps=8, groups=8, arrangement=(8, 8))
    geometry = Geometry((600, 600), stencil.radii, (4, 4), block, element_bytes=4)
    assert geometry.shared_bytes > MAX_SHARED  # the premise: this block cannot be staged
    with pytest.raises(StencilError, match=r"block layout '8 warps x 8 groups.*does not fit"):
        compile(stencil, (600, 600), "float32", tile=(4, 4), block=block, assemble=False)
    # a block that fits is honoured (the search still picks the pad of its staged rows)
    fits = BlockLayout(warps=2, groups=1, arrangement=(4, 4))
    kernel = compile(stencil, (600, 600), "float32", tile=(4, 4), block=fits, assemble=False)
    chosen = kernel.geometry.block
    assert (chosen.warps, chosen.groups, chosen.arrangement) == (2, 1, (4, 4))


def test_forced_block_of_wrong_shape_is_refused() -> None:
    with pytest.raises(StencilError, match="must hold 16 tiles"):
        BlockLayout(warps=2, groups=1, arrangement=(4, 2))
    with pytest.raises(StencilError, match="one extent per axis"):
        compile(
            catalog.get("star3d1r"),
            (10, 10, 10),
            block=BlockLayout(warps=1, groups=1, arrangement=(2, 4)),
            assemble=False,
        )


# --- stats -------------------------------------------------------------------------------------


def test_box2d3r_redundancy_beats_convstencil() -> None:
    """The least redundant layout: the 4x4 tile with the densest conversion;
    the search itself may prefer a pair-aware conversion that issues more MACs but fewer
    instructions."""
    stencil = catalog.get("box2d3r")
    kernel = compile(
        stencil, (4096, 4096), "float16", tile=(4, 4), k_order="densest", assemble=False
    )
    geometry = kernel.geometry
    assert kernel.stats["tile"] == "4x4"
    # redundancy recomputed from the PTX: MMAs per warp x warps x blocks x MACs per MMA
    per_warp = mma_count(kernel)
    assert per_warp == geometry.block.groups * len(kernel.choice.steps)
    macs_per_group = sum(step.issued_macs for step in kernel.choice.steps)
    issued = geometry.block.warps * math.prod(geometry.blocks) * geometry.block.groups
    issued *= macs_per_group
    useful = geometry.updated_points * sum(1 for c in stencil.coefficients if c != 0)
    assert kernel.stats["redundancy"] == pytest.approx(issued / useful, rel=1e-12)
    assert kernel.stats["redundancy"] <= 1.25  # ConvStencil's published figure: 2.12


def test_stats_fields() -> None:
    stencil = catalog.get("box3d1r")
    kernel = compile(stencil, (20, 21, 22), "bfloat16")
    stats = kernel.stats
    for key in ("shared_bytes", "launch", "tile", "block", "redundancy", "compile_seconds"):
        assert key in stats
    geometry = kernel.geometry
    grid, block = kernel.launch
    assert stats["launch"] == {"grid": list(grid), "block": list(block)}
    assert grid == (*reversed(geometry.blocks), 1)[:3]
    assert block == (geometry.block.threads, 1, 1)
    assert stats["shared_bytes"] == geometry.shared_bytes
    assert kernel.entry == "box3d1r_bf16_sparse"
    assert re.search(rf"\.shared \.align \d+ \.b8 \w+\[{geometry.shared_bytes}\]", kernel.ptx)
    assert stats["block"] == geometry.block.describe()
    assert stats["tile"] == "x".join(map(str, kernel.choice.layout.tile))
    assert stats["redundancy"] >= 1.0
    assert stats["compile_seconds"] > 0
    if NO_PTXAS is None:
        assert isinstance(stats["registers"], int)
        assert 0 < stats["registers"] <= 255
        assert stats["ptxas_warnings"] == []
        assert stats["spill_bytes"] == 0


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["star2d1r", "box2d1r", "box2d3r", "star3d1r", "star3d2r"])
def test_sparse_issues_fewer_mma_per_point_than_dense(name: str, dtype: str) -> None:
    stencil = catalog.get(name)
    shape = tuple(2 * r + 24 for r in stencil.radii)

    def per_point(kernel: Kernel) -> float:
        if "profile" in kernel.stats:  # measured on the simulator, when the package offers it
            return float(kernel.stats["profile"]["mma"])
        block = kernel.geometry
        return mma_count(kernel) * block.block.warps / math.prod(block.extent)

    sparse = compile(stencil, shape, dtype, sparsity="sparse", assemble=False)
    dense = compile(stencil, shape, dtype, sparsity="dense", assemble=False)
    assert "mma.sp" in sparse.ptx  # a split layout also issues mma.sync for its dense part
    assert "mma.sp" not in dense.ptx
    assert per_point(sparse) < per_point(dense)


# --- the full sweep ----------------------------------------------------------------------------

SWEEP = [(name, dtype) for name in catalog.names() for dtype in DTYPES]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "dtype"), SWEEP, ids=[f"{n}-{d}" for n, d in SWEEP])
def test_catalog_sweep(name: str, dtype: str) -> None:
    """Every catalog stencil x storage type, sparse: exact on its dyadic variant, within the
    error bound with its real coefficients, and accepted by ptxas for sm_80 and sm_90."""
    rng = np.random.default_rng(zlib.crc32(f"{name}-{dtype}".encode()))
    stencil = catalog.get(name)
    shape = small_shape(stencil, extra=4)
    variant = compile(dyadic_variant(stencil, rng), shape, dtype, assemble=False)
    assert_exact(variant, integer_grid(shape, rng), steps=1)
    kernel = compile(stencil, shape, dtype, assemble=False)
    assert_within_bound(kernel, rng.standard_normal(shape))
    if NO_PTXAS is None:
        assert ptxas.assemble(kernel.ptx, "sm_80").warnings == []
        hopper = compile(stencil, shape, dtype, "sm_90", assemble=False)
        assert ".target sm_90\n" in hopper.ptx
        assert ptxas.assemble(hopper.ptx, "sm_90").warnings == []
