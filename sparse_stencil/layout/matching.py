"""Structured sparsity conversion: permute (and if need be pad) K so that A is 2:4 or 1:2.

Each column of the coefficient matrix is summarised by its *row mask*, the set of rows with
a non-zero in it. A set of columns may share one chunk of the converted matrix when no row
has more than n non-zeros among them (n = 2 for 2:4, 1 for 1:2). The permutation is free at
run time: it is folded into the gather map of B, and a padding slot gathers nothing.

Two constructions are run, and the one with fewer chunks is kept; for 2:4 a local search
then tries to save MMA K steps:

- **matching** (docs/design.md §4.2): columns are *compatible* when no row has a non-zero in both.
  A maximum-cardinality matching of the compatibility graph (networkx, Edmonds' blossom
  algorithm) pairs them; a pair has at most one non-zero per row, so two pairs make a valid
  2:4 chunk and one pair a valid 1:2 chunk. Each unmatched column takes a zero partner.
  For 1:2 this is optimal: a chunk *is* a compatible pair.
- **packing**: for 2:4 the pairing rule is stronger than needed: a chunk is valid as soon as
  no row has three non-zeros in it. A column used by every row (as the centre of a 4x4
  patch of a 7x7 box) is compatible with nothing, so matching pads it, but it fits in a chunk
  beside three mutually compatible columns. Packing fills ``bound / m`` chunks, columns with
  the most non-zeros first, each into the chunk where it adds the fewest rows holding two
  non-zeros (a bit-mask test per chunk), opening a chunk only when none fits. It is run
  with two tie-breaks (fullest chunk first, emptiest first); it costs milliseconds.
- **search**: while the result is a K step (16 slots) above the lower bound, a
  min-conflicts local search swaps columns between the chunks of one K step less (1000
  swaps at most, seeded, so the result is reproducible). It takes log7x7 from 112 to its
  bound 96. Where it fails, the bound may be out of reach: box3d3r's 704 against a bound of
  688 is optimal, since an LP relaxation over all valid chunk patterns needs 173 chunks.

The strategy ``best`` runs all of them, ``matching`` and ``packing`` one construction alone.

The *lower bound* on the converted K, before padding to the MMA's K: every row needs
``ceil(nnz_row / n)`` chunks, and every column a slot; for 1:2 a column compatible with no
other column takes a whole pair. Matching is skipped when packing already reaches what
matching can at best reach (each column that has no compatible partner costs it a padding
slot), so the graph algorithm runs only where it can win.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import networkx as nx
import numpy as np
import numpy.typing as npt

from sparse_stencil.errors import StencilError
from sparse_stencil.layout.morphing import TiledGemm, TileMaps
from sparse_stencil.sparsity import Sparsity, compress, expand

Strategy = Literal["best", "matching", "packing"]
STRATEGIES: tuple[Strategy, ...] = ("best", "matching", "packing")

PADDING = -1
"""The permutation entry of a padding slot: a zero column of A that gathers nothing."""

_PACKING_RULES = ("fullest", "emptiest")

_SEARCH_SWAPS = 1000
"""Swap budget of one local search. Successes on the catalog take under 50 swaps (log7x7)
to under 200 (box3d4r); a 13x13x13 box needs 1600 on one tile, but the other reaches the same
K within the budget. A failure costs 0.3 s at box3d3r's 688 slots."""
_TABU_SWAPS = 5
"""A swapped slot rests for 5 to 9 swaps, so that the search does not undo its last moves."""
_NOISE = 0.02
"""Share of random swaps, which lead the search off a plateau."""


@dataclass(frozen=True)
class Conversion:
    """A permutation of K that makes the coefficient matrix n:m sparse."""

    sparsity: Sparsity
    permutation: tuple[int, ...]
    """Slot j of the converted matrix holds column ``permutation[j]``, or padding (-1)."""
    k_before: int
    lower_bound: int
    """No n:m layout of these columns has fewer slots (before padding to the MMA's K)."""
    method: str
    """``matching``, ``packing`` or ``search``: what produced the permutation."""
    seconds: float
    """Wall time of the conversion (packing, matching and search)."""

    @property
    def k_after(self) -> int:
        """Columns of the converted matrix, a multiple of the MMA's K."""
        return len(self.permutation)

    @property
    def k_grouped(self) -> int:
        """Slots up to the last chunk that holds a column: K before padding to the MMA's K."""
        real = [j for j, column in enumerate(self.permutation) if column >= 0]
        return _round_up(real[-1] + 1, self.sparsity.group) if real else 0

    @property
    def padded_bound(self) -> int:
        """The lower bound rounded up to the MMA's K: the best `k_after` possible."""
        return self.sparsity.padded_k(self.lower_bound)


@dataclass(frozen=True, eq=False)
class SparseGemm(TileMaps):
    """A tiled GEMM whose coefficient matrix is permuted along K and stored n:m compressed."""

    sparsity: Sparsity
    permutation: npt.NDArray[np.int64]
    """(K after,): slot j gathers ``inputs[permutation[j]]``, or nothing when it is -1."""
    values: npt.NDArray[np.float64]
    """(m, K after * kept / group): the kept coefficients of each chunk, in slot order."""
    metadata: npt.NDArray[np.uint8]
    """(m, K after / group): one nibble per chunk (see :mod:`sparse_stencil.sparsity`)."""

    @property
    def k_before(self) -> int:
        """Columns of the morphed GEMM."""
        return int(self.inputs.shape[0])

    @property
    def k_after(self) -> int:
        """Columns of the converted GEMM, padding included."""
        return int(self.permutation.shape[0])

    def dense_matrix(self) -> npt.NDArray[np.float64]:
        """The converted coefficient matrix (m x K after), expanded from values and metadata."""
        return np.asarray(expand(self.values, self.metadata, self.sparsity), dtype=np.float64)

    def gemm(self) -> TiledGemm:
        """The morphed GEMM this layout was converted from (the permutation undone)."""
        self._check_permutation()
        dense = self.dense_matrix()
        real = self.permutation >= 0
        matrix = np.zeros((dense.shape[0], self.k_before))
        matrix[:, self.permutation[real]] = dense[:, real]
        return TiledGemm(self.tile, self.halo, self.outputs, self.inputs, matrix, phase=self.phase)

    def check(self) -> None:
        """Raise :class:`StencilError` unless this is a valid n:m form of a stencil GEMM.

        The permutation must place every column once and pad the rest up to a multiple of
        the MMA's K; the metadata must name ordered positions; padding slots must hold
        zeros; and the morphed GEMM it stands for must pass :meth:`TiledGemm.check`.
        """
        sparsity = self.sparsity
        if self.k_after % sparsity.mma_k:
            raise StencilError(
                f"K after conversion ({self.k_after}) must be a multiple of "
                f"{sparsity.mma_k}, the K of {sparsity.mma_shape}"
            )
        self._check_permutation()
        dense = self.dense_matrix()
        if dense.shape[1] != self.k_after:
            raise StencilError(
                f"values and metadata describe {dense.shape[1]} columns, the permutation "
                f"{self.k_after}"
            )
        padded = np.flatnonzero((self.permutation < 0) & (dense != 0).any(axis=0))
        if padded.size:
            raise StencilError(f"padding slot {int(padded[0])} holds a non-zero coefficient")
        self.gemm().check()

    def _check_permutation(self) -> None:
        real = self.permutation[self.permutation >= 0]
        if (self.permutation < PADDING).any() or sorted(real.tolist()) != list(
            range(self.k_before)
        ):
            raise StencilError(
                f"the permutation must hold each of the {self.k_before} columns once and -1 "
                f"for padding, got {self.permutation.tolist()}"
            )


def convert(
    masks: Sequence[int] | npt.NDArray[np.int64],
    sparsity: Sparsity,
    strategy: Strategy = "best",
) -> Conversion:
    """The permutation that makes a matrix with these column row-masks `sparsity`-sparse."""
    if strategy not in STRATEGIES:
        raise StencilError(
            f"unknown strategy '{strategy}': expected one of {', '.join(STRATEGIES)}"
        )
    start = time.perf_counter()
    columns = np.asarray(masks, dtype=np.int64).reshape(-1)
    bound = lower_bound(columns, sparsity)
    candidates: list[tuple[list[list[int]], str]] = []
    if strategy != "matching":
        candidates += _packings(columns, sparsity, bound)
    fewest = min((len(groups) for groups, _ in candidates), default=None)
    if strategy == "matching" or (
        strategy == "best"
        and fewest is not None
        and fewest * sparsity.group > _matching_floor(columns, sparsity)
    ):
        candidates.append((_matching(columns, sparsity), "matching"))
    groups, method = min(candidates, key=lambda candidate: len(candidate[0]))
    if strategy == "best" and sparsity.kept == 2:
        searched = _search(columns, groups, sparsity, bound)
        if searched is not None:
            groups, method = searched, "search"
    return Conversion(
        sparsity=sparsity,
        permutation=_slots(groups, sparsity),
        k_before=int(columns.size),
        lower_bound=bound,
        method=method,
        seconds=time.perf_counter() - start,
    )


def lower_bound(masks: Sequence[int] | npt.NDArray[np.int64], sparsity: Sparsity) -> int:
    """Fewest slots any n:m layout of these columns needs, before padding to the MMA's K."""
    columns = np.asarray(masks, dtype=np.int64).reshape(-1)
    if columns.size == 0:
        return 0
    rows = _row_counts(columns)
    per_row = sparsity.group * -(-int(rows.max()) // sparsity.kept)
    slots = columns.size + (_isolated(columns) if sparsity.kept == 1 else 0)
    return max(per_row, _round_up(slots, sparsity.group))


def sparsify(gemm: TiledGemm, conversion: Conversion) -> SparseGemm:
    """The compressed n:m form of `gemm` under `conversion`'s permutation."""
    if conversion.k_before != gemm.k:
        raise StencilError(
            f"the conversion is for {conversion.k_before} columns, the GEMM has {gemm.k}"
        )
    permutation = np.array(conversion.permutation, dtype=np.int64)
    permuted = np.zeros((gemm.matrix.shape[0], permutation.size))
    real = permutation >= 0
    permuted[:, real] = gemm.matrix[:, permutation[real]]
    values, metadata = compress(permuted, conversion.sparsity)
    return SparseGemm(
        sparsity=conversion.sparsity,
        tile=gemm.tile,
        halo=gemm.halo,
        outputs=gemm.outputs,
        inputs=gemm.inputs,
        permutation=permutation,
        values=np.asarray(values, dtype=np.float64),
        metadata=metadata,
        phase=gemm.phase,
    )


def convert_gemm(gemm: TiledGemm, sparsity: Sparsity, strategy: Strategy = "best") -> SparseGemm:
    """`gemm` converted to `sparsity` (:func:`convert`, then :func:`sparsify`)."""
    return sparsify(gemm, convert(gemm.row_masks(), sparsity, strategy))


def _packings(
    columns: npt.NDArray[np.int64], sparsity: Sparsity, bound: int
) -> list[tuple[list[list[int]], str]]:
    """Packings under each tie-break rule, stopping at the first that meets the bound."""
    found: list[tuple[list[list[int]], str]] = []
    for rule in _PACKING_RULES:
        groups = _pack(columns, sparsity, bound // sparsity.group, rule)
        found.append((groups, "packing"))
        if len(groups) * sparsity.group <= bound:
            break
    return found


def _pack(
    columns: npt.NDArray[np.int64], sparsity: Sparsity, target: int, rule: str
) -> list[list[int]]:
    """Columns packed into chunks of at most `group` with at most `kept` non-zeros per row.

    A chunk is two bit masks: the rows with at least one non-zero (`once`) and, for 2:4,
    the rows with two (`twice`). A column fits when it has no row in the full level.
    """
    size = max(int(columns.size), 1)
    once = np.zeros(size, dtype=np.int64)
    twice = np.zeros(size, dtype=np.int64)
    count = np.zeros(size, dtype=np.int64)
    members: list[list[int]] = [[] for _ in range(size)]
    opened = min(max(target, 1), size)
    ties = 1 if rule == "fullest" else -1
    order = np.argsort(-np.bitwise_count(columns), kind="stable")
    for index in order.tolist():
        mask = int(columns[index])
        full = twice[:opened] if sparsity.kept == 2 else once[:opened]
        fits = (count[:opened] < sparsity.group) & ((full & mask) == 0)
        if fits.any():
            overlap = np.bitwise_count(once[:opened] & mask).astype(np.int64)
            score = overlap * (2 * sparsity.group + 1) - ties * count[:opened]
            chunk = int(np.argmin(np.where(fits, score, np.iinfo(np.int64).max)))
        else:
            chunk = opened
            opened += 1
        twice[chunk] |= once[chunk] & mask
        once[chunk] |= mask
        count[chunk] += 1
        members[chunk].append(index)
    return [sorted(group) for group in members[:opened] if group]


def _search(
    columns: npt.NDArray[np.int64], groups: list[list[int]], sparsity: Sparsity, bound: int
) -> list[list[int]] | None:
    """`groups` in fewer chunks by local search, one MMA K step at a time, down to the bound.

    None if the first step fails: a packing that misses the bound may be optimal (box3d3r's
    704 is: an LP relaxation of its chunk patterns needs 173 chunks, 692 slots).
    """
    found: list[list[int]] | None = None
    while True:
        current = sparsity.padded_k(len(found or groups) * sparsity.group)
        chunks = (current - sparsity.mma_k) // sparsity.group
        if chunks * sparsity.group < bound:
            return found
        better = _swap_into(columns, found or groups, chunks, sparsity)
        if better is None:
            return found
        found = better


def _swap_into(
    columns: npt.NDArray[np.int64], groups: list[list[int]], chunks: int, sparsity: Sparsity
) -> list[list[int]] | None:
    """The columns of `groups` in `chunks` valid chunks, or None if the search fails.

    Min-conflicts search with a tabu list: every chunk has `group` slots, free ones holding
    a padding column with no non-zeros; the *excess* counts, over rows and chunks, the
    non-zeros beyond `kept`. Each step takes a column on an over-full row and swaps it with
    the slot of another chunk (a padding slot: a move) that lowers the excess most. The
    random generator is seeded: the result depends on the input only.
    """
    rng = np.random.default_rng(0)
    slots = _initial_slots(columns, groups, chunks, sparsity)
    chunk = np.repeat(np.arange(chunks), sparsity.group)
    bits = np.zeros((slots.size, _row_counts(columns).size), dtype=np.int64)
    real = slots >= 0
    bits[real] = _row_bits(columns[slots[real]], bits.shape[1])
    load = np.zeros((chunks, bits.shape[1]), dtype=np.int64)
    np.add.at(load, chunk, bits)
    rested = np.zeros(slots.size, dtype=np.int64)
    for step in range(_SEARCH_SWAPS):
        over = load > sparsity.kept
        if not over.any():
            members = [
                sorted(c for c in slots[chunk == i].tolist() if c >= 0) for i in range(chunks)
            ]
            return [group for group in members if group]
        culprit = int(rng.choice(np.flatnonzero((bits.astype(bool) & over[chunk]).any(axis=1))))
        home = int(chunk[culprit])
        gain = (
            _excess(load[home] - bits[culprit] + bits, sparsity)
            + _excess(load[chunk] - bits + bits[culprit], sparsity)
            - _excess(load[home], sparsity)
            - _excess(load[chunk], sparsity)
        )
        allowed = (chunk != home) & (rested <= step)
        if not allowed.any():
            continue
        if rng.random() < _NOISE:
            other = int(rng.choice(np.flatnonzero(allowed)))
        else:
            best = gain[allowed].min()
            other = int(rng.choice(np.flatnonzero(allowed & (gain == best))))
        load[home] += bits[other] - bits[culprit]
        load[chunk[other]] += bits[culprit] - bits[other]
        bits[[culprit, other]] = bits[[other, culprit]]
        slots[[culprit, other]] = slots[[other, culprit]]
        rested[[culprit, other]] = step + _TABU_SWAPS + rng.integers(0, _TABU_SWAPS, size=2)
    return None


def _initial_slots(
    columns: npt.NDArray[np.int64], groups: list[list[int]], chunks: int, sparsity: Sparsity
) -> npt.NDArray[np.int64]:
    """The `chunks` fullest groups, each column of the others in the free slot that adds
    the least excess; slot ``i * group + j`` is slot j of chunk i, -1 when free."""
    ordered = sorted(groups, key=len, reverse=True)
    slots = np.full((chunks, sparsity.group), PADDING, dtype=np.int64)
    for i, group in enumerate(ordered[:chunks]):
        slots[i, : len(group)] = group
    width = _row_counts(columns).size
    load = np.array([_row_bits(columns[row[row >= 0]], width).sum(axis=0) for row in slots])
    for column in [c for group in ordered[chunks:] for c in group]:
        bits = _row_bits(columns[[column]], width)[0]
        free = (slots == PADDING).any(axis=1)  # some is: chunks * group >= bound >= columns
        added = np.where(free, _excess(load + bits, sparsity), np.iinfo(np.int64).max)
        target = int(np.argmin(added))
        slots[target, int(np.argmax(slots[target] == PADDING))] = column
        load[target] += bits
    return slots.reshape(-1)


def _excess(load: npt.NDArray[np.int64], sparsity: Sparsity) -> npt.NDArray[np.int64]:
    """Per chunk (last axis: rows), the non-zeros beyond `kept` summed over its rows."""
    return np.maximum(load - sparsity.kept, 0).sum(axis=-1)


def _row_bits(masks: npt.NDArray[np.int64], width: int) -> npt.NDArray[np.int64]:
    """(columns, width) 0/1: which rows each column has a non-zero in."""
    return (masks[:, None] >> np.arange(width)) & 1


def _matching(columns: npt.NDArray[np.int64], sparsity: Sparsity) -> list[list[int]]:
    """Maximum matching of compatible columns, pairs into chunks (docs/design.md §4.2)."""
    graph: nx.Graph[int] = nx.Graph()
    graph.add_nodes_from(range(columns.size))
    disjoint = (columns[:, None] & columns[None, :]) == 0
    graph.add_edges_from((int(i), int(j)) for i, j in np.argwhere(np.triu(disjoint, 1)))
    matching = nx.max_weight_matching(graph, maxcardinality=True)
    pairs = [sorted(pair) for pair in matching]
    matched = {column for pair in pairs for column in pair}
    halves = sorted(pairs + [[c] for c in range(columns.size) if c not in matched])
    if sparsity.kept == 1:
        return halves
    padded = [half + [PADDING] * (2 - len(half)) for half in halves]
    return [
        [*padded[i], *(padded[i + 1] if i + 1 < len(padded) else [])]
        for i in range(0, len(padded), 2)
    ]


def _slots(groups: list[list[int]], sparsity: Sparsity) -> tuple[int, ...]:
    """Chunks in order of their first column, each padded to the chunk width, then to K."""
    ordered = sorted(groups, key=lambda group: min(c for c in group if c >= 0))
    slots = [c for group in ordered for c in group + [PADDING] * (sparsity.group - len(group))]
    return tuple(slots + [PADDING] * (sparsity.padded_k(len(slots)) - len(slots)))


def _matching_floor(columns: npt.NDArray[np.int64], sparsity: Sparsity) -> int:
    """Fewest slots the matching construction can reach: an isolated column takes a pair."""
    return _round_up(columns.size + _isolated(columns), sparsity.group)


def _isolated(columns: npt.NDArray[np.int64]) -> int:
    """Columns compatible with no other column (checked per distinct mask)."""
    masks, counts = np.unique(columns, return_counts=True)
    disjoint = (masks[:, None] & masks[None, :]) == 0
    partners = disjoint.astype(np.int64) @ counts - disjoint.diagonal()
    return int(counts[partners == 0].sum())


def _row_counts(columns: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Non-zeros per row, up to the highest row that has one."""
    return _row_bits(columns, max(int(columns.max()).bit_length(), 1)).sum(axis=0)


def _round_up(value: int, multiple: int) -> int:
    return -(-value // multiple) * multiple
