"""Exact constructors for catalog stencils: point maps ``{offset: Fraction}``.

The catalog builds every stencil in rational arithmetic and converts to a float
:class:`~sparse_stencil.stencil.Stencil` only at the end, so derived kernels (an operator
composed with itself, a Jacobi sweep of an operator, an explicit update ``u + nu * L u``) carry
no rounding from the intermediate steps. Decimal coefficients quoted from other projects enter
as strings (``"0.1873"``), whose Fraction is the exact decimal.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from fractions import Fraction

from sparse_stencil.catalog.finite_differences import central_weights, fd_weights
from sparse_stencil.stencil import Offset, Stencil

Points = dict[Offset, Fraction]
"""An exact stencil under construction: offset -> coefficient."""

Number = Fraction | int | str


def exact(value: Number) -> Fraction:
    """`value` as an exact Fraction; strings are read as decimals (``"-.0833"``)."""
    return Fraction(value)


def points(mapping: Mapping[Offset, Number], scale: Number = 1) -> Points:
    """The point map of `mapping`, every coefficient multiplied by `scale`."""
    factor = exact(scale)
    return {tuple(offset): exact(value) * factor for offset, value in mapping.items()}


def identity(dims: int) -> Points:
    """The stencil that copies its input: coefficient 1 at the centre."""
    return {(0,) * dims: Fraction(1)}


def along(dims: int, axis: int, distance: int) -> Offset:
    """The offset `distance` steps along `axis` of a `dims`-D grid."""
    return tuple(distance if a == axis else 0 for a in range(dims))


def line(dims: int, axis: int, weights: Sequence[Number]) -> Points:
    """Centred weights (offsets -r..r, r = len // 2) laid along `axis` of a `dims`-D grid."""
    radius = len(weights) // 2
    return {along(dims, axis, i - radius): exact(w) for i, w in enumerate(weights)}


def fd_line(dims: int, axis: int, derivative: int, offsets: Sequence[int]) -> Points:
    """Exact weights of the `derivative`-th derivative on `offsets`, laid along `axis`."""
    weights = fd_weights(derivative, offsets)
    return {along(dims, axis, o): w for o, w in zip(offsets, weights, strict=True) if w}


def star(centre: Number, *arms: str, scale: Number = 1) -> Points:
    """A star of ``len(arms)`` axes, every weight multiplied by `scale`.

    `centre` weighs the origin; ``arms[i]`` lists the weights along axis i at offsets
    -r..-1, then 1..r: 2r decimals, the centre left out, as source files write them.
    """
    dims = len(arms)
    result = points({(0,) * dims: centre}, scale)
    for axis, text in enumerate(arms):
        weights = text.split()
        radius = len(weights) // 2
        if radius == 0 or len(weights) != 2 * radius:
            raise ValueError(f"arm {text!r} does not hold 2r weights")
        distances = [*range(-radius, 0), *range(1, radius + 1)]
        for distance, weight in zip(distances, weights, strict=True):
            result[along(dims, axis, distance)] = exact(weight) * exact(scale)
    return result


def on_every_axis(dims: int, weights: Sequence[Number]) -> Points:
    """The sum over all axes of `weights` laid along that axis (a star, e.g. a Laplacian)."""
    return combine(*((1, line(dims, axis, weights)) for axis in range(dims)))


def laplacian(dims: int, order: int) -> Points:
    """The central finite-difference Laplacian of accuracy `order` (unit grid spacing)."""
    return on_every_axis(dims, central_weights(2, order))


def grid(values: str, dims: int, scale: Number = 1) -> Points:
    """A dense centred (2r+1)^dims block, written as decimals in row-major order.

    Whitespace and line breaks only lay the numbers out like the source they are quoted
    from; zeros are dropped, since a zero weight is no point.
    """
    numbers = [exact(v) * exact(scale) for v in values.split()]
    side = round(len(numbers) ** (1 / dims))
    if side**dims != len(numbers) or side % 2 == 0:
        raise ValueError(f"{len(numbers)} values do not fill an odd {dims}-D cube")
    radius = side // 2
    offsets = itertools.product(range(-radius, radius + 1), repeat=dims)
    return {offset: value for offset, value in zip(offsets, numbers, strict=True) if value}


def by_class(dims: int, radius: int, classes: Mapping[Offset, Number], scale: Number = 1) -> Points:
    """A stencil symmetric under axis flips and permutations, given one weight per class.

    The class of an offset is its sorted tuple of absolute values, so in 3D ``(0, 0, 1)`` names
    the 6 faces, ``(0, 1, 1)`` the 12 edges and ``(1, 1, 1)`` the 8 corners. Offsets whose class
    is not listed are not points.
    """
    factor = exact(scale)
    table = {tuple(sorted(key)): exact(value) * factor for key, value in classes.items()}
    result: Points = {}
    for offset in itertools.product(range(-radius, radius + 1), repeat=dims):
        key = tuple(sorted(abs(o) for o in offset))
        if key in table:
            result[offset] = table[key]
    return result


def combine(*terms: tuple[Number, Points]) -> Points:
    """The linear combination ``sum_i a_i * P_i`` of point maps; cancelled points vanish."""
    result: Points = {}
    for factor, term in terms:
        scale = exact(factor)
        for offset, value in term.items():
            result[offset] = result.get(offset, Fraction(0)) + scale * value
    return {offset: value for offset, value in result.items() if value}


def compose(outer: Points, inner: Points) -> Points:
    """The stencil of applying `inner`, then `outer` (offsets add, weights multiply)."""
    return combine(
        *(
            (a * b, {tuple(p + q for p, q in zip(o1, o2, strict=True)): Fraction(1)})
            for (o1, a), (o2, b) in itertools.product(outer.items(), inner.items())
        )
    )


def tensor(factors: Sequence[Sequence[Number]]) -> Points:
    """The separable stencil whose weights along axis i are ``factors[i]`` (centred)."""
    result: Points = {(): Fraction(1)}
    for weights in factors:
        radius = len(weights) // 2
        result = {
            (*offset, index - radius): value * exact(weight)
            for offset, value in result.items()
            for index, weight in enumerate(weights)
            if exact(weight)
        }
    return result


def abs_sum(stencil: Points) -> Fraction:
    """``sum |c_o|``: a bound on the spectral radius of the stencil's symbol (Gershgorin)."""
    return sum((abs(v) for v in stencil.values()), Fraction(0))


def explicit_update(operator: Points, nu: Number, dims: int, base: Number = 1) -> Points:
    """The explicit time step ``base * u + nu * L u`` of the operator L."""
    return combine((base, identity(dims)), (nu, operator))


def heat_step(operator: Points, dims: int, base: Number = 1) -> Points:
    """The explicit step ``base * u + L u / sum|L|`` of the operator L: a step size that
    keeps a diffusion stable (see :mod:`.scientific`)."""
    return explicit_update(operator, 1 / abs_sum(operator), dims, base)


def jacobi(operator: Points) -> Points:
    """The Jacobi sweep for ``L u = 0``: ``u <- -sum_{o != 0} c_o u_o / c_0``."""
    centre = operator[(0,) * len(next(iter(operator)))]
    return {o: -c / centre for o, c in operator.items() if any(o)}


def ramp_box(dims: int, radius: int) -> Points:
    """A dense box whose n-th point (row-major, n = 0..N-1) weighs (N + n) / S, S = N(3N - 1)/2.

    All weights differ (so a transposed or mirrored offset changes the result), they are
    positive and sum to exactly 1, so repeated application stays bounded.
    """
    offsets = list(itertools.product(range(-radius, radius + 1), repeat=dims))
    count = len(offsets)
    total = Fraction(count * (3 * count - 1), 2)
    return {offset: (count + n) / total for n, offset in enumerate(offsets)}


def to_stencil(stencil: Points, name: str) -> Stencil:
    """The float Stencil of an exact point map, offsets in lexicographic order."""
    return Stencil(((o, float(stencil[o])) for o in sorted(stencil) if stencil[o]), name=name)
