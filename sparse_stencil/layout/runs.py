"""Vector runs: K orders whose 16-bit B operands load 16 bytes at a time.

Lane ``t`` of a warp holds, of each m16n8k32 step, the B slots ``8J + 2t + i`` (``J = 0..3``,
``i = 0, 1``) of its tile (docs/ptx-sparse-mma.md section 4). When those 8 slots gather 8
neighbours on the innermost axis that start at a 16-byte boundary of shared memory, one
``ld.shared.v4.b32`` fills all four of the lane's registers, where pairs
(:mod:`~sparse_stencil.layout.pairing`) need four loads. Two dense m16n8k16 steps hold the
same slots, so the dense kernel gains alike.

A *run* is such a span: the 8 points ``x .. x + 7`` of one row of the tile's input box with
``x + halo`` a multiple of 8, so that every tile of a block sits at the same alignment when
tiles are a multiple of 8 points apart on the innermost axis (the tiles :func:`run_tiles`
offers). The runs that cover a tile's inputs become its columns; a run's points that the
stencil does not read are zero columns. Slots come in *blocks*: 32 slots take four runs
``R0..R3``, slot ``8J + 2t + i`` gathering ``R_t[2J + i]``; 16 slots (one K16 step) take four
half-runs of 4 points the same way, with ``J = 0, 1``.

- Dense (:func:`order_dense_runs`): the runs row by row, four to a block; two left over make
  a block of four half-runs; a last one goes at the end as it is (it loads in pairs).
- 2:4 (:func:`convert_runs`): the chunk of slots ``4c .. 4c + 3`` holds ``R_t[2J], R_t[2J+1]``
  of lanes t = 0, 1 (``c = 2J``) or t = 2, 3 (``c = 2J + 1``), so runs go in *pairs* (R0, R1),
  (R2, R3), two runs fitting when no row has more than 2 non-zeros among the 4 points of
  any of their 4 shared chunks. Runs 8 apart on a row always fit for a stencil of radius at
  most 3 on that axis (3 of the 4 points span 7 neighbours); for wider stencils runs must be
  further apart or on rows that no output reads both of. A greedy matching pairs the runs
  (fewest partners first); a run left alone pairs with padding, which gathers the run's own
  points again so that its lanes load 16 bytes too (:mod:`~sparse_stencil.kernel.tables`).
  Two pairs make a block, a pair left over a block of half-runs (one K16 step).
- Pieces (:mod:`~sparse_stencil.layout.pieces`) generalise the 2:4 form to half-runs and
  pairs and to another phase of the tile; the kernel search gets the better of the two.
- Split (:func:`split_runs`): the runs that found a partner on sparse MMAs, the others on
  dense ones (:mod:`~sparse_stencil.layout.split`): no padding, so the kernel gathers what
  the dense one does and issues fewer MMAs wherever two runs pair (radius >= 4).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from sparse_stencil.layout.matching import PADDING, Conversion, lower_bound, sparsify
from sparse_stencil.layout.morphing import TiledGemm
from sparse_stencil.layout.split import SplitGemm
from sparse_stencil.sparsity import TWO_FOUR

RUN = 8
"""Points of one run: 16 bytes of a 16-bit grid."""

_RUN_TILES: dict[int, tuple[tuple[int, ...], ...]] = {
    1: ((16,),),
    2: ((2, 8), (1, 16)),
    3: ((1, 2, 8), (1, 1, 16)),
}


def run_tiles(dims: int) -> tuple[tuple[int, ...], ...]:
    """The output tiles whose runs stay aligned across a block (innermost extent a multiple
    of 8): per rank, the 16-point ones with the fewest runs per point, and for 2D and 3D
    the 16-point strip, whose rows hold runs far enough apart to pair for radii up to 7."""
    return _RUN_TILES[dims]


def covering_runs(gemm: TiledGemm) -> list[npt.NDArray[np.int64]]:
    """The runs that cover `gemm`'s inputs, row by row (outer axes first), each as its
    ``(8, d)`` points."""
    halo = gemm.halo[-1]
    starts = sorted(
        {(*row[:-1], (row[-1] + halo) // RUN * RUN - halo) for row in gemm.inputs.tolist()}
    )
    step = np.zeros(gemm.dims, dtype=np.int64)
    step[-1] = 1
    return [np.array(start, dtype=np.int64) + np.outer(np.arange(RUN), step) for start in starts]


def widen(gemm: TiledGemm) -> TiledGemm:
    """`gemm` with one column per point of its covering runs, run after run (a zero column
    where the stencil reads nothing)."""
    return widen_to(gemm, np.concatenate(covering_runs(gemm)))


def widen_to(gemm: TiledGemm, points: npt.NDArray[np.int64], phase: int | None = None) -> TiledGemm:
    """`gemm` with one column per point of `points` (a zero column where it reads nothing),
    assuming the tile origins' `phase`."""
    index = {tuple(point): k for k, point in enumerate(gemm.inputs.tolist())}
    matrix = np.zeros((gemm.m, len(points)))
    for j, point in enumerate(points.tolist()):
        k = index.get(tuple(point))
        if k is not None:
            matrix[:, j] = gemm.matrix[:, k]
    return TiledGemm(gemm.tile, gemm.halo, gemm.outputs, points, matrix, phase=phase)


def order_dense_runs(gemm: TiledGemm) -> TiledGemm:
    """`gemm` widened to its runs, its columns in blocks of four runs (module docstring)."""
    wide = widen(gemm)
    return wide.select(_dense_order(_run_columns(range(wide.k // RUN))))


def convert_runs(gemm: TiledGemm) -> tuple[TiledGemm, Conversion]:
    """`gemm` widened to its runs, and the 2:4 conversion of it that places the runs in
    fitting pairs, a run without a partner beside padding (module docstring)."""
    start = time.perf_counter()
    wide = widen(gemm)
    pairs = pair_runs(_chunk_counts(wide))
    slots = _sparse_slots([(_columns(a), None if b is None else _columns(b)) for a, b in pairs])
    return wide, slot_conversion(gemm, wide, slots, start)


def split_runs(gemm: TiledGemm) -> SplitGemm | None:
    """`gemm` widened to its runs, the runs that pair on sparse MMAs and those that do not
    on dense ones, so that no run needs padding; None when all or none pair."""
    start = time.perf_counter()
    wide = widen(gemm)
    pairs = pair_runs(_chunk_counts(wide))
    alone = [a for a, b in pairs if b is None]
    paired = [(a, b) for a, b in pairs if b is not None]
    if not alone or not paired:
        return None
    dense = wide.select(_dense_order(_run_columns(alone)))
    runs = [run for pair in paired for run in pair]
    sparse = wide.select([k for run in runs for k in _columns(run)])
    renumbered = [(_columns(2 * p), _columns(2 * p + 1)) for p in range(len(paired))]
    conversion = slot_conversion(gemm, sparse, _sparse_slots(renumbered), start)
    return SplitGemm(dense, sparsify(sparse, conversion))


def _columns(run: int) -> list[int]:
    """The columns of run `run` of a widened GEMM."""
    return list(range(RUN * run, RUN * (run + 1)))


def _run_columns(runs: Iterable[int]) -> list[list[int]]:
    return [_columns(run) for run in runs]


def _dense_order(runs: Sequence[Sequence[int]]) -> list[int]:
    """Columns of `runs` in blocks of four runs, then a block of four half-runs from two
    left over, then a last one as it is."""
    full = len(runs) // 4 * 4
    order = [k for b in range(0, full, 4) for k in _block_slots(runs[b : b + 4])]
    rest = list(runs[full:])
    if len(rest) >= 2:
        first, second = rest[0], rest[1]
        order += _block_slots([first[:4], first[4:], second[:4], second[4:]])
        rest = rest[2:]
    return order + [k for run in rest for k in run]


def _sparse_slots(pairs: Sequence[tuple[list[int], list[int] | None]]) -> list[int]:
    """Slots of pairs of runs (a missing partner is padding), two pairs to a block and a
    pair left over in a block of half-runs."""
    lanes = [(a, b if b is not None else [PADDING] * RUN) for a, b in pairs]
    slots: list[int] = []
    for p in range(0, len(lanes) - 1, 2):
        slots += _block_slots([*lanes[p], *lanes[p + 1]])
    if len(lanes) % 2:
        first, second = lanes[-1]
        slots += _block_slots([first[:4], second[:4], first[4:], second[4:]])
    return slots


def slot_conversion(
    gemm: TiledGemm, wide: TiledGemm, slots: list[int], start: float, method: str = "runs"
) -> Conversion:
    """The 2:4 conversion of `wide` (runs or pieces of `gemm`, widened) that `slots`
    orders, begun at `start` (``time.perf_counter``)."""
    return Conversion(
        sparsity=TWO_FOUR,
        permutation=tuple(slots),
        k_before=wide.k,
        lower_bound=lower_bound(gemm.row_masks(), TWO_FOUR),
        method=method,
        seconds=time.perf_counter() - start,
    )


def _block_slots(lanes: Sequence[Sequence[int]]) -> list[int]:
    """The columns of one block's slots from its four lane runs (8 or 4 columns each):
    slot ``8J + 2t + i`` takes ``lanes[t][2J + i]``."""
    length = len(lanes[0])
    return [lanes[t][2 * j + i] for j in range(length // 2) for t in range(4) for i in range(2)]


def _chunk_counts(wide: TiledGemm) -> npt.NDArray[np.int64]:
    """:func:`chunk_counts` of the runs of a widened GEMM."""
    return chunk_counts(wide, np.arange(wide.k).reshape(-1, RUN))


def chunk_counts(wide: TiledGemm, pieces: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """(pieces, m, size / 2): per piece (a row of `pieces`: its columns), row and chunk
    position J, the non-zeros among its points 2J and 2J + 1."""
    per_point = (wide.matrix[:, pieces] != 0).astype(np.int64)  # (m, pieces, size)
    return (per_point[:, :, 0::2] + per_point[:, :, 1::2]).transpose(1, 0, 2)


def pair_runs(counts: npt.NDArray[np.int64]) -> list[tuple[int, int | None]]:
    """Runs in pairs that fit (no row over 2 non-zeros in a shared chunk), greedily: the run
    with the fewest partners left first, with its partner of fewest partners; a run with
    none left pairs with padding (None). Pairs are ordered by their first run."""
    fits: npt.NDArray[np.bool_] = np.asarray(
        (counts[:, None] + counts[None, :] <= 2).all(axis=(2, 3))
    )
    np.fill_diagonal(fits, False)
    free = np.ones(len(counts), dtype=bool)
    pairs: list[tuple[int, int | None]] = []
    while free.any():
        degrees = (fits & free[None, :] & free[:, None]).sum(axis=1)
        candidates = np.flatnonzero(free)
        run = int(candidates[np.argmin(degrees[candidates])])
        free[run] = False
        partners = np.flatnonzero(fits[run] & free)
        if partners.size == 0:
            pairs.append((run, None))
            continue
        partner = int(partners[np.argmin(degrees[partners])])
        free[partner] = False
        pairs.append((min(run, partner), max(run, partner)))
    return sorted(pairs, key=lambda pair: pair[0])
