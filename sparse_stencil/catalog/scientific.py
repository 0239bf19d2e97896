"""Stencils from scientific domains: finite-difference operators and the updates built on them.

Every weight here is either computed (finite-difference weights from
:mod:`~sparse_stencil.catalog.finite_differences`, compositions and Jacobi sweeps of
operators, binomial filters) or is a classical kernel whose defining property the tests check
(the Mehrstellen Poisson operators, the Sobel family). Grid spacing is 1 throughout. Explicit
updates take the step size from the operator's weights so that they are stable:

* heat and anisotropic diffusion: ``u + L u / sum|L|``; ``sum|L|`` bounds the spectral radius
  of L (Gershgorin) and equals it for the axis Laplacians, whose weights alternate in sign, so
  the amplification factor lies in [0, 1];
* wave (leapfrog, ``u' = 2u - u_prev + C^2 L u``): the entry is the part applied to u,
  ``2u + C^2 L u`` with ``C^2 = 1/sum|L|``, a quarter of the stability limit ``4/sum|L|``;
* hyperdiffusion: ``u - B u / sum|B|`` for the biharmonic B.

Velocities, Courant numbers and anisotropy ratios are "chosen here" and differ per axis, so
that a kernel that swaps two axes gives a different result.
"""

from __future__ import annotations

from fractions import Fraction
from math import comb

from sparse_stencil.catalog.builders import (
    Points,
    abs_sum,
    by_class,
    combine,
    compose,
    explicit_update,
    fd_line,
    grid,
    heat_step,
    identity,
    jacobi,
    laplacian,
    line,
    tensor,
)
from sparse_stencil.catalog.entry import (
    ADVECTION,
    ANISOTROPIC,
    CELLULAR,
    ELASTICITY,
    FINITE_DIFFERENCES,
    HEAT,
    IMAGE,
    POISSON,
    WAVE,
    CatalogEntry,
    make_entry,
)
from sparse_stencil.catalog.finite_differences import central_weights

COMPUTED_FD = "computed here: exact central finite-difference weights (finite_differences.py)"

LAPLACIAN_ORDERS = (2, 4, 6, 8, 10, 12, 14, 16)
"""Orders of accuracy of the catalog's Laplacians; 16 is the top (radius 8)."""


def scientific_entries() -> list[CatalogEntry]:
    """All non-benchmark entries, grouped by domain."""
    return [
        *_finite_difference_entries(),
        *_heat_entries(),
        *_wave_entries(),
        *_elasticity_entries(),
        *_advection_entries(),
        *_poisson_entries(),
        *_anisotropic_entries(),
        *_image_entries(),
        *_cellular_entries(),
    ]


def _finite_difference_entries() -> list[CatalogEntry]:
    laplacians = [
        make_entry(
            f"laplace{dims}d-o{order}",
            laplacian(dims, order),
            FINITE_DIFFERENCES,
            f"{COMPUTED_FD}, order {order} on every axis",
            f"{dims}D Laplacian, central differences of order {order}",
            _laplacian_aliases(dims, order),
        )
        for dims in (1, 2, 3)
        for order in LAPLACIAN_ORDERS
    ]
    derivatives = [
        make_entry(
            f"deriv1d-o{order}",
            line(1, 0, central_weights(1, order)),
            FINITE_DIFFERENCES,
            f"{COMPUTED_FD}, first derivative of order {order}",
            f"1D central first derivative of order {order} (no centre point)",
        )
        for order in (2, 4, 8)
    ]
    hexagonal = make_entry(
        "laplace2d-hex",
        _hex_neighbours(Fraction(2, 3)) | {(0, 0): Fraction(-4)},
        FINITE_DIFFERENCES,
        "computed here: (2/3)(sum of the 6 neighbours - 6u), the second-order Laplacian of a "
        "unit hexagonal lattice in axial coordinates",
        "2D Laplacian on a hexagonal lattice stored in axial coordinates (7 points)",
    )
    return [*laplacians, *derivatives, hexagonal]


def _laplacian_aliases(dims: int, order: int) -> tuple[str, ...]:
    if order == 2:
        return (f"laplacian-{dims}d",)
    return ()


def _hex_neighbours(weight: Fraction) -> Points:
    """The 6 neighbours of a hexagonal lattice in axial coordinates (q, r)."""
    return {o: weight for o in ((-1, 0), (1, 0), (0, -1), (0, 1), (1, -1), (-1, 1))}


def _laplacian_steps(
    name: str,
    base: int,
    domain: str,
    source: str,
    description: str,
    cases: dict[tuple[int, int], tuple[str, ...]],
) -> list[CatalogEntry]:
    """One :func:`~.builders.heat_step` of the Laplacian per (dims, order) of `cases`, which
    maps it to the entry's aliases; `name` and `description` are formatted with ``dims`` and
    ``order``."""
    return [
        make_entry(
            name.format(dims=dims, order=order),
            heat_step(laplacian(dims, order), dims, base),
            domain,
            source,
            description.format(dims=dims, order=order),
            aliases,
        )
        for (dims, order), aliases in cases.items()
    ]


def _heat_entries() -> list[CatalogEntry]:
    steps = _laplacian_steps(
        "heat{dims}d-o{order}",
        1,
        HEAT,
        f"{COMPUTED_FD}; chosen here: nu = 1/sum|L|, so every mode decays by a factor in [0, 1]",
        "{dims}D explicit heat step u + nu*L u, Laplacian of order {order}",
        dict.fromkeys(((2, 2), (2, 4), (2, 8), (3, 2), (3, 4), (3, 8)), ()),
    )
    isotropic = make_entry(
        "heat2d-iso9",
        heat_step(_mehrstellen_2d(), 2),
        HEAT,
        "computed here from the 9-point Mehrstellen Laplacian (1/6)[1 4 1; 4 -20 4; 1 4 1]; "
        "chosen here: nu = 1/sum|L|",
        "2D explicit heat step with the isotropic 9-point Laplacian",
    )
    return [*steps, isotropic]


def _wave_entries() -> list[CatalogEntry]:
    steps = _laplacian_steps(
        "wave{dims}d-o{order}",
        2,
        WAVE,
        f"{COMPUTED_FD}; chosen here: squared Courant number C^2 = 1/sum|L|, a quarter of the "
        "leapfrog limit",
        "{dims}D acoustic leapfrog, the u^n part 2u + C^2 L u (order {order} in space)",
        {
            (2, 2): (),
            (2, 4): (),
            (2, 8): (),
            (3, 2): (),
            (3, 4): ("acoustic-so4",),
            (3, 8): ("rtm", "acoustic-so8"),
            (3, 12): (),
            (3, 16): ("acoustic-so16",),
        },
    )
    helmholtz = make_entry(
        "helmholtz2d-o4",
        combine((1, laplacian(2, 4)), (Fraction(1, 4), identity(2))),
        WAVE,
        f"{COMPUTED_FD}; chosen here: wavenumber (k h)^2 = 1/4",
        "2D Helmholtz operator (Laplacian + k^2), order 4",
    )
    return [*steps, helmholtz]


def _elasticity_entries() -> list[CatalogEntry]:
    biharmonic_2d = compose(laplacian(2, 2), laplacian(2, 2))
    mixed = [
        make_entry(
            f"dxy2d-o{order}",
            tensor([central_weights(1, order)] * 2),
            ELASTICITY,
            f"{COMPUTED_FD}: the product of two central first derivatives of order {order}",
            f"2D mixed derivative d2/dxdy of order {order}, the Navier-Cauchy coupling term",
        )
        for order in (2, 4)
    ]
    return [
        *(
            make_entry(
                f"biharmonic1d-o{order}",
                line(1, 0, central_weights(4, order)),
                ELASTICITY,
                f"{COMPUTED_FD}, fourth derivative of order {order}",
                f"1D fourth derivative (beam bending), order {order}",
            )
            for order in (2, 4)
        ),
        make_entry(
            "biharmonic2d-o2",
            biharmonic_2d,
            ELASTICITY,
            "computed here: the 5-point Laplacian composed with itself",
            "2D biharmonic, the 13-point stencil (plate bending)",
        ),
        make_entry(
            "biharmonic2d-o4",
            compose(laplacian(2, 4), laplacian(2, 4)),
            ELASTICITY,
            "computed here: the order-4 9-point Laplacian composed with itself",
            "2D biharmonic of order 4, radius 4",
        ),
        make_entry(
            "biharmonic3d-o2",
            compose(laplacian(3, 2), laplacian(3, 2)),
            ELASTICITY,
            "computed here: the 7-point Laplacian composed with itself",
            "3D biharmonic, 25 points",
        ),
        make_entry(
            "hyperdiffusion2d",
            explicit_update(biharmonic_2d, -1 / abs_sum(biharmonic_2d), 2),
            ELASTICITY,
            "computed here from the 13-point biharmonic B; chosen here: step 1/sum|B|",
            "2D explicit hyperdiffusion step u - nu*B u (Cahn-Hilliard, hyperviscosity)",
        ),
        *mixed,
    ]


def _advection_entries() -> list[CatalogEntry]:
    courant = Fraction(1, 2)
    upwind = fd_line(1, 0, 1, (-1, 0))
    central_d1 = fd_line(1, 0, 1, (-1, 0, 1))
    central_d2 = fd_line(1, 0, 2, (-1, 0, 1))
    backward_d1 = fd_line(1, 0, 1, (-2, -1, 0))
    backward_d2 = fd_line(1, 0, 2, (-2, -1, 0))
    lax_wendroff = combine((1, identity(1)), (-courant, central_d1), (courant**2 / 2, central_d2))
    beam_warming = combine((1, identity(1)), (-courant, backward_d1), (courant**2 / 2, backward_d2))
    velocity_note = "chosen here: velocity > 0, Courant number"
    return [
        make_entry(
            "advect1d-upwind",
            combine((1, identity(1)), (-courant, upwind)),
            ADVECTION,
            f"computed here: u - c*D u, D the one-sided first difference; {velocity_note} 1/2",
            "1D first-order upwind advection step (2 points, one-sided)",
        ),
        make_entry(
            "advect1d-lax-wendroff",
            lax_wendroff,
            ADVECTION,
            f"computed here: Lax-Wendroff u - c D1 u + c^2/2 D2 u, central D1, D2; "
            f"{velocity_note} 1/2",
            "1D Lax-Wendroff advection step",
        ),
        make_entry(
            "advect1d-beam-warming",
            beam_warming,
            ADVECTION,
            "computed here: Beam-Warming u - c D1 u + c^2/2 D2 u, D1, D2 on offsets -2..0; "
            f"{velocity_note} 1/2",
            "1D Beam-Warming advection step (upwind-biased, offsets -2..0)",
        ),
        make_entry(
            "advect1d-fromm",
            combine((Fraction(1, 2), lax_wendroff), (Fraction(1, 2), beam_warming)),
            ADVECTION,
            f"computed here: Fromm's scheme, the mean of Lax-Wendroff and Beam-Warming; "
            f"{velocity_note} 1/2",
            "1D Fromm advection step (offsets -2..1)",
        ),
        make_entry(
            "advect2d-upwind",
            _upwind_nd((Fraction(1, 4), Fraction(1, 2))),
            ADVECTION,
            f"computed here: u - sum_i c_i D_i u, one-sided differences; {velocity_note}s "
            "(1/4, 1/2) per axis (stable: sum <= 1)",
            "2D first-order upwind advection step (3 points, L-shaped)",
        ),
        make_entry(
            "advect2d-ctu",
            tensor([_ctu_factor(Fraction(1, 4)), _ctu_factor(Fraction(1, 2))]),
            ADVECTION,
            "computed here: corner transport upwind (Colella), the product of 1D upwind steps; "
            f"{velocity_note}s (1/4, 1/2) per axis",
            "2D corner transport upwind step (4 points with the upwind corner)",
        ),
        make_entry(
            "advect3d-upwind",
            _upwind_nd((Fraction(1, 8), Fraction(1, 4), Fraction(1, 2))),
            ADVECTION,
            f"computed here: u - sum_i c_i D_i u; {velocity_note}s (1/8, 1/4, 1/2) per axis",
            "3D first-order upwind advection step (4 points)",
        ),
        make_entry(
            "deriv1d-upwind2",
            backward_d1,
            ADVECTION,
            "computed here: exact first-derivative weights on offsets -2..0",
            "1D second-order one-sided (upwind) first derivative",
        ),
        make_entry(
            "deriv1d-upwind3",
            fd_line(1, 0, 1, (-2, -1, 0, 1)),
            ADVECTION,
            "computed here: exact first-derivative weights on offsets -2..1",
            "1D third-order upwind-biased first derivative",
        ),
    ]


def _upwind_nd(courant: tuple[Fraction, ...]) -> Points:
    """``u - sum_i c_i D_i u``, D_i the one-sided first difference along axis i."""
    dims = len(courant)
    return combine(
        (1, identity(dims)),
        *((-c, fd_line(dims, axis, 1, (-1, 0))) for axis, c in enumerate(courant)),
    )


def _ctu_factor(courant: Fraction) -> tuple[Fraction, Fraction, Fraction]:
    """The 1D upwind step c*u_{-1} + (1 - c)*u as centred weights on offsets -1..1."""
    return (courant, 1 - courant, Fraction(0))


def _mehrstellen_2d() -> Points:
    return by_class(2, 1, {(0, 0): -20, (0, 1): 4, (1, 1): 1}, Fraction(1, 6))


def _mehrstellen_19() -> Points:
    return by_class(3, 1, {(0, 0, 0): -24, (0, 0, 1): 2, (0, 1, 1): 1}, Fraction(1, 6))


def _mehrstellen_27() -> Points:
    return by_class(
        3, 1, {(0, 0, 0): -128, (0, 0, 1): 14, (0, 1, 1): 3, (1, 1, 1): 1}, Fraction(1, 30)
    )


def _poisson_entries() -> list[CatalogEntry]:
    mehrstellen = "the Mehrstellen (compact fourth-order) Laplacian of Collatz"
    return [
        make_entry(
            "poisson2d-jacobi",
            jacobi(laplacian(2, 2)),
            POISSON,
            "computed here: Jacobi sweep of the 5-point Laplacian",
            "2D Jacobi sweep for Laplace's equation: mean of the 4 neighbours (no centre)",
        ),
        make_entry(
            "poisson2d-9pt",
            _mehrstellen_2d(),
            POISSON,
            f"{mehrstellen}: (1/6)[1 4 1; 4 -20 4; 1 4 1]",
            "2D 9-point Mehrstellen Laplacian",
        ),
        make_entry(
            "poisson2d-9pt-jacobi",
            jacobi(_mehrstellen_2d()),
            POISSON,
            "computed here: Jacobi sweep of the 9-point Mehrstellen Laplacian",
            "2D Jacobi sweep with the 9-point Mehrstellen Laplacian (no centre)",
        ),
        make_entry(
            "poisson3d-jacobi",
            jacobi(laplacian(3, 2)),
            POISSON,
            "computed here: Jacobi sweep of the 7-point Laplacian",
            "3D Jacobi sweep for Laplace's equation: mean of the 6 neighbours (no centre)",
        ),
        make_entry(
            "poisson3d-19pt",
            _mehrstellen_19(),
            POISSON,
            f"{mehrstellen}: (1/6)(-24 centre + 2 faces + 1 edges)",
            "3D 19-point Mehrstellen Laplacian",
            ("poisson-19pt",),
        ),
        make_entry(
            "poisson3d-19pt-jacobi",
            jacobi(_mehrstellen_19()),
            POISSON,
            "computed here: Jacobi sweep of the 19-point Mehrstellen Laplacian",
            "3D Jacobi sweep with the 19-point Laplacian (no centre)",
        ),
        make_entry(
            "poisson3d-27pt",
            _mehrstellen_27(),
            POISSON,
            "the compact fourth-order 27-point Laplacian "
            "(1/30)(-128 centre + 14 faces + 3 edges + 1 corners)",
            "3D 27-point compact Laplacian",
            ("poisson-27pt",),
        ),
        make_entry(
            "poisson3d-27pt-jacobi",
            jacobi(_mehrstellen_27()),
            POISSON,
            "computed here: Jacobi sweep of the 27-point compact Laplacian",
            "3D Jacobi sweep with the 27-point Laplacian (no centre)",
        ),
        make_entry(
            "debye3d-o2",
            combine((1, laplacian(3, 2)), (Fraction(-1, 4), identity(3))),
            POISSON,
            f"{COMPUTED_FD}; chosen here: screening (kappa h)^2 = 1/4",
            "3D screened Poisson (Debye-Hueckel) operator Laplacian - kappa^2",
        ),
    ]


def _anisotropic_entries() -> list[CatalogEntry]:
    axis_2d = _diffusion_operator(((1, 0), (0, Fraction(1, 4))))
    axis_3d = _diffusion_operator(((1, 0, 0), (0, Fraction(1, 2), 0), (0, 0, Fraction(1, 4))))
    tensor_note = "chosen here: conductivity tensor"
    return [
        make_entry(
            "aniso2d-axis",
            heat_step(axis_2d, 2),
            ANISOTROPIC,
            f"computed here: u + nu*(k0 d00 + k1 d11) u; {tensor_note} diag(1, 1/4), nu = 1/sum|L|",
            "2D axis-aligned anisotropic diffusion step (5 points, unequal arms)",
        ),
        make_entry(
            "aniso2d-mixed",
            heat_step(
                _diffusion_operator(((1, Fraction(1, 4)), (Fraction(1, 4), Fraction(1, 2)))), 2
            ),
            ANISOTROPIC,
            f"computed here: div(K grad u) with a central mixed derivative; {tensor_note} "
            "[[1, 1/4], [1/4, 1/2]] (positive definite), nu = 1/sum|L|",
            "2D anisotropic diffusion step with a full tensor (9 points)",
        ),
        make_entry(
            "aniso3d-axis",
            heat_step(axis_3d, 3),
            ANISOTROPIC,
            f"computed here: u + nu*sum_i k_i d_ii u; {tensor_note} diag(1, 1/2, 1/4), "
            "nu = 1/sum|L|",
            "3D axis-aligned anisotropic diffusion step (7 points, unequal arms)",
        ),
        make_entry(
            "aniso3d-mixed",
            heat_step(
                _diffusion_operator(
                    (
                        (1, Fraction(1, 4), Fraction(1, 8)),
                        (Fraction(1, 4), Fraction(1, 2), Fraction(-1, 8)),
                        (Fraction(1, 8), Fraction(-1, 8), Fraction(1, 4)),
                    )
                ),
                3,
            ),
            ANISOTROPIC,
            f"computed here: div(K grad u) with central mixed derivatives; {tensor_note} "
            "[[1, 1/4, 1/8], [1/4, 1/2, -1/8], [1/8, -1/8, 1/4]] (positive definite), "
            "nu = 1/sum|L|",
            "3D anisotropic diffusion step with a full tensor (19 points: faces and edges)",
        ),
    ]


def _diffusion_operator(conductivity: tuple[tuple[Fraction | int, ...], ...]) -> Points:
    """``sum_ij K_ij d_i d_j u`` with second differences on the diagonal, d_i d_j central."""
    dims = len(conductivity)
    first, second = central_weights(1, 2), central_weights(2, 2)
    terms: list[tuple[Fraction | int, Points]] = []
    for i in range(dims):
        terms.append((conductivity[i][i], line(dims, i, second)))
        for j in range(i + 1, dims):
            factors: list[tuple[Fraction | int, ...]] = [(0, 1, 0)] * dims
            factors[i] = factors[j] = first
            terms.append((2 * Fraction(conductivity[i][j]), tensor(factors)))
    return combine(*terms)


def _binomial(size: int) -> tuple[Fraction, ...]:
    """Normalized binomial weights: the discrete Gaussian of `size` taps."""
    row = [comb(size - 1, k) for k in range(size)]
    return tuple(Fraction(c, sum(row)) for c in row)


def _image_entries() -> list[CatalogEntry]:
    derivative = (-1, 0, 1)
    smoothing = (1, 2, 1)
    binomial = "computed here: normalized binomial weights (discrete Gaussian)"
    correlation = "correlation form: positive where intensity grows along the axis"
    gauss3, gauss5 = tensor([_binomial(3)] * 2), tensor([_binomial(5)] * 2)
    return [
        *(
            make_entry(
                f"gaussian{n}x{n}",
                tensor([_binomial(n)] * 2),
                IMAGE,
                f"{binomial}, C({n - 1}, k)/2^{n - 1} per axis",
                f"{n}x{n} Gaussian blur",
            )
            for n in (3, 5, 7)
        ),
        make_entry(
            "gaussian3x3x3",
            tensor([_binomial(3)] * 3),
            IMAGE,
            f"{binomial}, (1, 2, 1)/4 per axis",
            "3x3x3 Gaussian blur for volumes",
        ),
        *(
            make_entry(
                f"box-blur{n}x{n}",
                tensor([(Fraction(1, n),) * n] * 2),
                IMAGE,
                f"computed here: the mean of the {n}x{n} window",
                f"{n}x{n} box (mean) filter",
            )
            for n in (3, 5)
        ),
        make_entry(
            "sobel-x",
            tensor([smoothing, derivative]),
            IMAGE,
            f"the Sobel operator (1, 2, 1) x (-1, 0, 1); {correlation}",
            "Sobel gradient along the innermost axis x (6 points)",
        ),
        make_entry(
            "sobel-y",
            tensor([derivative, smoothing]),
            IMAGE,
            f"the Sobel operator (-1, 0, 1) x (1, 2, 1); {correlation}",
            "Sobel gradient along the outer axis y (6 points)",
        ),
        make_entry(
            "scharr-x",
            tensor([(3, 10, 3), derivative]),
            IMAGE,
            f"the Scharr operator (3, 10, 3) x (-1, 0, 1); {correlation}",
            "Scharr gradient along x (rotation-invariant Sobel variant)",
        ),
        make_entry(
            "prewitt-y",
            tensor([derivative, (1, 1, 1)]),
            IMAGE,
            f"the Prewitt operator (-1, 0, 1) x (1, 1, 1); {correlation}",
            "Prewitt gradient along y",
        ),
        make_entry(
            "sobel3x3x3-x",
            tensor([smoothing, smoothing, derivative]),
            IMAGE,
            f"the 3D Sobel operator (1, 2, 1) x (1, 2, 1) x (-1, 0, 1); {correlation}",
            "3D Sobel gradient along x (18 points)",
        ),
        make_entry(
            "log5x5",
            compose(laplacian(2, 2), gauss3),
            IMAGE,
            "computed here: the 5-point Laplacian composed with the 3x3 Gaussian",
            "5x5 Laplacian of Gaussian (edge and blob detection)",
        ),
        make_entry(
            "log7x7",
            compose(laplacian(2, 2), gauss5),
            IMAGE,
            "computed here: the 5-point Laplacian composed with the 5x5 Gaussian",
            "7x7 Laplacian of Gaussian",
        ),
        make_entry(
            "sharpen3x3",
            combine((1, identity(2)), (-1, laplacian(2, 2))),
            IMAGE,
            "computed here: u - L u with the 5-point Laplacian, [0 -1 0; -1 5 -1; 0 -1 0]",
            "3x3 sharpening filter",
        ),
        make_entry(
            "unsharp5x5",
            combine((2, identity(2)), (-1, gauss5)),
            IMAGE,
            "computed here: unsharp mask u + (u - G u) with the 5x5 Gaussian G, amount 1",
            "5x5 unsharp-mask sharpening",
        ),
        make_entry(
            "emboss3x3",
            grid(
                """-2 -1 0
                    -1  1 1
                     0  1 2""",
                2,
            ),
            IMAGE,
            "chosen here: the common 3x3 emboss kernel [-2 -1 0; -1 1 1; 0 1 2]",
            "3x3 emboss filter (diagonal relief)",
        ),
        make_entry(
            "motion-blur5",
            {(k, k): Fraction(1, 5) for k in range(-2, 3)},
            IMAGE,
            "chosen here: the mean of 5 points on the main diagonal",
            "diagonal motion blur of length 5 (a diagonal line of points)",
        ),
    ]


def _cellular_entries() -> list[CatalogEntry]:
    moore = by_class(2, 1, {(0, 1): 1, (1, 1): 1})
    return [
        make_entry(
            "life2d-count",
            moore,
            CELLULAR,
            "Conway's Game of Life: the linear part of the rule is the count of live Moore "
            "neighbours",
            "2D Moore neighbour count (8 points, no centre)",
        ),
        make_entry(
            "life2d-encode",
            combine((1, identity(2)), (2, moore)),
            CELLULAR,
            "chosen here: u + 2*(neighbour count), which encodes state and count in one number "
            "(Life's next state is 1 exactly when it is 5, 6 or 7)",
            "2D Game of Life state-and-count encoding (9 points)",
        ),
        make_entry(
            "life3d-count",
            by_class(3, 1, {(0, 0, 1): 1, (0, 1, 1): 1, (1, 1, 1): 1}),
            CELLULAR,
            "3D Life rules (C. Bays): the count of the 26 Moore neighbours",
            "3D Moore neighbour count (26 points, no centre)",
        ),
        make_entry(
            "knight2d-count",
            by_class(2, 2, {(1, 2): 1}),
            CELLULAR,
            "chosen here: the 8 knight-move neighbours, weight 1",
            "2D knight-move neighbour count (8 points, no centre)",
        ),
        make_entry(
            "hex2d-count",
            _hex_neighbours(Fraction(1)),
            CELLULAR,
            "hexagonal cellular automata: the 6 neighbours in axial coordinates, weight 1",
            "2D hexagonal-lattice neighbour count (6 points)",
        ),
        make_entry(
            "ltl2d-r5",
            tensor([(1,) * 11] * 2),
            CELLULAR,
            "Larger than Life (K. M. Evans): range-5 Moore count including the cell, as in "
            "Bosco's rule",
            "2D Larger-than-Life neighbourhood count, 11x11 (121 points)",
        ),
    ]
