"""Chunk order against bank conflicts: the free orderings of a 2:4 layout, chosen per block.

A 16-bit B register of a lane is one 2-column half of a 2:4 chunk; across a warp one register
instruction reads two chunks: lanes t = 0, 1 the two halves of the first, t = 2, 3 those of the
second, each at its tile's base (8 tiles, g = lane >> 2) plus the half's offset. Which chunks
share an instruction, which comes first and which half goes to the even lane are all free:
the metadata and the gather table follow the permutation. Their offsets decide how many lanes
of an instruction meet in one shared-memory bank at different words, so
:func:`reorder_chunks` pairs the chunks and turns them, greedily, to make the gathers of a
block's first warp conflict as little as possible; the search keeps the result only where
the whole block's gathers conflict less than in the conversion's own order. Chunks whose
two halves each load as one aligned 32-bit word are paired among themselves, so that their
registers stay whole words.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from sparse_stencil.kernel.geometry import WARP, Geometry
from sparse_stencil.kernel.instruction import MmaInstruction
from sparse_stencil.kernel.tables import KernelLayout, slot_offsets, tile_bases
from sparse_stencil.layout.matching import Conversion, SparseGemm, sparsify
from sparse_stencil.layout.split import SplitGemm

WINDOW = 24
"""Chunks after the first unpaired one among which its partner is sought."""
WORK = 3000
"""Partner trials per layout at most: the window narrows on large layouts (box3d4r has 368
chunks), so that the pairing stays within a second."""
_TURNS = [(first, second) for first in (0, 1) for second in (0, 1)]


def reorder_chunks(
    layout: KernelLayout, instruction: MmaInstruction, geometry: Geometry
) -> KernelLayout:
    """`layout` with its 2:4 chunks paired and turned for fewer bank conflicts."""
    if isinstance(layout, SplitGemm):
        return SplitGemm(layout.dense, _reorder(layout.sparse, instruction, geometry))
    if isinstance(layout, SparseGemm):
        return _reorder(layout, instruction, geometry)
    return layout


def _reorder(layout: SparseGemm, instruction: MmaInstruction, geometry: Geometry) -> SparseGemm:
    if instruction.a_type == "tf32" or layout.k_after % 8:
        return layout
    offsets = slot_offsets(layout, geometry, layout.k_after)
    bases = tile_bases(geometry)[:WARP]
    chunks = np.arange(layout.k_after).reshape(-1, 4)
    whole = [_whole(offsets[c], bases) for c in chunks]
    order: list[int] = []
    for pool in ([i for i, w in enumerate(whole) if w], [i for i, w in enumerate(whole) if not w]):
        order += _pair(pool, chunks, offsets, bases, words=bool(pool) and whole[pool[0]])
    slots = np.concatenate([chunks[i] for i in order])
    permutation = tuple(int(layout.permutation[s]) for s in slots)
    conversion = Conversion(
        sparsity=layout.sparsity,
        permutation=permutation,
        k_before=layout.k_before,
        lower_bound=0,
        method="reordered",
        seconds=0.0,
    )
    return sparsify(layout.gemm(), conversion)


def _whole(offsets: npt.NDArray[np.int64], bases: npt.NDArray[np.int64]) -> bool:
    """Whether both halves of a chunk are aligned 32-bit words for every tile."""
    return all(
        offsets[h + 1] - offsets[h] == 2 and bool(((bases + offsets[h]) % 4 == 0).all())
        for h in (0, 2)
    )


def _pair(
    pool: list[int],
    chunks: npt.NDArray[np.int64],
    offsets: npt.NDArray[np.int64],
    bases: npt.NDArray[np.int64],
    words: bool,
) -> list[int]:
    """The chunks of `pool` in pairs, each pair in its best turn: chunk indices in their new
    order; a turn (halves swapped) is written into `chunks` in place."""
    remaining = list(pool)
    window = max(2, min(WINDOW, WORK // max(len(pool), 1)))
    order: list[int] = []
    while remaining:
        first = remaining.pop(0)
        if not remaining:
            order.append(first)
            break
        candidates = remaining[:window]
        best = min(
            (
                (_cost(chunks, offsets, bases, first, other, turn, words), other, turn)
                for other in candidates
                for turn in _TURNS
            ),
            key=lambda c: c[0],
        )
        _, other, (turn_first, turn_other) = best
        remaining.remove(other)
        _turn(chunks, first, turn_first)
        _turn(chunks, other, turn_other)
        order += [first, other]
    return order


def _turn(chunks: npt.NDArray[np.int64], chunk: int, swap: int) -> None:
    if swap:
        chunks[chunk] = chunks[chunk][[2, 3, 0, 1]]


def _cost(
    chunks: npt.NDArray[np.int64],
    offsets: npt.NDArray[np.int64],
    bases: npt.NDArray[np.int64],
    first: int,
    other: int,
    turn: tuple[int, int],
    words: bool,
) -> int:
    """Bank conflicts of the register instruction(s) that read `first` then `other`."""
    halves = [
        chunks[first][[2, 3, 0, 1]] if turn[0] else chunks[first],
        chunks[other][[2, 3, 0, 1]] if turn[1] else chunks[other],
    ]
    slots = np.concatenate(halves).reshape(4, 2)  # lane t's two slots
    lanes = np.arange(WARP) % 4
    if words:
        return _conflicts(bases + offsets[slots[lanes, 0]])
    return sum(_conflicts(bases + offsets[slots[lanes, e]]) for e in (0, 1))


def _conflicts(addresses: npt.NDArray[np.int64]) -> int:
    words = np.unique(addresses // 4)
    return int(np.bincount(words % 32, minlength=32).max()) - 1
