"""`Stencil`: a constant-coefficient linear stencil, the user's view of the L0 level.

A stencil maps every interior grid point p to ``sum_o c_o * x[p + o]`` over its offsets o
(a correlation: offsets are not flipped). Points closer than the stencil's radius on some
axis to that axis's edge keep their value (the fixed boundary rule of docs/design.md §3).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeGuard, cast

import numpy as np
import numpy.typing as npt

from sparse_stencil.errors import StencilError

if TYPE_CHECKING:
    from xdsl.dialects.builtin import ModuleOp

MAX_DIMS = 3
MAX_RADIUS = 8
"""Largest supported |offset| on any axis: 8 covers 16th-order finite differences."""

Offset = tuple[int, ...]
_PointPairs = Iterable[tuple[Sequence[int] | int, float]]
StencilPoints = Mapping[Offset, float] | Mapping[int, float] | _PointPairs
"""What a stencil is built from: {offset: coefficient}, or (offset, coefficient) pairs."""


class Stencil:
    """A linear stencil with constant coefficients in 1 to 3 dimensions.

    Build one from a mapping ``{offset: coefficient}``, from a sequence of
    ``(offset, coefficient)`` pairs, or with :meth:`from_weights` from a centred dense array.
    Offsets are kept in the order given; an explicit zero coefficient is kept as a point
    (it widens the boundary band), but at least one coefficient must be non-zero.

    >>> heat = Stencil({(0,): -2.0, (-1,): 1.0, (1,): 1.0})
    >>> heat.dims, heat.radius, heat.num_points
    (1, 1, 3)
    """

    def __init__(self, points: StencilPoints, name: str | None = None) -> None:
        if isinstance(points, Mapping):
            mapping = cast(Mapping[Offset | int, float], points)
            pairs = [(_as_offset(o), float(c)) for o, c in mapping.items()]
        else:
            pairs = [(_as_offset(o), float(c)) for o, c in points]
        offsets = [offset for offset, _ in pairs]
        coefficients = [coefficient for _, coefficient in pairs]
        _check_points(offsets, coefficients)
        self._offsets: tuple[Offset, ...] = tuple(offsets)
        self._coefficients: tuple[float, ...] = tuple(coefficients)
        self.name = name

    @classmethod
    def from_weights(cls, weights: npt.ArrayLike, name: str | None = None) -> Stencil:
        """The stencil whose centred dense weight array is `weights`, of shape (2r+1,)*d.

        Zero entries mean "no point" (NaN is a point, and is refused); the centre is offset 0.
        """
        array = np.asarray(weights, dtype=np.float64)
        if array.ndim < 1 or array.ndim > MAX_DIMS:
            raise StencilError(f"weights must have 1 to {MAX_DIMS} dimensions, got {array.ndim}")
        if any(n % 2 == 0 for n in array.shape) or len(set(array.shape)) != 1:
            raise StencilError(
                f"weights must have shape (2r+1,)*d with odd, equal sides, got {array.shape}"
            )
        radius = array.shape[0] // 2
        points = {
            tuple(int(i) - radius for i in index): float(array[index])
            for index in zip(*np.nonzero(array), strict=True)
        }
        if not points:
            raise StencilError("the stencil has no non-zero coefficient: every weight is zero")
        return cls(points, name=name)

    @classmethod
    def from_mlir(cls, text: str) -> Stencil:
        """The stencil of the single stencil application in `text`.

        `text` is MLIR in our ``lstencil`` dialect or in xDSL's upstream ``stencil`` dialect;
        anything else raises :class:`StencilError`.
        """
        from sparse_stencil.frontend import stencil_from_mlir

        return stencil_from_mlir(text)

    @property
    def dims(self) -> int:
        """Number of grid dimensions."""
        return len(self._offsets[0])

    @property
    def offsets(self) -> tuple[Offset, ...]:
        """The offsets, one tuple per point, outermost axis first."""
        return self._offsets

    @property
    def coefficients(self) -> tuple[float, ...]:
        """The coefficients, in the order of :attr:`offsets`."""
        return self._coefficients

    @property
    def num_points(self) -> int:
        """Number of points (offsets)."""
        return len(self._offsets)

    @property
    def radii(self) -> tuple[int, ...]:
        """Largest |offset| on each axis: the width of the fixed boundary band there."""
        return tuple(max(abs(o[axis]) for o in self._offsets) for axis in range(self.dims))

    @property
    def radius(self) -> int:
        """Largest |offset| on any axis."""
        return max(self.radii)

    def weights(self) -> npt.NDArray[np.float64]:
        """The centred dense weight array, of shape (2r+1,)*d."""
        radius = self.radius
        array = np.zeros((2 * radius + 1,) * self.dims)
        for offset, coefficient in zip(self._offsets, self._coefficients, strict=True):
            array[tuple(o + radius for o in offset)] = coefficient
        return array

    def magnitudes(self) -> Stencil:
        """The stencil with each coefficient's magnitude: applied to ``|x|`` it bounds
        ``|S x|`` point by point."""
        return Stencil(
            [(o, abs(c)) for o, c in zip(self._offsets, self._coefficients, strict=True)]
        )

    def check_grid(self, shape: Sequence[int]) -> tuple[int, ...]:
        """`shape` as a tuple, if a grid of that shape has at least one interior point."""
        return check_grid(self.radii, shape)

    def to_module(
        self, shape: Sequence[int] | None = None, dtype: str = "float16", steps: int = 1
    ) -> ModuleOp:
        """This stencil as an L0 module (see :mod:`sparse_stencil.dialects.lstencil`)."""
        from sparse_stencil.dialects.lstencil import build_module

        return build_module(self, shape, dtype, steps)

    def to_mlir(
        self, shape: Sequence[int] | None = None, dtype: str = "float16", steps: int = 1
    ) -> str:
        """This stencil as L0 MLIR text.

        Without `shape` the module holds just the ``lstencil.stencil`` op; with it, a
        function ``@apply`` that applies the stencil `steps` times to a grid of that shape.
        """
        return str(self.to_module(shape, dtype, steps)) + "\n"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Stencil):
            return NotImplemented
        return dict(zip(self._offsets, self._coefficients, strict=True)) == dict(
            zip(other._offsets, other._coefficients, strict=True)
        )

    def __hash__(self) -> int:
        return hash(frozenset(zip(self._offsets, self._coefficients, strict=True)))

    def __repr__(self) -> str:
        label = f"{self.name!r}, " if self.name else ""
        return f"Stencil({label}dims={self.dims}, radius={self.radius}, points={self.num_points})"


def check_grid(radii: Sequence[int], shape: Sequence[int]) -> tuple[int, ...]:
    """`shape` as a tuple, if a grid of that shape has at least one interior point when the
    boundary band on each axis is `radii` wide (the radii of a stencil, or a layout's halo)."""
    grid = tuple(int(n) for n in shape)
    if len(grid) != len(radii):
        raise StencilError(
            f"grid of rank {len(grid)} {grid} does not match a {len(radii)}-D stencil"
        )
    for axis, (n, r) in enumerate(zip(grid, radii, strict=True)):
        if n < 2 * r + 1:
            raise StencilError(
                f"grid {grid} is smaller than the stencil: axis {axis} has {n} points, "
                f"the stencil needs at least {2 * r + 1}"
            )
    return grid


def _as_offset(offset: Sequence[object] | int) -> Offset:
    """`offset` as a tuple; its items are checked here, as callers may pass floats."""
    values = (offset,) if isinstance(offset, int) else tuple(offset)
    integers = tuple(int(v) for v in values if _is_integer(v))
    if len(integers) != len(values):
        raise StencilError(f"offset {values} must hold integers")
    return integers


def _is_integer(value: object) -> TypeGuard[int | np.integer[Any]]:
    # A guard, as isinstance leaves np.integer's type argument unknown to the checker.
    return isinstance(value, int | np.integer)


def _check_points(offsets: list[Offset], coefficients: list[float]) -> None:
    if not offsets:
        raise StencilError("stencil has no points")
    ranks = {len(o) for o in offsets}
    if len(ranks) != 1:
        raise StencilError(f"offsets have mixed ranks {sorted(ranks)}")
    rank = ranks.pop()
    if not 1 <= rank <= MAX_DIMS:
        raise StencilError(f"stencil rank must be 1 to {MAX_DIMS}, got {rank}")
    seen: set[Offset] = set()
    for offset, coefficient in zip(offsets, coefficients, strict=True):
        if offset in seen:
            raise StencilError(f"duplicate offset {list(offset)}")
        seen.add(offset)
        if not math.isfinite(coefficient):
            raise StencilError(f"coefficient of offset {list(offset)} is {coefficient}, not finite")
        if max(abs(o) for o in offset) > MAX_RADIUS:
            raise StencilError(f"offset {list(offset)} exceeds the supported radius {MAX_RADIUS}")
    if not any(coefficients):
        # It would compute zero everywhere: no GEMM, a redundancy of 0/0.
        raise StencilError("the stencil has no non-zero coefficient")
