"""The benchmark stencils of the Tensor-Core stencil literature, with their peers' weights.

Every row of the canonical table in ``docs/benchmarks.md`` §1 is here under its AN5D-style
id, with the weights of the peer that defines it: AN5D-Artifact for the star and box shapes,
EBISU for 3d17pt and poisson, DRStencil for the diagonal cross shapes. Where another peer runs
the same shape with its own weights, that kernel is a separate entry, ``<shape id>-<peer>``,
under the peer's own name as alias (EBISU's ``2d5pt`` is ``star2d1r-ebisu``), and AN5D's own
``j*`` kernels keep their ids. Weights are quoted from the source files at the commits below;
where the peers publish only placeholders (the 1D shapes, box2d7r) or weights that blow up
under iteration (AN5D's box3d2r..box3d4r), the entry says "chosen here" and why.

AN5D's ``gradient2d`` is left out: ``u + 1/sqrt(eps + sum (u - u_n)^2)`` is nonlinear, so it has
no weights (:data:`EXCLUDED`).
"""

from __future__ import annotations

from fractions import Fraction

from sparse_stencil.catalog.builders import (
    Points,
    by_class,
    grid,
    heat_step,
    laplacian,
    ramp_box,
    star,
)
from sparse_stencil.catalog.entry import BENCHMARK, CatalogEntry, make_entry

AN5D = "AN5D-Artifact (khaki3/AN5D-Artifact @fbebf5f)"
EBISU = "EBISU (neozhang307/EBISU-ICS23 @dd3d844)"
DRSTENCIL = "DRStencil (simple86/DRStencil @2f95b25)"

EXCLUDED = {
    "gradient2d": (
        "gradient2d (AN5D) is nonlinear: u + 1/sqrt(0.0001 + sum_n (u - u_n)^2) has no "
        "constant weights, so it cannot be a linear stencil and is not in the catalog"
    ),
}
"""Names of benchmark kernels that the catalog leaves out, with the reason."""


def benchmark_entries() -> list[CatalogEntry]:
    """All benchmark entries: the docs/benchmarks.md table first, then the peers' own variants."""
    return _table_entries() + _an5d_jacobi_entries() + _ebisu_entries() + _drstencil_entries()


def _entry(
    id: str, stencil: Points, source: str, description: str, aliases: tuple[str, ...] = ()
) -> CatalogEntry:
    return make_entry(id, stencil, BENCHMARK, source, description, aliases)


def _heat_1d(radius: int) -> Points:
    """``u + L u / sum|L|`` with the order-2r central second difference: a damped heat step."""
    return heat_step(laplacian(1, 2 * radius), 1)


def _heat_1d_source(radius: int) -> str:
    return (
        f"chosen here: explicit heat step u + nu*D2 u, D2 the order-{2 * radius} central "
        "second difference (computed), nu = 1/sum|D2| (its spectral radius); the peers' 1D "
        "weights are placeholders (ConvStencil i+1, FlashFFTStencil U(0,1), SPIDER (col%13)+1)"
    )


def _ramp_source(peer_weights: str) -> str:
    return (
        "chosen here: positive ramp weights (N+n)/S in row-major order, all distinct, summing "
        f"to 1 (see builders.ramp_box); {peer_weights}"
    )


def _table_entries() -> list[CatalogEntry]:
    """docs/benchmarks.md §1's 26 rows but the nonlinear gradient2d (row 23 holds two kernels)."""
    return [
        *(
            _entry(
                f"star1d{r}r",
                _heat_1d(r),
                _heat_1d_source(r),
                f"1D {2 * r + 1}-point line: heat step with order-{2 * r} differences",
                aliases,
            )
            for r, aliases in (
                (1, ("heat-1d", "1d3p", "1d1r")),
                (2, ("1d5p", "1d2r")),
                (3, ("1d7p", "1d3r")),
                (7, ("1d15p", "1d7r")),
            )
        ),
        _entry(
            "star2d1r",
            star(".25", ".1873 .1874", ".1876 .1877"),
            f"{AN5D} star2d1r.c",
            "2D 5-point star, Jacobi-style average (Heat-2D)",
            ("heat-2d", "star-2d5p"),
        ),
        _entry(
            "star2d2r",
            star(".25001", ".09371 .09374 .09375 .09378", ".09376 .09372 .09377 .09373"),
            f"{AN5D} star2d2r.c",
            "2D 9-point star of radius 2, Jacobi-style average",
            ("star-2d9p",),
        ),
        _entry(
            "star2d3r",
            star(
                ".25002",
                ".06251 .06255 .06245 .06246 .06242 .06254",
                ".06252 .06249 .06244 .06248 .06243 .06253",
            ),
            f"{AN5D} star2d3r.c",
            "2D 13-point star of radius 3, Jacobi-style average",
            ("star-2d13p",),
        ),
        _entry(
            "star2d4r",
            star(
                ".25005",
                ".11111 .06251 .06255 .06245 .06246 .06242 .06254 -.11110",
                ".22222 .06252 .06249 .06244 .06248 .06243 .06253 -.22220",
            ),
            f"{AN5D} star2d4r.c, but for one term: the file writes -0.11110*A[i-4][j] a second "
            "time where the 17-point star needs A[i+4][j]; taken here as offset (+4,0)",
            "2D 17-point star of radius 4, antisymmetric outer arms",
            ("star-2d17p",),
        ),
        _entry(
            "box2d1r",
            grid(
                """.09371 .09374 .09376
                    .09372 .25001 .09377
                    .09373 .09375 .09378""",
                2,
            ),
            f"{AN5D} box2d1r.c",
            "2D 3x3 box, Jacobi-style average",
            ("box-2d9p",),
        ),
        _entry(
            "box2d2r",
            _an5d_box_2d(2, "0.03125", "0.24712"),
            f"{AN5D} box2d2r.c (0.03125 + 0.00001*n in row-major order, centre 0.24712)",
            "2D 5x5 box, Jacobi-style average",
            ("box-2d25p",),
        ),
        _entry(
            "box2d3r",
            grid(
                """.01530 .01531 .01532 .01533 .01534 .01535 .01536
                    .01537 .01538 .01539 .01540 .01541 .01542 .01543
                    .01544 .01545 .01546 .01546 .01547 .01548 .01549
                    .01550 .01551 .01552 .25424 .01554 .01555 .01556
                    .01557 .01558 .01559 .01560 .01561 .01562 .01564
                    .01565 .01566 .01567 .01568 .01569 .01570 .01571
                    .01572 .01573 .01574 .01575 .01576 .01577 .01578""",
                2,
            ),
            f"{AN5D} box2d3r.c",
            "2D 7x7 box, Jacobi-style average",
            ("box-2d49p",),
        ),
        _entry(
            "box2d4r",
            _an5d_box_2d(4, "0.00930", "0.22400"),
            f"{AN5D} box2d4r.c (0.00930 + 0.00001*n in row-major order, centre 0.22400)",
            "2D 9x9 box, Jacobi-style average",
            ("box-2d81p",),
        ),
        _entry(
            "box2d7r",
            ramp_box(2, 7),
            _ramp_source("SPIDER's FP16 kernel uses the placeholder (col%13)+1"),
            "2D 15x15 box (SPIDER's native radius-7 kernel)",
            ("box-2d225p",),
        ),
        _entry(
            "cross2d1r",
            by_class(2, 1, {(0, 0): ".3", (1, 1): ".2"}),
            f"{DRSTENCIL} benchmarks/2d5pt_cross/2d5pt_cross.stc",
            "2D diagonal X of 5 points: centre and the 4 corners",
            ("cross-2d5p", "2d5pt_cross"),
        ),
        _entry(
            "cross2d2r",
            by_class(2, 2, {(0, 0): ".3", (1, 1): ".2", (2, 2): ".1"}),
            f"{DRSTENCIL} benchmarks/2d9pt_cross/2d9pt_cross.stc",
            "2D diagonal X of 9 points, radius 2",
            ("cross-2d9p", "2d9pt_cross"),
        ),
        _entry(
            "star3d1r",
            star(".25", ".1248 .1249", ".1250 .1251", ".1252 .1253"),
            f"{AN5D} star3d1r.c",
            "3D 7-point star, Jacobi-style average (Heat-3D)",
            ("heat-3d", "star-3d7p"),
        ),
        _entry(
            "star3d2r",
            star(
                ".25",
                ".06255 .0620 .0621 .0626",
                ".0627 .0622 .0623 .0628",
                ".0629 .0624 .06245 .0630",
            ),
            f"{AN5D} star3d2r.c",
            "3D 13-point star of radius 2, Jacobi-style average",
            ("star-3d13p",),
        ),
        _entry(
            "star3d3r",
            star(
                ".25",
                ".04296 .04196 .04096 .04066 .04166 .04266",
                ".04286 .04186 .04086 .04056 .04156 .04256",
                ".04276 .04176 .04076 .04046 .04146 .04246",
            ),
            f"{AN5D} star3d3r.c",
            "3D 19-point star of radius 3, Jacobi-style average",
            ("star-3d19p",),
        ),
        _entry(
            "star3d4r",
            star(
                ".25",
                ".03226 .03136 .03116 .03026 .03024 .03114 .03134 .03224",
                ".03227 .03137 .03117 .03027 .03023 .03113 .03133 .03223",
                ".03228 .03138 .03118 .03027 .03022 .03112 .03132 .03222",
            ),
            f"{AN5D} star3d4r.c",
            "3D 25-point star of radius 4 (the RTM shape), Jacobi-style average",
            ("star-3d25p",),
        ),
        _entry(
            "box3d1r",
            grid(
                """.0371 .0372 .0373   .0374 .0375 .0376   .0377 .0378 .0379
                    .0351 .0352 .0353   .0354 .0355 .0356   .0357 .0358 .0359
                    .0361 .0362 .0363   .0364 .0365 .0366   .0367 .0368 .0369""",
                3,
            ),
            f"{AN5D} box3d1r.c",
            "3D 3x3x3 box, Jacobi-style average",
            ("box-3d27p",),
        ),
        *(
            _entry(
                f"box3d{r}r",
                ramp_box(3, r),
                _ramp_source(
                    f"AN5D's box3d{r}r.c ramps 0.001*n with signed centre lines and amplifies "
                    f"some modes {growth}x per step, so its values grow without bound"
                ),
                f"3D {2 * r + 1}x{2 * r + 1}x{2 * r + 1} box",
                aliases,
            )
            for r, growth, aliases in (
                (2, "1.5", ("box-3d125p",)),
                (3, "4.9", ("box-3d343p",)),
                (4, "36", ("box-3d729p",)),
            )
        ),
        _entry(
            "j3d17pt",
            grid(
                """.50 0 .50    0 0 0     .50 0 .50
                    .51 .71 .91  1.21 1.51 1.21  .91 .71 .51
                    .52 0 .52    0 0 0     .52 0 .52""",
                3,
                Fraction(1, 159),
            ),
            f"{EBISU} 3dstencil/3d17pt/3d17pt_gold.cpp",
            "3D 17 points: the 3x3 centre plane and the 4 corners above and below, /159",
            ("3d17pt", "3d17p", "mixed-3d17p"),
        ),
        _entry(
            "j3d19pt",
            by_class(3, 1, {(0, 0, 0): "2.666", (0, 0, 1): "-.166", (0, 1, 1): "-.0833"}),
            f"{EBISU} 3dstencil/poisson/poisson_gold.cpp",
            "3D 19-point Poisson shape: centre, 6 faces, 12 edges",
            ("poisson", "poisson-3d19p"),
        ),
        _entry(
            "cross3d1r",
            by_class(3, 1, {(0, 0, 0): ".3", (1, 1, 1): ".2"}),
            f"{DRSTENCIL} benchmarks/3d9pt_cross/3d9pt_cross.stc",
            "3D diagonal cross of 9 points: centre and the 8 corners",
            ("cross-3d9p", "3d9pt_cross"),
        ),
    ]


def _an5d_box_2d(radius: int, first: str, centre: str) -> Points:
    """AN5D's generated 2D boxes: ``first + 0.00001*n`` in row-major order, its own centre."""
    side = 2 * radius + 1
    step = Fraction("0.00001")
    weights = {
        (i - radius, j - radius): Fraction(first) + step * (i * side + j)
        for i in range(side)
        for j in range(side)
    }
    weights[(0, 0)] = Fraction(centre)
    return weights


def _an5d_jacobi_entries() -> list[CatalogEntry]:
    """AN5D's own kernels: integer-like weights divided by 118 or 159, and 3d125pt."""
    return [
        _entry(
            "j2d5pt",
            star("15", "5.1 5.2", "12.1 12.2", scale=Fraction(1, 118)),
            f"{AN5D} j2d5pt.c",
            "2D 5-point star, weights /118",
        ),
        _entry(
            "j2d9pt",
            star("15", "7.1 5.1 5.2 7.2", "9.2 12.1 12.2 9.1", scale=Fraction(1, 118)),
            f"{AN5D} j2d9pt.c",
            "2D 9-point star of radius 2, weights /118",
        ),
        _entry(
            "j2d9pt-gol",
            grid(
                """7.1  5.1  9.2
                    12.1 15  12.2
                    9.1  5.2  7.2""",
                2,
                Fraction(1, 118),
            ),
            f"{AN5D} j2d9pt-gol.c",
            "2D 3x3 box with j2d9pt's nine weights, /118",
        ),
        _entry(
            "j3d27pt",
            grid(
                """0.500 0.700 0.900   1.200 1.500 1.201   0.901 0.701 0.501
                    0.510 0.710 0.910   1.210 1.510 1.211   0.911 0.711 0.511
                    0.520 0.720 0.920   1.220 1.520 1.221   0.921 0.721 0.521""",
                3,
                Fraction(1, 159),
            ),
            f"{AN5D} j3d27pt.c",
            "3D 3x3x3 box, weights /159",
        ),
        _entry(
            "j3d125pt",
            _an5d_3d125pt(),
            f"{AN5D} 3d125pt.c, but for its k+2 plane: each weight group ends by repeating "
            "its k-2 terms where the k+2 plane belongs (as written, the kernel never reads "
            "k+2 and has 100 points); taken here as k+2, which gives the 125 points of the name",
            "3D 5x5x5 box, one weight per plane and in-plane distance class; the weights sum "
            "to 116.524, so values grow that much per step",
            ("3d125pt",),
        ),
    ]


def _an5d_3d125pt() -> Points:
    """AN5D's 3d125pt.c: on each plane k+dk, one weight per class of in-plane offsets.

    The classes are those of :func:`by_class` in 2D: (0, 0) the centre, (0, 1) the 4 axis
    neighbours, (1, 1) the 4 diagonal ones, (0, 2), (1, 2) the 8 knight moves, (2, 2).
    """
    near = {
        (0, 0): ".331",
        (0, 1): ".217",
        (1, 1): ".75",
        (0, 2): "2.13",
        (1, 2): ".331",
        (2, 2): "1.132",
    }
    planes = {
        -2: {
            (0, 0): "1.132",
            (0, 1): "2.13",
            (1, 1): ".331",
            (0, 2): ".217",
            (1, 2): "1.132",
            (2, 2): ".75",
        },
        -1: near,
        0: {
            (0, 0): "2.13",
            (0, 1): ".75",
            (1, 1): ".331",
            (0, 2): "1.132",
            (1, 2): "2.13",
            (2, 2): ".217",
        },
        1: near,
        2: {
            (0, 0): "1.132",
            (0, 1): "2.13",
            (1, 1): ".332",
            (0, 2): ".217",
            (1, 2): "1.132",
            (2, 2): ".76",
        },
    }
    return {
        (dk, *offset): weight
        for dk, classes in planes.items()
        for offset, weight in by_class(2, 2, classes).items()
    }


def _ebisu_entries() -> list[CatalogEntry]:
    """EBISU's kernels on shapes of the table, with EBISU's weights."""
    return [
        _entry(
            "star2d1r-ebisu",
            star(15, "5 5", "12 12", scale=Fraction(1, 118)),
            f"{EBISU} 2dstencil/2d5pt/jacobi_gold.cpp",
            "2D 5-point star, (5, 12, 15, 12, 5)/118",
            ("2d5pt",),
        ),
        _entry(
            "star2d2r-ebisu",
            star(15, "7 5 5 7", "9 12 12 9", scale=Fraction(1, 118)),
            f"{EBISU} 2dstencil/2ds9pt/jacobi_gold.cpp",
            "2D 9-point star of radius 2, integer weights /118",
            ("2ds9pt",),
        ),
        _entry(
            "box2d1r-ebisu",
            grid(
                """7  5  9
                    12 15 12
                    9  5  7""",
                2,
                Fraction(1, 118),
            ),
            f"{EBISU} 2dstencil/2d9pt/jacobi_gold.cpp",
            "2D 3x3 box, integer weights /118",
            ("2d9pt",),
        ),
        _entry(
            "box2d2r-ebisu",
            grid(
                """1  2  3  4  5
                    7  7  5  7  6
                    8 12 15 12 12
                    9  9  5  7 15
                   10 11 12 13 14""",
                2,
                Fraction(1, 118),
            ),
            f"{EBISU} 2dstencil/2d25pt/jacobi_gold.cpp",
            "2D 5x5 box, integer weights /118",
            ("2d25pt",),
        ),
        _entry(
            "box2d3r-ebisu",
            grid(
                """1  1  2  3  4  5  5
                    1  1  2  3  4  5  5
                    1  7  7  5  7  6  5
                    1  8 12 15 12 12  5
                    1  9  9  5  7 15  5
                    1  9  9  5  7 15  5
                    1 10 11 12 13 14  5""",
                2,
                Fraction(1, 118),
            ),
            f"{EBISU} 2dstencil/2d49pt/jacobi_gold.cpp",
            "2D 7x7 box, integer weights /118",
            ("2d49pt",),
        ),
        _entry(
            "star3d1r-ebisu",
            star("-1.67", ".166 .165", ".164 .163", ".162 .161"),
            f"{EBISU} 3dstencil/3d7pt/3d7pt_gold.cpp",
            "3D 7-point star, centre -1.67, arms 0.161..0.166",
            ("3d7pt",),
        ),
        _entry(
            "star3d2r-ebisu",
            by_class(3, 2, {(0, 0, 0): "-.996", (0, 0, 1): ".083", (0, 0, 2): ".083"}),
            f"{EBISU} 3dstencil/3d13pt/3d13pt_gold.cpp",
            "3D 13-point star of radius 2, centre -0.996, arms 0.083",
            ("3d13pt",),
        ),
        _entry(
            "box3d1r-ebisu",
            grid(
                """0.50 0.70 0.90   1.20 1.50 1.20   0.90 0.70 0.50
                    0.51 0.71 0.91   1.21 1.51 1.21   0.91 0.71 0.51
                    0.52 0.72 0.92   1.22 1.52 1.22   0.92 0.72 0.52""",
                3,
                Fraction(1, 159),
            ),
            f"{EBISU} 3dstencil/3d27pt/3d27pt_gold.cpp",
            "3D 3x3x3 box, weights /159",
            ("3d27pt",),
        ),
    ]


def _drstencil_entries() -> list[CatalogEntry]:
    """DRStencil's star and box benchmarks: centre .3, axis-1 .2, diagonal and axis-2 .1, ..."""
    stc = DRSTENCIL + " benchmarks/{0}/{0}.stc"
    return [
        _entry(
            "star2d1r-drstencil",
            by_class(2, 1, {(0, 0): ".3", (0, 1): ".2"}),
            stc.format("2d5pt_star"),
            "2D 5-point star, centre .3, neighbours .2",
            ("2d5pt_star",),
        ),
        _entry(
            "star2d2r-drstencil",
            by_class(2, 2, {(0, 0): ".3", (0, 1): ".2", (0, 2): ".1"}),
            stc.format("2d9pt_star"),
            "2D 9-point star of radius 2, .3/.2/.1",
            ("2d9pt_star",),
        ),
        _entry(
            "box2d1r-drstencil",
            by_class(2, 1, {(0, 0): ".3", (0, 1): ".2", (1, 1): ".1"}),
            stc.format("2d9pt_box"),
            "2D 3x3 box, centre .3, axis .2, diagonal .1",
            ("2d9pt_box",),
        ),
        _entry(
            "box2d2r-drstencil",
            by_class(
                2,
                2,
                {
                    (0, 0): ".3",
                    (0, 1): ".2",
                    (1, 1): ".1",
                    (0, 2): ".1",
                    (1, 2): ".05",
                    (2, 2): ".02",
                },
            ),
            stc.format("2d25pt_box"),
            "2D 5x5 box: .3 centre, .2 axis-1, .1 diagonal and axis-2, .05 knight, .02 corner",
            ("2d25pt_box",),
        ),
        _entry(
            "star3d1r-drstencil",
            by_class(3, 1, {(0, 0, 0): ".3", (0, 0, 1): ".2"}),
            stc.format("3d7pt_star"),
            "3D 7-point star, centre .3, neighbours .2",
            ("3d7pt_star",),
        ),
    ]
