"""End-to-end tests of the CUDA-core kernel (``compile(..., path="cuda-core")``): the printed
PTX, run on the PTX simulator, computes the stencil.

What the tests prove, as for the tensor-core paths (:mod:`test_compiler`):

- **Exactness**: on integer grids and dyadic coefficients the emulated kernel equals the
  float64 reference bit for bit, after 1 and 3 steps, 1D to 3D, f16, bf16 and f32, on grids
  whose interior is not a multiple of the block extent; hypothesis adds random stencils.
- **Error bound**: with the catalog's real coefficients on standard-normal data, one step is
  within :func:`~sparse_stencil.kernel.direct.direct_error_bound`.
- **Memory safety**: every emulation runs under the simulator's bounds checker, including
  grids with a single interior point.
- **PTX**: ptxas assembles the kernels for sm_80 and sm_90 without warnings or spills; no
  division, remainder or branch.
- **Profile and estimate**: :meth:`Kernel.profile` works, and the cost model's count for one
  block is within 10 % of the simulator's count on an interior block.
- **path="auto"** builds the path whose estimate is lower and says so; a stencil that the
  tensor cores cannot take goes to the CUDA cores.
"""

from __future__ import annotations

import math
import re
import zlib

import numpy as np
import pytest
from compiled_cases import (
    DTYPES,
    assert_exact,
    dyadic_stencils,
    dyadic_variant,
    integer_grid,
    needs_ptxas,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from sparse_stencil import Stencil, StencilError, catalog, reference
from sparse_stencil.compiler import Kernel, compile
from sparse_stencil.dtypes import storage_type
from sparse_stencil.kernel.direct import (
    DirectGeometry,
    direct_error_bound,
    stencil_rows,
    warp_instructions,
)

EXACT_CASES: list[tuple[str, tuple[int, ...]]] = [
    ("star1d2r", (47,)),
    ("star2d1r", (19, 25)),
    ("box2d3r", (29, 43)),
    ("star3d1r", (9, 13, 19)),
    ("box3d1r", (13, 9, 19)),
]


def cuda_core(stencil: Stencil, shape: tuple[int, ...], dtype: str, **options: str) -> Kernel:
    return compile(stencil, shape, dtype, path="cuda-core", assemble=False, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("name", "shape"), EXACT_CASES, ids=[c[0] for c in EXACT_CASES])
def test_emulation_equals_reference_exactly(name: str, shape: tuple[int, ...], dtype: str) -> None:
    rng = np.random.default_rng(zlib.crc32(f"{name}-{dtype}-cuda".encode()))
    stencil = dyadic_variant(catalog.get(name), rng)
    kernel = cuda_core(stencil, shape, dtype)
    geometry = kernel.geometry
    assert isinstance(geometry, DirectGeometry)
    assert any(i % e for i, e in zip(geometry.interior, geometry.extent, strict=True))
    assert "mma" not in kernel.ptx
    assert kernel.ptx.count("mad.rn.f32") > 0
    assert_exact(kernel, integer_grid(shape, rng), steps=1)
    assert_exact(kernel, integer_grid(shape, rng, bound=2), steps=3)


@settings(max_examples=10, deadline=None)
@given(
    stencil=dyadic_stencils(),
    extra=st.lists(st.integers(0, 10), min_size=3, max_size=3),
    dtype=st.sampled_from(DTYPES),
    seed=st.integers(0, 2**32 - 1),
)
def test_random_stencils_are_exact(
    stencil: Stencil, extra: list[int], dtype: str, seed: int
) -> None:
    shape = tuple(2 * r + 1 + e for r, e in zip(stencil.radii, extra, strict=False))
    kernel = cuda_core(stencil, shape, dtype)
    assert_exact(kernel, integer_grid(shape, np.random.default_rng(seed)), steps=1)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["star1d1r", "box2d3r", "gaussian5x5", "star3d2r", "box3d1r"])
def test_catalog_coefficients_within_error_bound(name: str, dtype: str) -> None:
    stencil = catalog.get(name)
    shape = tuple(2 * r + 9 + axis for axis, r in enumerate(stencil.radii))
    kernel = cuda_core(stencil, shape, dtype)
    x = np.random.default_rng(7).standard_normal(shape)
    got = kernel.emulate(x, steps=1)
    expected = reference(stencil, x, 1, dtype)
    bound = direct_error_bound(stencil, storage_type(dtype), x, got, expected)
    assert np.all(np.isfinite(got))
    assert np.all(np.abs(got - expected) <= bound)


@pytest.mark.parametrize("name", ["star1d2r", "box2d2r", "star3d1r"])
def test_grid_barely_larger_than_stencil(name: str) -> None:
    rng = np.random.default_rng(11)
    stencil = dyadic_variant(catalog.get(name), rng)
    shape = tuple(2 * r + 1 for r in stencil.radii)
    kernel = cuda_core(stencil, shape, "float16")
    assert kernel.geometry.updated_points == 1
    assert_exact(kernel, integer_grid(shape, rng), steps=2)


PTX_CASES = [("star1d1r", "float16"), ("box2d3r", "bfloat16"), ("star3d2r", "float32")]


@pytest.mark.parametrize(("name", "dtype"), PTX_CASES)
def test_kernel_is_straight_line_without_division(name: str, dtype: str) -> None:
    stencil = catalog.get(name)
    kernel = cuda_core(stencil, tuple(2 * r + 40 for r in stencil.radii), dtype)
    body = kernel.ptx[kernel.ptx.index(".entry") :]
    assert re.search(r"\b(div|rem)\.", kernel.ptx) is None
    assert re.search(r"\bbra(\.uni)?\b", body) is None
    assert re.search(r"^\s*\$?[A-Za-z_][\w$]*:", body, re.MULTILINE) is None


@needs_ptxas
@pytest.mark.parametrize("arch", ["sm_80", "sm_90"])
@pytest.mark.parametrize(("name", "dtype"), PTX_CASES)
def test_ptxas_accepts_without_warnings_or_spills(name: str, dtype: str, arch: str) -> None:
    stencil = catalog.get(name)
    shape = tuple(2 * r + 40 for r in stencil.radii)
    kernel = compile(stencil, shape, dtype, arch, path="cuda-core")
    assert f".target {arch}\n" in kernel.ptx
    assert kernel.stats["ptxas_warnings"] == []
    assert kernel.stats["spill_bytes"] == 0


@pytest.mark.parametrize("name", ["star2d1r", "box2d3r"])
def test_profile_matches_the_estimate(name: str) -> None:
    kernel = compile(catalog.get(name), (300, 300), path="cuda-core", assemble=False, profile=True)
    profile = kernel.stats["profile"]
    assert profile["total"] == pytest.approx(kernel.profile()["total"])
    assert profile["float"] >= sum(1 for c in kernel.stencil.coefficients if c) / 32
    geometry = kernel.geometry
    assert isinstance(geometry, DirectGeometry)
    rows = stencil_rows(kernel.stencil, kernel.stencil.coefficients)
    per_block = warp_instructions(geometry, rows) * geometry.block.warps
    assert profile["total"] == pytest.approx(per_block / math.prod(geometry.extent), rel=0.1)


def test_stats_and_describe() -> None:
    kernel = cuda_core(catalog.get("box2d1r"), (40, 50), "float16")
    stats = kernel.stats
    assert (stats["path"], stats["path_reason"]) == ("cuda-core", "requested")
    assert stats["instruction"] == "fma.rn.f32"
    assert stats["redundancy"] is None
    assert stats["k"] is None
    assert stats["fma_per_point"] == 9
    assert stats["shared_bytes"] == kernel.geometry.shared_bytes
    assert kernel.entry == "box2d1r_f16_cuda_core"
    assert "on the CUDA cores" in kernel.describe()
    tensor = compile(catalog.get("box2d1r"), (40, 50), assemble=False)
    assert (tensor.stats["path"], tensor.stats["path_reason"]) == ("tensor-core", "requested")


@pytest.mark.parametrize("name", ["star1d1r", "heat-2d", "box2d3r", "star3d1r"])
def test_auto_builds_the_cheaper_estimate(name: str) -> None:
    stencil = catalog.get(name)
    shape = tuple(2 * r + 60 for r in stencil.radii)
    kernel = compile(stencil, shape, path="auto", assemble=False)
    match = re.fullmatch(
        r"estimated ([\d.]+) \(([\w-]+)\) vs ([\d.]+) \(([\w-]+)\) per point",
        kernel.stats["path_reason"],
    )
    assert match is not None
    assert match.group(2) == kernel.stats["path"]
    assert float(match.group(1)) <= float(match.group(3))


def test_auto_falls_back_where_tensor_cores_cannot_take_it() -> None:
    """A coefficient that overflows f16 is refused by the tensor cores, not by f32 FMAs."""
    rng = np.random.default_rng(5)
    stencil = Stencil({(-1,): 0.5, (0,): 65536.0 * 2, (1,): 0.25})
    with pytest.raises(StencilError, match="overflows f16"):
        compile(stencil, (40,), assemble=False)
    kernel = compile(stencil, (40,), path="auto", assemble=False)
    assert kernel.stats["path"] == "cuda-core"
    assert "tensor cores cannot take it" in kernel.stats["path_reason"]
    x = integer_grid((40,), rng, bound=1) / 8
    np.testing.assert_array_equal(kernel.emulate(x), reference(stencil, x, 1, "float16"))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"path": "gpu"}, "unknown path 'gpu'"),
        ({"path": "cuda-core", "tile": (4, 4)}, "choose a tensor-core layout"),
    ],
)
def test_bad_path_options_are_refused(options: dict[str, object], message: str) -> None:
    with pytest.raises(StencilError, match=message):
        compile(catalog.get("star2d1r"), (20, 20), **options)  # type: ignore[arg-type]


def test_overflowing_f32_coefficient_is_named() -> None:
    with pytest.raises(StencilError, match=r"coefficient 1e\+39 at offset \[0\] overflows f32"):
        cuda_core(Stencil({(-1,): 1.0, (0,): 1e39, (1,): 1.0}), (16,), "float32")
