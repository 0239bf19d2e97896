"""The `Stencil` model: construction, validation and its dense-weight view."""

from __future__ import annotations

import numpy as np
import pytest

from sparse_stencil import MAX_RADIUS, Stencil, StencilError
from sparse_stencil.stencil import check_grid


def test_from_weights_reads_a_centred_array() -> None:
    weights = np.array([[0, 1, 0], [2, -4, 3], [0, 5, 0]], dtype=float)
    stencil = Stencil.from_weights(weights, name="star")
    assert stencil.dims == 2
    assert stencil.radius == 1
    assert stencil.num_points == 5
    points = dict(zip(stencil.offsets, stencil.coefficients, strict=True))
    assert points == {(-1, 0): 1.0, (0, -1): 2.0, (0, 0): -4.0, (0, 1): 3.0, (1, 0): 5.0}
    np.testing.assert_array_equal(stencil.weights(), weights)
    assert "star" in repr(stencil)


def test_mapping_and_pairs_build_the_same_stencil() -> None:
    pairs = [((0,), -2.0), ((-1,), 1.0), ((1,), 1.0)]
    assert Stencil(pairs) == Stencil(dict(pairs))
    assert hash(Stencil(pairs)) == hash(Stencil(dict(pairs)))


def test_radii_are_per_axis() -> None:
    stencil = Stencil({(0, -3, 0): 1.0, (1, 0, 0): 1.0, (0, 0, 2): 1.0})
    assert stencil.radii == (1, 3, 2)
    assert stencil.radius == 3
    assert stencil.weights().shape == (7, 7, 7)


def test_one_dimensional_offsets_may_be_plain_integers() -> None:
    assert Stencil({-1: 1.0, 1: 1.0}).offsets == ((-1,), (1,))


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ({}, "no points"),
        ([((0,), 1.0), ((0,), 2.0)], r"duplicate offset \[0\]"),
        ({(0,): float("nan")}, r"coefficient of offset \[0\] is nan"),
        ({(0,): float("inf")}, "not finite"),
        ({(0,): 1.0, (0, 1): 1.0}, "mixed ranks"),
        ({(0, 0, 0, 0): 1.0}, "rank must be 1 to 3"),
        ({(MAX_RADIUS + 1,): 1.0}, "exceeds the supported radius 8"),
        ({(0.5,): 1.0}, "must hold integers"),
        ({(0, 0): 0.0}, "the stencil has no non-zero coefficient"),
        ({(0,): 0.0, (1,): -0.0}, "the stencil has no non-zero coefficient"),
    ],
)
def test_invalid_stencils_are_refused(points: object, message: str) -> None:
    with pytest.raises(StencilError, match=message):
        Stencil(points)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        (np.zeros((3, 3)), "no non-zero coefficient: every weight is zero"),
        (np.ones((3, 4)), "odd, equal sides"),
        (np.ones((4,)), "odd, equal sides"),
        (np.ones((3, 3, 3, 3)), "1 to 3 dimensions"),
        (np.array([1.0, np.nan, 1.0]), "is nan, not finite"),
    ],
)
def test_invalid_weights_are_refused(weights: np.ndarray, message: str) -> None:
    with pytest.raises(StencilError, match=message):
        Stencil.from_weights(weights)


def test_check_grid() -> None:
    stencil = Stencil({(0, -2): 1.0, (1, 0): 1.0})
    assert stencil.check_grid([3, 5]) == (3, 5)
    with pytest.raises(StencilError, match="axis 1 has 4 points, the stencil needs at least 5"):
        stencil.check_grid((3, 4))
    with pytest.raises(StencilError, match="rank 1"):
        stencil.check_grid((9,))


def test_a_grid_is_checked_against_radii_alone() -> None:
    """A layout's halo has no stencil of its own: the rule applies to bare radii."""
    assert check_grid((0, 2), [1, 5]) == (1, 5)
    with pytest.raises(StencilError, match="axis 1 has 4 points, the stencil needs at least 5"):
        check_grid((0, 2), (1, 4))


ZERO_LSTENCIL = "%s = lstencil.stencil [[0, 0] = 0.0, [1, 0] = 0.0] : !lstencil.stencil<2>\n"
ZERO_UPSTREAM = """
func.func @cancel(%in : !stencil.field<[-1,17]xf32>, %out : !stencil.field<[-1,17]xf32>) {
  %t = stencil.load %in : !stencil.field<[-1,17]xf32> -> !stencil.temp<?xf32>
  %r = stencil.apply(%x = %t : !stencil.temp<?xf32>) -> (!stencil.temp<?xf32>) {
    %a = stencil.access %x[-1] : !stencil.temp<?xf32>
    %b = stencil.access %x[1] : !stencil.temp<?xf32>
    %d = arith.subf %a, %b : f32
    %zero = arith.constant 0.0 : f32
    %v = arith.mulf %d, %zero : f32
    stencil.return %v : f32
  }
  stencil.store %r to %out(<[0], [16]>) : !stencil.temp<?xf32> to !stencil.field<[-1,17]xf32>
  func.return
}
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (ZERO_LSTENCIL, "the stencil has no non-zero coefficient"),
        (ZERO_UPSTREAM, "every coefficient of the stencil cancels to zero"),
    ],
)
def test_every_frontend_refuses_an_all_zero_stencil(text: str, message: str) -> None:
    with pytest.raises(StencilError, match=message):
        Stencil.from_mlir(text)
