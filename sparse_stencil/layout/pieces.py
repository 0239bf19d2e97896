"""Aligned pieces: 2:4 K orders whose 16-bit B operands load 16, 8 or 4 bytes at a time.

:mod:`~sparse_stencil.layout.runs` gathers whole 16-byte runs, which wastes slots where a
row of the tile's inputs is not a multiple of 8 points at the run's alignment: a star
stencil's arms read 8 points of a row that straddle two runs, or 12 points that fill one
run and a quarter of the next. Here a row is covered by aligned *pieces* of 8, 4 or 2 points
(a run, a half-run, a pair: 16, 8 or 4 bytes), and the tile may assume another *phase*
(:attr:`~sparse_stencil.layout.morphing.TileMaps.phase`): the residue modulo 8 of its
origin in the grid, which the kernel realises by starting its blocks a few points early
(:attr:`~sparse_stencil.kernel.geometry.StagedTiling.lead`). A 2x8 tile of a radius-2 star
at phase 0 reads its four arm rows as one run each, where at the halo's phase each takes
two runs.

Lane t of a K32 step holds slots ``8J + 2t + i`` (``J = 0..3``); a *segment* is registers
``J0 .. J0 + w - 1`` of all four lanes, each lane loading one piece of ``2w`` points into
them with one load. The chunk of slots ``4c .. 4c + 3`` holds two points of lanes 0 and 1
(c even) or 2 and 3 (c odd), so a segment holds two *units*, each two pieces of one size
that fit one chunk per register (no row with more than 2 non-zeros among their points 2J,
2J + 1; a greedy matching as for runs), or a piece beside padding. Splitting a unit into its
two halves keeps it valid, so the packing may trade a run unit for two half-run units
where that fills a step. Segments fill steps of 4 registers (a last step of 2 is a K16
step); every segment costs one load per group. A dense order packs the same segments with
any four pieces of a size in one, since nothing constrains what shares a chunk.

:func:`sparse_orders` and :func:`dense_orders` offer the whole-run order and the pieces at
the halo's phase and at phase 0 (as fine as pairs, or widened to half-runs so that no
register of a step stays empty), each packed with the splits that need the fewest steps;
the compiler keeps the one whose tile product the kernel's cost model counts cheapest.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from sparse_stencil.layout.matching import PADDING, Conversion
from sparse_stencil.layout.morphing import TiledGemm
from sparse_stencil.layout.runs import (
    RUN,
    chunk_counts,
    convert_runs,
    order_dense_runs,
    pair_runs,
    slot_conversion,
    widen_to,
)

SIZES = (8, 4, 2)
"""Points of a piece: a run, a half-run, a pair (16, 8, 4 bytes of a 16-bit grid)."""
_REGISTERS = 4
"""B registers of a lane in a K32 step."""

Piece = list[int]
"""The columns of one piece, in order."""
Unit = tuple[Piece | None, Piece | None]
"""Two pieces of one size that share chunks, or one beside padding (None)."""


@dataclass(frozen=True)
class Packing:
    """K steps of segments: per step its segments, each (width in registers, two units)."""

    steps: list[list[tuple[int, Unit, Unit]]]

    @property
    def loads(self) -> int:
        """Loads per group: one per segment, and one for a register that a step leaves
        empty (it still gathers, a padding slot's input)."""
        empty = sum(_REGISTERS - _width(step) for step in self.steps if _width(step) > 2)
        last = _width(self.steps[-1]) if self.steps else 2
        return sum(len(step) for step in self.steps) + empty + (last == 1)

    def permutation(self) -> list[int]:
        """The column (or padding) of each slot: lane t of a segment at register J0 puts
        point ``2 (J - J0) + i`` of its piece in slot ``8J + 2t + i``."""
        slots: list[int] = []
        for step in self.steps:
            block = [PADDING] * (32 if _width(step) > 2 else 16)
            first = 0
            for width, *units in step:
                for t in range(4):
                    piece = units[t // 2][t % 2]
                    for j in range(width):
                        for i in range(2):
                            if piece is not None:
                                block[8 * (first + j) + 2 * t + i] = piece[2 * j + i]
                first += width
            slots += block
        return slots


def sparse_orders(gemm: TiledGemm) -> list[tuple[TiledGemm, Conversion]]:
    """`gemm` widened to whole runs, and to pieces at the halo's phase and at phase 0
    (pairs as they are, or widened to half-runs), each with its 2:4 conversion: the K
    orders that the kernel search ranks (module docstring)."""
    orders = [convert_runs(gemm)]
    for phase, policy in _options(gemm):
        start = time.perf_counter()
        sizes, points = covering_pieces(gemm, phase, policy)
        wide = widen_to(gemm, points, phase)
        slots = _pack(_units(wide, sizes)).permutation()
        orders.append((wide, slot_conversion(gemm, wide, slots, start, "pieces")))
    return orders


def dense_orders(gemm: TiledGemm) -> list[TiledGemm]:
    """`gemm`'s columns in whole runs, and in pieces at the halo's phase and at phase 0:
    the dense K orders that the kernel search ranks. Any piece may be split, so the
    leftovers of each size split into smaller pieces until only the last segment, of
    pairs, has lanes without a piece, and all padding comes last."""
    orders = [order_dense_runs(gemm)]
    for phase, policy in _options(gemm):
        sizes, points = covering_pieces(gemm, phase, policy)
        wide = widen_to(gemm, points, phase)
        slots = _fill(_dense_units(sizes)).permutation()
        real = [slot for slot in slots if slot != PADDING]
        assert slots[: len(real)] == real  # padding only at the end
        orders.append(wide.select(real))
    return orders


Policy = Literal["pairs", "halves"]


def _options(gemm: TiledGemm) -> list[tuple[int, Policy]]:
    """The phases and piece policies tried: the halo's phase and phase 0, pieces as fine
    as pairs or as half-runs."""
    phases = dict.fromkeys([gemm.halo[-1] % RUN, 0])
    policies: tuple[Policy, ...] = ("pairs", "halves")
    return list(itertools.product(phases, policies))


def covering_pieces(
    gemm: TiledGemm, phase: int, policy: Policy = "pairs"
) -> tuple[list[int], npt.NDArray[np.int64]]:
    """The aligned pieces that cover `gemm`'s inputs at `phase`: per row and aligned run,
    the run where all of its pairs are read, else its half-runs with both pairs read and
    its other read pairs ("pairs"), or the half-runs of those ("halves": fewer loads where
    a step would otherwise keep a register empty). Returns each piece's size and all their
    points (piece after piece)."""
    read: dict[tuple[tuple[int, ...], int], int] = {}
    for row in gemm.inputs.tolist():
        aligned = row[-1] + phase
        key = (tuple(row[:-1]), aligned // RUN)
        read[key] = read.get(key, 0) | 1 << (aligned % RUN // 2)
    sizes: list[int] = []
    points: list[npt.NDArray[np.int64]] = []
    for (outer, run), mask in sorted(read.items()):
        for offset, size in _split_mask(mask, policy):
            start = np.array([*outer, RUN * run + offset - phase], dtype=np.int64)
            step = np.zeros(gemm.dims, dtype=np.int64)
            step[-1] = 1
            sizes.append(size)
            points.append(start + np.outer(np.arange(size), step))
    return sizes, np.concatenate(points)


def _split_mask(mask: int, policy: Policy) -> list[tuple[int, int]]:
    """(offset, size) of the pieces of a run whose read pairs are the bits of `mask`."""
    if mask == 0b1111:
        return [(0, RUN)]
    pieces: list[tuple[int, int]] = []
    for half in (0, 1):
        bits = mask >> (2 * half) & 0b11
        if bits == 0b11 or (bits and policy == "halves"):
            pieces.append((4 * half, 4))
        else:
            pieces += [(4 * half + 2 * q, 2) for q in (0, 1) if bits >> q & 1]
    return pieces


def _units(wide: TiledGemm, sizes: Sequence[int]) -> dict[int, list[Unit]]:
    """Per piece size, the pieces paired into units (those without a partner beside
    padding)."""
    starts = np.cumsum([0, *sizes])
    units: dict[int, list[Unit]] = {}
    for size in SIZES:
        pieces = [list(range(s, s + size)) for s, z in zip(starts, sizes) if z == size]
        if not pieces:
            continue
        counts = chunk_counts(wide, np.array(pieces))
        units[size] = [(pieces[a], None if b is None else pieces[b]) for a, b in pair_runs(counts)]
    return units


def _dense_units(sizes: Sequence[int]) -> dict[int, list[Unit]]:
    """Pieces as units of a dense order, where any two share a segment's lane pair: the
    pieces of each size in fours (two units), what is left of a size split into pieces of
    the next size, and a last segment of pairs that may lack some."""
    starts = np.cumsum([0, *sizes]).tolist()
    pending: list[Piece] = []
    units: dict[int, list[Unit]] = {}
    for size in SIZES:
        pieces = pending + [list(range(s, s + z)) for s, z in zip(starts, sizes) if z == size]
        whole = len(pieces) // 4 * 4 if size > SIZES[-1] else len(pieces)
        lanes: list[Piece | None] = [*pieces[:whole], *[None] * (-whole % 4)]
        units[size] = [(lanes[u], lanes[u + 1]) for u in range(0, len(lanes), 2)]
        half = size // 2
        pending = [p[lo : lo + half] for p in pieces[whole:] for lo in (0, half)]
    return units


def _pack(units: dict[int, list[Unit]]) -> Packing:
    """The packing with the fewest steps, then loads, over the splits of up to three units
    of each size into their halves."""
    best: Packing | None = None
    for runs, halves in itertools.product(range(4), repeat=2):
        split = _split(units, runs, halves)
        if split is None:
            continue
        packing = _fill(split)
        if best is None or (len(packing.steps), packing.loads) < (len(best.steps), best.loads):
            best = packing
    assert best is not None  # splitting nothing is always possible
    return best


def _split(units: dict[int, list[Unit]], runs: int, halves: int) -> dict[int, list[Unit]] | None:
    """`units` with `runs` run units, then `halves` half-run units, split in two (padded
    units first); None where there are not that many."""
    result = {size: list(group) for size, group in units.items()}
    for size, count in ((8, runs), (4, halves)):
        group = sorted(result.get(size, []), key=lambda unit: unit[1] is not None)
        if count > len(group):
            return None
        result[size] = group[count:]
        result.setdefault(size // 2, [])
        result[size // 2] += [half for unit in group[:count] for half in _halves(unit)]
    return result


def _halves(unit: Unit) -> list[Unit]:
    """The two units of a unit's first and second halves (each still fits one chunk)."""
    first, second = unit
    assert first is not None  # a unit's first piece is real
    half = len(first) // 2
    return [
        (first[lo : lo + half], None if second is None else second[lo : lo + half])
        for lo in (0, half)
    ]


def _fill(units: dict[int, list[Unit]]) -> Packing:
    """Segments (two units of a size; an odd one out beside an empty unit) packed into
    steps of 4 registers, widest first."""
    segments: list[tuple[int, Unit, Unit]] = []
    for size in SIZES:
        group = units.get(size, [])
        for u in range(0, len(group), 2):
            second = group[u + 1] if u + 1 < len(group) else (None, None)
            segments.append((size // 2, group[u], second))
    steps: list[list[tuple[int, Unit, Unit]]] = []
    for segment in segments:
        room = [s for s in steps if _width(s) + segment[0] <= _REGISTERS]
        if room:
            room[0].append(segment)
        else:
            steps.append([segment])
    return Packing(steps)


def _width(step: Sequence[tuple[int, Unit, Unit]]) -> int:
    return sum(width for width, *_ in step)
