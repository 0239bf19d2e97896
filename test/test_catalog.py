"""The stencil catalog: names and lookup, peer coefficients, computed weights, stability.

Float checks use tolerances derived from double rounding: a coefficient carries a relative
error of at most 2**-53 from its exact rational value, so a sum of at most 729 terms
``c_o * m_o`` errs by at most ``729 * 2**-53 * sum|c_o * m_o| < 1e-13 * sum|c_o * m_o|``.
Quoted quotients such as ``5.1 / 118`` are compared with ``rel=1e-15``: the catalog's value
is one rounding from the exact fraction and the test's expression two (the literal and the
division), so the two differ by at most ``3 * 2**-53 < 1e-15`` relative.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest

from sparse_stencil import catalog
from sparse_stencil.catalog.finite_differences import central_weights, fd_weights
from sparse_stencil.errors import StencilError
from sparse_stencil.stencil import MAX_DIMS, MAX_RADIUS, Stencil

ENTRIES = catalog.entries()
ROUNDING = 1e-13


def moment(stencil: Stencil, powers: tuple[int, ...]) -> tuple[float, float]:
    """``sum_o c_o * prod_i o_i**k_i`` (the stencil applied to a monomial at the origin) and
    the matching sum of absolute values, which scales its rounding error."""
    terms = [
        c * math.prod(o_i**k for o_i, k in zip(o, powers, strict=True))
        for o, c in zip(stencil.offsets, stencil.coefficients, strict=True)
    ]
    return sum(terms), sum(abs(t) for t in terms)


def assert_moment(stencil: Stencil, powers: tuple[int, ...], expected: float) -> None:
    value, scale = moment(stencil, powers)
    assert abs(value - expected) <= ROUNDING * max(scale, 1.0), (stencil.name, powers, value)


def monomials(dims: int, max_degree: int) -> list[tuple[int, ...]]:
    return [
        p for p in itertools.product(range(max_degree + 1), repeat=dims) if sum(p) <= max_degree
    ]


def coefficient(stencil: Stencil, offset: tuple[int, ...]) -> float:
    return dict(zip(stencil.offsets, stencil.coefficients, strict=True)).get(offset, 0.0)


def amplification(stencil: Stencil, samples: int) -> np.ndarray:
    """The Fourier symbol ``sum_o c_o exp(i o.theta)`` on a uniform grid of wavenumbers."""
    theta = np.linspace(-np.pi, np.pi, samples, endpoint=False)
    axes = np.meshgrid(*([theta] * stencil.dims), indexing="ij")
    symbol = np.zeros(axes[0].shape, dtype=complex)
    for offset, c in zip(stencil.offsets, stencil.coefficients, strict=True):
        symbol += c * np.exp(1j * sum(o * a for o, a in zip(offset, axes, strict=True)))
    return symbol


# ---------------------------------------------------------------- names, lookup, structure


def test_at_least_79_kernels_distinct_up_to_scale() -> None:
    # Normalizing by the first coefficient and rounding to 9 digits merges stencils that are
    # scalar multiples (rounding errors are ~1e-16); genuinely different catalog kernels differ
    # by at least 1e-5 relative (the closest are peer variants such as 5.1/118 vs 5/118).
    keys = {}
    for e in ENTRIES:
        first = e.stencil.coefficients[0]
        key = frozenset(
            (o, round(c / first, 9))
            for o, c in zip(e.stencil.offsets, e.stencil.coefficients, strict=True)
        )
        assert key not in keys, f"{e.id} is a multiple of {keys.get(key)}"
        keys[key] = e.id
    assert len(keys) >= 79


def test_names_are_unique_stable_and_ordered_by_domain() -> None:
    names = catalog.names()
    assert names == [e.id for e in ENTRIES] == catalog.names()
    assert len(set(names)) == len(names)
    ranks = [catalog.DOMAINS.index(e.domain) for e in ENTRIES]
    assert ranks == sorted(ranks)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_entry_is_well_formed(entry: catalog.CatalogEntry) -> None:
    s = entry.stencil
    assert s.name == entry.id
    assert entry.id == entry.id.lower()
    assert " " not in entry.id
    assert 1 <= s.dims <= MAX_DIMS
    assert s.radius <= MAX_RADIUS
    assert all(c != 0 and math.isfinite(c) for c in s.coefficients)
    assert entry.domain in catalog.DOMAINS
    for text in (entry.source, entry.description):
        assert text.strip()
        assert "\n" not in text
    assert catalog.get(entry.id) is s


def test_benchmark_sources_name_a_peer_or_say_chosen() -> None:
    for e in ENTRIES:
        if e.domain == "benchmark":
            assert e.source.startswith(("AN5D", "EBISU", "DRStencil", "chosen here")), e.id


def test_aliases_are_unique_resolve_and_never_shadow_an_id() -> None:
    ids = {i.lower() for i in catalog.names()}
    seen: set[str] = set()
    for e in ENTRIES:
        for alias in e.aliases:
            assert alias.lower() not in ids, alias
            assert alias.lower() not in seen, alias
            seen.add(alias.lower())
            assert catalog.get(alias) is e.stencil
            assert catalog.get(alias.upper()) is e.stencil
    assert catalog.aliases() == {a: e.id for e in ENTRIES for a in e.aliases}


def test_lookup_is_case_insensitive_and_entry_matches_get() -> None:
    assert catalog.get("STAR2D1R") is catalog.get("star2d1r") is catalog.get("Heat-2D")
    assert catalog.entry("heat-2d").id == "star2d1r"


def test_unknown_name_suggests_near_names() -> None:
    with pytest.raises(StencilError, match=r"did you mean .*star2d1r") as info:
        catalog.get("star2d1")
    assert "\n" not in str(info.value)
    with pytest.raises(StencilError, match="unknown stencil 'qqqqqq'") as info:
        catalog.entry("qqqqqq")
    assert "did you mean" not in str(info.value)


def test_gradient2d_is_refused_as_nonlinear() -> None:
    for name in ("gradient2d", "Gradient-2D"):
        with pytest.raises(StencilError, match="nonlinear"):
            catalog.get(name)
    assert "gradient2d" not in catalog.names()


# How docs/benchmarks.md's table and the peers' own tools spell the kernels, and the entry each
# names: lookup ignores case, hyphens and underscores (FlashFFTStencil's README and command
# lines write Box2D9P, cuDNN's sources box3d27p).
SPELLINGS = {
    "Heat-1D": "star1d1r",
    "1D5P": "star1d2r",
    "1D7P": "star1d3r",
    "1D15P": "star1d7r",
    "Heat-2D": "star2d1r",
    "Star-2D5P": "star2d1r",
    "Star2D9P": "star2d2r",
    "Star-2D13P": "star2d3r",
    "Star-2D17P": "star2d4r",
    "Box2D9P": "box2d1r",
    "box2d25p": "box2d2r",
    "Box-2D49P": "box2d3r",
    "Box-2D81P": "box2d4r",
    "Box-2D225P": "box2d7r",
    "Cross-2D5P": "cross2d1r",
    "Cross-2D9P": "cross2d2r",
    "Heat-3D": "star3d1r",
    "Star-3D13P": "star3d2r",
    "Star-3D19P": "star3d3r",
    "Star-3D25P": "star3d4r",
    "Box3D27P": "box3d1r",
    "Box-3D125P": "box3d2r",
    "Box-3D343P": "box3d3r",
    "Box-3D729P": "box3d4r",
    "3D17P": "j3d17pt",
    "Poisson-3D19P": "j3d19pt",
    "Cross-3D9P": "cross3d1r",
    "1d3p": "star1d1r",
    "2D5PT_CROSS": "cross2d1r",
    "j2d9pt gol": "j2d9pt-gol",
}


@pytest.mark.parametrize(("spelling", "id"), SPELLINGS.items(), ids=list(SPELLINGS))
def test_peer_spellings_find_their_entry(spelling: str, id: str) -> None:
    assert catalog.entry(spelling).id == id


# ---------------------------------------------------------------- the docs/benchmarks.md table

# (name from the table, dims, radius, points): every row but gradient2d, and the aliases it
# lists; box3d3r/4r share row 23.
TABLE = [
    ("heat-1d", 1, 1, 3),
    ("1d3p", 1, 1, 3),
    ("1d1r", 1, 1, 3),
    ("1d5p", 1, 2, 5),
    ("1d2r", 1, 2, 5),
    ("1d7p", 1, 3, 7),
    ("1d3r", 1, 3, 7),
    ("1d15p", 1, 7, 15),
    ("1d7r", 1, 7, 15),
    ("heat-2d", 2, 1, 5),
    ("star2d1r", 2, 1, 5),
    ("j2d5pt", 2, 1, 5),
    ("2d5pt", 2, 1, 5),
    ("star2d2r", 2, 2, 9),
    ("j2d9pt", 2, 2, 9),
    ("2ds9pt", 2, 2, 9),
    ("star2d3r", 2, 3, 13),
    ("star2d4r", 2, 4, 17),
    ("box2d1r", 2, 1, 9),
    ("j2d9pt-gol", 2, 1, 9),
    ("2d9pt", 2, 1, 9),
    ("box2d2r", 2, 2, 25),
    ("2d25pt", 2, 2, 25),
    ("box2d3r", 2, 3, 49),
    ("2d49pt", 2, 3, 49),
    ("box2d4r", 2, 4, 81),
    ("box2d7r", 2, 7, 225),
    ("2d5pt_cross", 2, 1, 5),
    ("2d9pt_cross", 2, 2, 9),
    ("heat-3d", 3, 1, 7),
    ("star3d1r", 3, 1, 7),
    ("3d7pt", 3, 1, 7),
    ("star3d2r", 3, 2, 13),
    ("3d13pt", 3, 2, 13),
    ("star3d3r", 3, 3, 19),
    ("star3d4r", 3, 4, 25),
    ("box3d1r", 3, 1, 27),
    ("j3d27pt", 3, 1, 27),
    ("3d27pt", 3, 1, 27),
    ("box3d2r", 3, 2, 125),
    ("3d125pt", 3, 2, 125),
    ("box3d3r", 3, 3, 343),
    ("box3d4r", 3, 4, 729),
    ("3d17pt", 3, 1, 17),
    ("poisson", 3, 1, 19),
    ("3d9pt_cross", 3, 1, 9),
]


@pytest.mark.parametrize(("name", "dims", "radius", "points"), TABLE, ids=[r[0] for r in TABLE])
def test_every_table_stencil_has_its_shape(name: str, dims: int, radius: int, points: int) -> None:
    s = catalog.get(name)
    assert (s.dims, s.radius, s.num_points) == (dims, radius, points)


def test_3d17pt_is_the_centre_plane_and_eight_corners() -> None:
    offsets = set(catalog.get("3d17pt").offsets)
    plane = {(0, j, k) for j in (-1, 0, 1) for k in (-1, 0, 1)}
    corners = {(i, j, k) for i in (-1, 1) for j in (-1, 1) for k in (-1, 1)}
    assert offsets == plane | corners


def test_an5d_coefficients() -> None:
    # docs/benchmarks.md §2: star2d1r.c N .1873, W .1876, C .2500, E .1877, S .1874 (N = row above).
    s = catalog.get("star2d1r")
    expected = {(-1, 0): 0.1873, (0, -1): 0.1876, (0, 0): 0.25, (0, 1): 0.1877, (1, 0): 0.1874}
    assert dict(zip(s.offsets, s.coefficients, strict=True)) == expected
    # j2d5pt.c: (5.1N + 12.1W + 15C + 12.2E + 5.2S)/118.
    j = catalog.get("j2d5pt")
    for offset, w in zip(expected, (5.1, 12.1, 15, 12.2, 5.2), strict=True):
        assert coefficient(j, offset) == pytest.approx(w / 118, rel=1e-15)
    # j2d9pt.c: star-r2 {7.1,5.1,9.2,12.1,15,12.2,9.1,5.2,7.2}/118 in source order, and
    # j2d9pt-gol.c the same 9 values on a 3x3 box (row-major).
    values = (7.1, 5.1, 9.2, 12.1, 15, 12.2, 9.1, 5.2, 7.2)
    star_r2 = [(-2, 0), (-1, 0), (0, -2), (0, -1), (0, 0), (0, 1), (0, 2), (1, 0), (2, 0)]
    box_r1 = list(itertools.product((-1, 0, 1), repeat=2))
    for name, offsets in (("j2d9pt", star_r2), ("j2d9pt-gol", box_r1)):
        for offset, w in zip(offsets, values, strict=True):
            assert coefficient(catalog.get(name), offset) == pytest.approx(w / 118, rel=1e-15)
    # box2d1r.c: .09371../.09378 with centre .25001; star3d1r.c: C .25, arms .1248...1253;
    # box3d1r.c: .0351-.0379.
    box = catalog.get("box2d1r")
    assert coefficient(box, (0, 0)) == 0.25001
    assert sorted(c for o, c in zip(box.offsets, box.coefficients, strict=True) if any(o)) == [
        0.09371,
        0.09372,
        0.09373,
        0.09374,
        0.09375,
        0.09376,
        0.09377,
        0.09378,
    ]
    star3 = catalog.get("star3d1r")
    assert coefficient(star3, (0, 0, 0)) == 0.25
    assert {c for c in star3.coefficients if c != 0.25} == {
        0.1248,
        0.1249,
        0.1250,
        0.1251,
        0.1252,
        0.1253,
    }
    assert all(0.0351 <= c <= 0.0379 for c in catalog.get("box3d1r").coefficients)
    # j3d27pt.c: 0.5 - 1.52, then /159.
    assert all(0.5 / 159 <= c <= 1.52 / 159 for c in catalog.get("j3d27pt").coefficients)
    # star2d4r.c: outer arms .11111 / -.11110 on axis 0 and .22222 / -.22220 on axis 1.
    outer = catalog.get("star2d4r")
    assert [coefficient(outer, o) for o in ((-4, 0), (4, 0), (0, -4), (0, 4))] == [
        0.11111,
        -0.1111,
        0.22222,
        -0.2222,
    ]


def test_an5d_3d125pt_weights() -> None:
    """3d125pt.c groups its 125 points by plane and in-plane distance class, with the weights
    .75, .76, 1.132, .217, 2.13, .331 and .332 (docs/benchmarks.md §2)."""
    s = catalog.get("3d125pt")
    weights = dict(zip(s.offsets, s.coefficients, strict=True))
    assert len(weights) == 125
    assert set(weights.values()) == {0.75, 0.76, 1.132, 0.217, 2.13, 0.331, 0.332}
    # Spot checks in the file's terms, A[k][j][i] with k outermost: the centre
    # (2.13 * A[k][j][i]), the k-2 corner (0.75), the k+2 corner (0.76), the k+2 diagonal
    # (0.332) and the k-1 centre (0.331).
    assert weights[(0, 0, 0)] == 2.13
    assert weights[(-2, -2, 2)] == 0.75
    assert weights[(2, 2, -2)] == 0.76
    assert weights[(2, 1, -1)] == 0.332
    assert weights[(-1, 0, 0)] == 0.331
    # Each plane weighs its 25 points by class only: the in-plane transpose changes nothing.
    assert all(weights[(k, i, j)] == w for (k, j, i), w in weights.items())


def test_ebisu_coefficients() -> None:
    # docs/benchmarks.md §2: 2d5pt (5,12,15,12,5)/118; 2d9pt (7,5,9 / 12,15,12 / 9,5,7)/118.
    s = catalog.get("2d5pt")
    for offset, w in zip(
        [(-1, 0), (0, -1), (0, 0), (0, 1), (1, 0)], (5, 12, 15, 12, 5), strict=True
    ):
        assert coefficient(s, offset) == pytest.approx(w / 118, rel=1e-15)
    box = catalog.get("2d9pt")
    for offset, w in zip(
        itertools.product((-1, 0, 1), repeat=2), (7, 5, 9, 12, 15, 12, 9, 5, 7), strict=True
    ):
        assert coefficient(box, offset) == pytest.approx(w / 118, rel=1e-15)
    # poisson: 2.666 centre, -.166 faces, -.0833 edges.
    poisson = catalog.get("poisson")
    for o, c in zip(poisson.offsets, poisson.coefficients, strict=True):
        assert c == {0: 2.666, 1: -0.166, 2: -0.0833}[sum(map(abs, o))]
    # 3d7pt: .161-.166 neighbours, -1.67 centre; 3d13pt: .083 neighbours, -.996 centre;
    # 3d27pt: .5-1.52 /159.
    s7 = catalog.get("3d7pt")
    assert coefficient(s7, (0, 0, 0)) == -1.67
    assert sorted(c for c in s7.coefficients if c > 0) == [0.161, 0.162, 0.163, 0.164, 0.165, 0.166]
    s13 = catalog.get("3d13pt")
    assert coefficient(s13, (0, 0, 0)) == -0.996
    assert {c for c in s13.coefficients if c > 0} == {0.083}
    assert all(0.5 / 159 <= c <= 1.52 / 159 for c in catalog.get("3d27pt").coefficients)


def test_drstencil_coefficients() -> None:
    # docs/benchmarks.md §2: centre .3, axis-1 .2, diagonal-1 and axis-2 .1, knight (1,2) .05,
    # corner (2,2) .02; the diagonal crosses .2/.1.
    s = catalog.get("2d25pt_box")
    expected = {(0, 0): 0.3, (0, 1): 0.2, (1, 1): 0.1, (0, 2): 0.1, (1, 2): 0.05, (2, 2): 0.02}
    for o, c in zip(s.offsets, s.coefficients, strict=True):
        assert c == expected[tuple(sorted(map(abs, o)))]
    cross = catalog.get("2d9pt_cross")
    for o, c in zip(cross.offsets, cross.coefficients, strict=True):
        assert abs(o[0]) == abs(o[1])
        assert c == {0: 0.3, 1: 0.2, 2: 0.1}[abs(o[0])]


# ---------------------------------------------------------------- finite-difference weights


def test_known_small_weights() -> None:
    F = Fraction
    assert central_weights(2, 2) == (1, -2, 1)
    assert central_weights(2, 4) == (F(-1, 12), F(4, 3), F(-5, 2), F(4, 3), F(-1, 12))
    assert central_weights(1, 2) == (F(-1, 2), 0, F(1, 2))
    assert central_weights(4, 2) == (1, -4, 6, -4, 1)
    assert fd_weights(1, (-1, 0)) == (-1, 1)
    assert fd_weights(1, (-2, -1, 0)) == (F(1, 2), -2, F(3, 2))


@pytest.mark.parametrize("derivative", [1, 2, 4])
@pytest.mark.parametrize("order", [2, 4, 6, 8, 10, 12, 14, 16])
def test_central_weights_have_exactly_the_claimed_order(derivative: int, order: int) -> None:
    """Applied to x**k at 0 the weights give k! [k == m] for k < m + order (exact on those
    polynomials: error O(h**order)), and miss at k = m + order (the order is not higher)."""
    weights = central_weights(derivative, order)
    radius = len(weights) // 2
    offsets = range(-radius, radius + 1)

    def applied(k: int) -> Fraction:
        return sum(
            (w * Fraction(o) ** k for w, o in zip(weights, offsets, strict=True)), Fraction(0)
        )

    for k in range(derivative + order):
        assert applied(k) == (math.factorial(k) if k == derivative else 0), k
    assert applied(derivative + order) != 0


def test_one_sided_weights_are_exact_below_the_point_count() -> None:
    offsets = (-2, -1, 0, 1)
    weights = fd_weights(1, offsets)
    for k in range(len(offsets)):
        value = sum(w * Fraction(o) ** k for w, o in zip(weights, offsets, strict=True))
        assert value == (1 if k == 1 else 0)


def test_bad_finite_difference_requests_are_refused() -> None:
    with pytest.raises(StencilError, match="more than 2 points"):
        fd_weights(2, (0, 1))
    with pytest.raises(StencilError, match="repeat"):
        fd_weights(1, (0, 0, 1))
    with pytest.raises(StencilError, match="even order"):
        central_weights(2, 3)


@pytest.mark.parametrize("dims", [1, 2, 3])
@pytest.mark.parametrize("order", [2, 4, 6, 8, 10, 12, 14, 16])
def test_laplacian_entries_are_exact_to_their_order(dims: int, order: int) -> None:
    """On monomials of degree < order + 2 the entry gives the exact Laplacian at the origin:
    2 on the squares x_i**2, 0 elsewhere; on x_i**(order + 2) it errs (order not higher)."""
    s = catalog.get(f"laplace{dims}d-o{order}")
    assert s.radius == order // 2
    for powers in monomials(dims, min(order + 1, 9)):
        assert_moment(s, powers, 2.0 if sorted(powers) == [0] * (dims - 1) + [2] else 0.0)
    for axis in range(dims):
        powers = tuple(order + 2 if i == axis else 0 for i in range(dims))
        value, scale = moment(s, powers)
        assert abs(value) > 1e-6 * scale


@pytest.mark.parametrize(
    ("name", "degree"),
    [
        ("biharmonic1d-o2", 5),
        ("biharmonic1d-o4", 7),
        ("biharmonic2d-o2", 5),
        ("biharmonic2d-o4", 7),
        ("biharmonic3d-o2", 5),
    ],
)
def test_biharmonic_entries_are_exact(name: str, degree: int) -> None:
    """The squared Laplacian of a monomial at 0: 24 for x**4, 8 for x**2 y**2, else 0
    (1D: the fourth derivative, 24 for x**4)."""
    s = catalog.get(name)
    for powers in monomials(s.dims, degree):
        expected = {(4,): 24.0, (2, 2): 8.0}.get(tuple(sorted(p for p in powers if p)), 0.0)
        assert_moment(s, powers, expected)


@pytest.mark.parametrize("name", ["poisson2d-9pt", "poisson3d-19pt", "poisson3d-27pt"])
def test_mehrstellen_operators_are_laplacian_plus_h2_biharmonic_over_12(name: str) -> None:
    """Compact fourth-order Laplacians satisfy L p = (Lap + Lap**2 / 12) p on polynomials of
    degree <= 5, so the scheme is O(h**4) once the right side gets the same correction."""
    s = catalog.get(name)
    for powers in monomials(s.dims, 5):
        shape = tuple(sorted(p for p in powers if p))
        assert_moment(s, powers, {(2,): 2.0, (4,): 2.0, (2, 2): 8.0 / 12}.get(shape, 0.0))


def test_first_derivative_entries() -> None:
    for name, degree in (
        ("deriv1d-o2", 2),
        ("deriv1d-o4", 4),
        ("deriv1d-o8", 8),
        ("deriv1d-upwind2", 2),
        ("deriv1d-upwind3", 3),
    ):
        s = catalog.get(name)
        for k in range(degree + 1):
            assert_moment(s, (k,), 1.0 if k == 1 else 0.0)
    assert (0,) not in catalog.get("deriv1d-o4").offsets
    assert max(o for (o,) in catalog.get("deriv1d-upwind3").offsets) == 1


# ---------------------------------------------------------------- stability and meaning

CONTRACTIVE = [
    e.id
    for e in ENTRIES
    if e.domain in ("heat/diffusion", "anisotropic diffusion")
    or e.id.startswith(("advect", "gaussian", "box-blur", "star1d", "box3d"))
    or e.id.endswith("-jacobi")
    or e.id in ("hyperdiffusion2d", "box2d7r", "motion-blur5")
]


@pytest.mark.parametrize("name", CONTRACTIVE)
def test_update_steps_never_amplify(name: str) -> None:
    """|symbol| <= 1 on a grid of wavenumbers (rounding: 1e-13 * sum|c|, see top)."""
    s = catalog.get(name)
    symbol = amplification(s, 48 if s.dims < 3 else 16)
    bound = 1 + ROUNDING * sum(map(abs, s.coefficients))
    assert np.abs(symbol).max() <= bound


def test_contractive_list_covers_the_update_domains() -> None:
    assert len(CONTRACTIVE) >= 35
    assert {"heat3d-o8", "advect2d-ctu", "poisson3d-27pt-jacobi", "box3d4r"} <= set(CONTRACTIVE)


@pytest.mark.parametrize("name", [e.id for e in ENTRIES if e.id.startswith("wave")])
def test_wave_steps_meet_the_leapfrog_condition(name: str) -> None:
    """Leapfrog u' = G u - u_prev is stable when G's symbol is real and within [-2, 2]
    (rounding: 1e-13 * sum|c|, see top)."""
    s = catalog.get(name)
    symbol = amplification(s, 48 if name.startswith("wave2d") else 16)
    rounding = ROUNDING * sum(map(abs, s.coefficients))
    assert np.abs(symbol.imag).max() <= rounding
    assert symbol.real.min() >= -2
    assert symbol.real.max() <= 2 + rounding


def test_image_filters_respond_as_named() -> None:
    for name, axis in (("sobel-x", 1), ("scharr-x", 1), ("sobel-y", 0), ("prewitt-y", 0)):
        s = catalog.get(name)
        ramp = tuple(1 if i == axis else 0 for i in range(2))
        other = tuple(1 - r for r in ramp)
        assert moment(s, ramp)[0] > 0
        assert moment(s, other)[0] == 0
        assert moment(s, (0, 0))[0] == 0
    for name in ("log5x5", "log7x7"):
        assert abs(moment(catalog.get(name), (0, 0))[0]) < ROUNDING
        assert_moment(catalog.get(name), (2, 0), 2.0)


def test_life_encoding_decides_the_game_of_life() -> None:
    """For every 3x3 neighbourhood, Conway's rule holds exactly when the encoding is 5..7."""
    s = catalog.get("life2d-encode")
    for cells in itertools.product((0, 1), repeat=9):
        grid = dict(zip(itertools.product((-1, 0, 1), repeat=2), cells, strict=True))
        alive, neighbours = grid[(0, 0)], sum(cells) - grid[(0, 0)]
        conway = neighbours == 3 or (alive and neighbours == 2)
        value = sum(c * grid[o] for o, c in zip(s.offsets, s.coefficients, strict=True))
        assert conway == (value in (5, 6, 7))


def test_peer_variants_differ_from_the_table_kernel() -> None:
    assert catalog.get("j2d5pt") != catalog.get("star2d1r") != catalog.get("2d5pt")
    assert catalog.entry("2d5pt").id == "star2d1r-ebisu"
