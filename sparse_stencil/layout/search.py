"""Layout search: the output tile whose converted GEMM issues the fewest MACs per output.

Every tile of at most 16 points over the stencil's axes (:func:`~.morphing.tile_shapes`:
16 in 1D, 50 in 2D, 110 in 3D; the full 16-point tiles are 1, 5 and 15 of them) is
morphed; the candidates are then converted in the order of their lower bounds, and the
search stops as soon as no remaining candidate can beat the best one found (branch and
bound), so tiles whose bound is already too large are never converted.

The score is K after conversion per output point of the tile, ``k_after / m``: the issued
MACs per useful output, so the redundancy up to the constant ``8 / nonzeros``. For the
16-point tiles it ranks by K alone. Ties go to the larger tile (fewer tiles to run), then to
fewer columns before conversion (fewer inputs gathered per tile), then to the earlier tile
in search order (the longest extent on the innermost axis: contiguous rows).

Why not M = 32: redundancy counts MACs per 16-row `mma.sp`, and a 32-row tile is two such
instructions whose K cannot be smaller than that of the best 16-row tile; stacking them is a
kernel (L2) choice for reuse of B, not a density one.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from sparse_stencil.layout.matching import (
    Conversion,
    SparseGemm,
    Strategy,
    convert,
    lower_bound,
    sparsify,
)
from sparse_stencil.layout.morphing import TiledGemm, check_tile, morph, tile_shapes
from sparse_stencil.sparsity import TWO_FOUR, Sparsity
from sparse_stencil.stencil import Stencil


@dataclass(frozen=True)
class TileCandidate:
    """One tile the search looked at."""

    tile: tuple[int, ...]
    k_before: int
    padded_bound: int
    """Lower bound on K after conversion, padded to the MMA's K."""
    k_after: int | None
    """K after conversion, or None when the bound showed the tile could not win."""


@dataclass(frozen=True, eq=False)
class LayoutChoice:
    """The chosen tile's GEMM, its conversion, and every candidate considered."""

    gemm: TiledGemm
    conversion: Conversion
    candidates: tuple[TileCandidate, ...]
    seconds: float
    """Wall time of the whole search (morphing and conversions)."""

    @property
    def sparse(self) -> SparseGemm:
        """The converted GEMM."""
        return sparsify(self.gemm, self.conversion)


SearchProgress = Callable[[str, int, int], None]
"""What :func:`choose_layout` reports as it goes: ``(stage, done, total)``.

The stage is ``"morph"`` (done of total tiles morphed) or ``"convert"`` (done candidates
converted, of at most total: the total shrinks as better conversions prune candidates).
"""


def choose_layout(
    stencil: Stencil,
    sparsity: Sparsity = TWO_FOUR,
    tile: Sequence[int] | None = None,
    strategy: Strategy = "best",
    progress: SearchProgress | None = None,
) -> LayoutChoice:
    """The densest tiled GEMM of `stencil` under `sparsity`, or the one of a given `tile`.

    `progress`, if given, is called before the first step of each stage and after every
    step; large stencils take seconds per step (a 3D box of radius 8 about 25 s in all).
    """
    start = time.perf_counter()
    report = progress or _silent
    shapes = [check_tile(tile, stencil.dims)] if tile is not None else tile_shapes(stencil.dims)
    gemms = _morph_all(stencil, shapes, report)
    bounds = [sparsity.padded_k(lower_bound(g.row_masks(), sparsity)) for g in gemms]
    order = sorted(range(len(gemms)), key=lambda i: _score(bounds[i], gemms[i], i))
    bound_scores = [_score(bounds[i], gemms[i], i) for i in order]
    best: tuple[tuple[Fraction, int, int, int], int, Conversion] | None = None
    results: dict[int, int] = {}
    report("convert", 0, len(order))
    for i, bound_score in zip(order, bound_scores, strict=True):
        if best is not None and bound_score > best[0]:
            break
        conversion = convert(gemms[i].row_masks(), sparsity, strategy)
        results[i] = conversion.k_after
        key = _score(conversion.k_after, gemms[i], i)
        if best is None or key < best[0]:
            best = (key, i, conversion)
        # The candidates converted so far and those whose bound can still beat the best.
        report("convert", len(results), bisect_right(bound_scores, best[0], len(results)))
    assert best is not None, "tile_shapes yields at least one tile"
    _, chosen, conversion = best
    candidates = tuple(
        TileCandidate(gemm.tile, gemm.k, bound, results.get(i))
        for i, (gemm, bound) in enumerate(zip(gemms, bounds, strict=True))
    )
    return LayoutChoice(gemms[chosen], conversion, candidates, time.perf_counter() - start)


def _morph_all(
    stencil: Stencil, shapes: Sequence[tuple[int, ...]], report: SearchProgress
) -> list[TiledGemm]:
    gemms: list[TiledGemm] = []
    for shape in shapes:
        report("morph", len(gemms), len(shapes))
        gemms.append(morph(stencil, shape))
    report("morph", len(gemms), len(shapes))
    return gemms


def _silent(stage: str, done: int, total: int) -> None:
    """The progress report of a caller that asked for none."""


def _score(k_after: int, gemm: TiledGemm, index: int) -> tuple[Fraction, int, int, int]:
    return (Fraction(k_after, gemm.m), -gemm.m, gemm.k, index)
