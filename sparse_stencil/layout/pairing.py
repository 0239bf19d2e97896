"""B pairs: K orders whose 16-bit B operands load as one 32-bit word instead of two halves.

A lane's 32-bit B register holds the B rows 2i and 2i + 1 of one K step (docs/ptx-sparse-mma.md
section 4): two gathered inputs, each a 16-bit load, then packed. When the two inputs are
neighbours on the innermost axis and the first sits at an even element of shared memory, one
32-bit load fills the register. Across the lanes of a warp one register is 4 such pairs, 8
consecutive K slots (2 chunks of 2:4): the load is 32-bit for all lanes or for none.

The staged box keeps an even pitch and every tile of a block starts at an element of the same
parity (:mod:`sparse_stencil.kernel.tables` checks it), so input x of a tile is *aligned*
when ``x[-1] + halo[-1]`` is even (the tile's origin sits ``halo`` past the staged box's
origin, which is 16-byte aligned). A *pair unit* is an aligned input with its right
neighbour.

- Dense layouts (:func:`order_dense_pairs`): K's order is free, so the pair units go first,
  four to a register, then the other columns.
- 2:4 layouts (:func:`convert_pairs`): a chunk whose 4 slots are two pair units (no row
  holding more than 2 non-zeros among them) is *fully paired*; a maximum matching of
  compatible pair units (networkx) builds as many as it can, and the other columns are
  converted as usual (:func:`~sparse_stencil.layout.matching.convert`) after them. This may
  cost K slots over the best conversion; the kernel search weighs both.
"""

from __future__ import annotations

import time

import networkx as nx
import numpy as np
import numpy.typing as npt

from sparse_stencil.layout.matching import PADDING, Conversion, convert, lower_bound
from sparse_stencil.layout.morphing import TiledGemm
from sparse_stencil.sparsity import TWO_FOUR

PAIR_SLOTS = 8
"""K slots of one 32-bit B register across a warp: 4 lanes x 2 rows."""


def pair_units(gemm: TiledGemm) -> list[tuple[int, int]]:
    """Disjoint (x, x + 1) column pairs: aligned inputs and their right neighbours."""
    index = {tuple(row): k for k, row in enumerate(gemm.inputs.tolist())}
    units: list[tuple[int, int]] = []
    for k, row in enumerate(gemm.inputs.tolist()):
        if (row[-1] + gemm.halo[-1]) % 2:
            continue
        neighbour = index.get((*row[:-1], row[-1] + 1))
        if neighbour is not None:
            units.append((k, neighbour))
    return units


def order_dense_pairs(gemm: TiledGemm) -> TiledGemm:
    """`gemm` with its columns reordered: pair units first, then the other columns."""
    units = pair_units(gemm)
    paired = [k for unit in units for k in unit]
    taken = set(paired)
    return gemm.select(paired + [k for k in range(gemm.k) if k not in taken])


def convert_pairs(gemm: TiledGemm) -> Conversion:
    """A 2:4 conversion that starts with as many fully paired chunks as a matching finds."""
    start = time.perf_counter()
    masks = gemm.row_masks()
    units = pair_units(gemm)
    chunks = _fully_paired_chunks(units, _row_counts(gemm))
    used = {k for chunk in chunks for k in chunk}
    rest = [k for k in range(gemm.k) if k not in used]
    slots = [k for chunk in chunks for k in chunk]
    if rest:
        converted = convert(masks[rest], TWO_FOUR)
        slots += [rest[j] if j >= 0 else PADDING for j in converted.permutation]
    slots = _trim_padding(slots)
    slots += [PADDING] * (TWO_FOUR.padded_k(len(slots)) - len(slots))
    return Conversion(
        sparsity=TWO_FOUR,
        permutation=tuple(slots),
        k_before=gemm.k,
        lower_bound=lower_bound(masks, TWO_FOUR),
        method="pairs",
        seconds=time.perf_counter() - start,
    )


def _row_counts(gemm: TiledGemm) -> npt.NDArray[np.int64]:
    """(m, K): 1 where row m has a non-zero in column k."""
    return (gemm.matrix != 0).astype(np.int64)


def _fully_paired_chunks(
    units: list[tuple[int, int]], counts: npt.NDArray[np.int64]
) -> list[tuple[int, int, int, int]]:
    """Chunks of two pair units with at most 2 non-zeros per row, as many as matching gives,
    ordered by their first column."""
    if not units:
        return []
    per_unit = np.array([counts[:, a] + counts[:, b] for a, b in units])
    graph: nx.Graph[int] = nx.Graph()
    graph.add_nodes_from(range(len(units)))
    fits = (per_unit[:, None, :] + per_unit[None, :, :] <= 2).all(axis=2)
    graph.add_edges_from((int(i), int(j)) for i, j in np.argwhere(np.triu(fits, 1)))
    matching: set[tuple[int, int]] = nx.max_weight_matching(graph, maxcardinality=True)
    chunks: list[tuple[int, int, int, int]] = []
    for i, j in matching:
        (a, b), (c, d) = units[min(i, j)], units[max(i, j)]
        chunks.append((a, b, c, d))
    return sorted(chunks)


def _trim_padding(slots: list[int]) -> list[int]:
    """`slots` without the padding chunks at its end."""
    while len(slots) >= 4 and all(s == PADDING for s in slots[-4:]):
        slots = slots[:-4]
    return slots
