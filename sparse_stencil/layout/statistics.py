"""Layout statistics per stencil: K before and after conversion, density, redundancy.

**Redundancy** (docs/design.md §6.1) is issued tensor-core MACs over useful MACs, for one time step,
before any tiling waste at the grid's edges. One output tile of m points (m <= 16) is one
column of B and of C; a `mma.sp` instruction multiplies the tile's A (16 rows, m used) by
N = 8 such columns over ``mma_k`` of K, and counts ``16 * 8 * mma_k / 2`` MACs (1024 for
m16n8k16; 512 for tf32's m16n8k8). A tile needs ``k_after / mma_k`` of them per 8 columns::

    issued per tile = (k_after / mma_k) * (16 * 8 * mma_k / 2) / 8 = 8 * k_after
    useful per tile = m * nonzeros
    redundancy      = 8 * k_after / (m * nonzeros)     (= k_after / (2 * nonzeros), m = 16)

where `nonzeros` counts the stencil's non-zero coefficients. For the 7x7 box (49 points)
in an 8x2 tile, k_after = 112 gives 112 / 98 = 1.14. The *dense* redundancy is the same
count for a dense `mma` m16n8k16 (2048 MACs) on the unconverted A: ``16 * K16 / (m * nnz)``
with K16 the morphed K rounded up to 16. **Density** is the fraction of the converted A's
entries (m x k_after) that are non-zero coefficients; 2:4 caps it at 0.5.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sparse_stencil.layout.search import LayoutChoice

_MMA_N = 8


@dataclass(frozen=True)
class LayoutStatistics:
    """The chosen layout of one stencil and what it costs."""

    nonzeros: int
    """Non-zero coefficients of the stencil."""
    tile: tuple[int, ...]
    sparsity: str
    k_before: int
    k_after: int
    padded_bound: int
    """Lower bound on `k_after` for this tile (padded to the MMA's K)."""
    method: str
    """The conversion that won: ``matching``, ``packing`` or ``search``."""
    conversion_seconds: float
    """Wall time of the chosen tile's conversion (packing, matching and search)."""
    search_seconds: float
    """Wall time of the whole tile search, conversions included."""
    tiles_converted: int

    @property
    def outputs(self) -> int:
        """Output points per tile (rows of A in use)."""
        return math.prod(self.tile)

    @property
    def density(self) -> float:
        """Non-zero fraction of the converted coefficient matrix."""
        if self.k_after == 0:
            return 0.0
        return self.nonzeros / self.k_after

    @property
    def redundancy(self) -> float:
        """Issued over useful MACs with `mma.sp` (module docstring)."""
        return redundancy(self.k_after, self.outputs, self.nonzeros)

    @property
    def dense_redundancy(self) -> float:
        """Issued over useful MACs with a dense m16n8k16 `mma` on the unconverted A."""
        return redundancy(2 * -(-self.k_before // 16) * 16, self.outputs, self.nonzeros)


def redundancy(k_after: int, outputs: int, nonzeros: int) -> float:
    """``8 * k_after / (outputs * nonzeros)``: see the module docstring; NaN if no work."""
    if outputs * nonzeros == 0:
        return math.nan
    return _MMA_N * k_after / (outputs * nonzeros)


def layout_statistics(choice: LayoutChoice) -> LayoutStatistics:
    """What the layout that :func:`~.search.choose_layout` chose costs, and what it took."""
    gemm, conversion = choice.gemm, choice.conversion
    return LayoutStatistics(
        # Every row of A holds the stencil's non-zero coefficients once (TiledGemm.check).
        nonzeros=gemm.nonzeros // gemm.m,
        tile=gemm.tile,
        sparsity=conversion.sparsity.name,
        k_before=conversion.k_before,
        k_after=conversion.k_after,
        padded_bound=conversion.padded_bound,
        method=conversion.method,
        conversion_seconds=conversion.seconds,
        search_seconds=choice.seconds,
        tiles_converted=sum(1 for c in choice.candidates if c.k_after is not None),
    )
