"""Exact finite-difference weights, computed from the Taylor system in rational arithmetic.

For offsets o_0..o_{n-1} (in grid steps) the weights w of the m-th derivative satisfy

    sum_k w_k * o_k**j / j!  =  1 if j == m else 0,      j = 0 .. n-1,

so that ``sum_k w_k f(x + o_k h) = h**m f^(m)(x) + O(h**n)``: the stencil is exact on every
polynomial of degree below n. The system is a transposed Vandermonde matrix, solved here by
Gauss-Jordan elimination over :class:`fractions.Fraction`, so the weights are exact.

>>> central_weights(2, 2)
(Fraction(1, 1), Fraction(-2, 1), Fraction(1, 1))
>>> fd_weights(1, (-1, 0))
(Fraction(-1, 1), Fraction(1, 1))
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from math import factorial

from sparse_stencil.errors import StencilError


def fd_weights(derivative: int, offsets: Sequence[int]) -> tuple[Fraction, ...]:
    """Weights of the `derivative`-th derivative on `offsets`, exact for degree < len(offsets)."""
    points = [Fraction(o) for o in offsets]
    if len(set(points)) != len(points):
        raise StencilError(f"finite-difference offsets {list(offsets)} repeat a point")
    if not 0 <= derivative < len(points):
        raise StencilError(
            f"a derivative of order {derivative} needs more than {len(points)} points"
        )
    rows = [
        [o**j / factorial(j) for o in points] + [Fraction(int(j == derivative))]
        for j in range(len(points))
    ]
    return tuple(_solve(rows))


def central_weights(derivative: int, order: int) -> tuple[Fraction, ...]:
    """Central weights of the `derivative`-th derivative with accuracy O(h**order).

    `order` must be even; the stencil spans offsets -r..r with the fewest points that reach
    that order (symmetry gains one order over the point count for even derivatives, and
    antisymmetry for odd ones). Weights are listed from offset -r to r.
    """
    if derivative < 1 or order < 2 or order % 2:
        raise StencilError(
            f"central differences need a derivative >= 1 and an even order >= 2, "
            f"got derivative {derivative} and order {order}"
        )
    radius = central_radius(derivative, order)
    return fd_weights(derivative, range(-radius, radius + 1))


def central_radius(derivative: int, order: int) -> int:
    """Radius of the central stencil of `derivative` with accuracy `order`."""
    return (derivative + 1) // 2 + order // 2 - 1


def _solve(rows: list[list[Fraction]]) -> list[Fraction]:
    """Solution of the square system given as augmented rows, by Gauss-Jordan elimination."""
    size = len(rows)
    for column in range(size):
        pivot = next((r for r in range(column, size) if rows[r][column] != 0), None)
        if pivot is None:
            raise StencilError("finite-difference system is singular")
        rows[column], rows[pivot] = rows[pivot], rows[column]
        lead = rows[column][column]
        rows[column] = [value / lead for value in rows[column]]
        for r in range(size):
            factor = rows[r][column]
            if r != column and factor != 0:
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[column], strict=True)]
    return [row[-1] for row in rows]
