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
step); every segment costs one load per group.

:func:`convert_pieces` compares the whole-run conversion with the pieces at the halo's
phase and at phase 0, each packed with the splits that need the fewest steps, and keeps
the one with the fewest steps plus loads (then the fewest steps, then no lead).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sparse_stencil.layout.matching import PADDING, Conversion, lower_bound
from sparse_stencil.layout.morphing import TiledGemm
from sparse_stencil.layout.runs import RUN, convert_runs, pair_runs
from sparse_stencil.sparsity import TWO_FOUR

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

    @property
    def slots(self) -> int:
        """K slots: 32 per step, 16 for a last step of 2 registers."""
        return sum(32 if _width(step) > 2 else 16 for step in self.steps)

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


def convert_pieces(gemm: TiledGemm) -> tuple[TiledGemm, Conversion]:
    """`gemm` widened to the pieces of its best K order, and that order's 2:4 conversion
    (module docstring)."""
    start = time.perf_counter()
    wide, runs = convert_runs(gemm)
    steps = -(-len(runs.permutation) // 32)  # one 16-byte load per lane and step
    options: list[tuple[tuple[int, int, int], TiledGemm, list[int]]] = [
        (_score(steps, steps, 0), wide, list(runs.permutation))
    ]
    for phase, pairs in itertools.product(dict.fromkeys([gemm.halo[-1] % RUN, 0]), (True, False)):
        pieces, points = covering_pieces(gemm, phase, pairs)
        widened = _widen(gemm, points, phase)
        packing = _pack(_units(widened, pieces))
        lead = (gemm.halo[-1] - phase) % RUN
        steps = len(packing.steps)
        options.append((_score(steps, packing.loads, lead), widened, packing.permutation()))
    _, chosen, slots = min(options, key=lambda option: option[0])
    return chosen, Conversion(
        sparsity=TWO_FOUR,
        permutation=tuple(slots),
        k_before=chosen.k,
        lower_bound=lower_bound(gemm.row_masks(), TWO_FOUR),
        method="pieces",
        seconds=time.perf_counter() - start,
    )


def _score(steps: int, loads: int, lead: int) -> tuple[int, int, int]:
    """The ranking of a K order: MMAs plus loads per group, then MMAs, then a lead."""
    return (steps + loads, steps, int(lead > 0))


def covering_pieces(
    gemm: TiledGemm, phase: int, pairs: bool = True
) -> tuple[list[int], npt.NDArray[np.int64]]:
    """The aligned pieces that cover `gemm`'s inputs at `phase`: per row and aligned run,
    the run where all of its pairs are read, else its half-runs with both pairs read and
    its other read pairs, or without `pairs` the half-runs of those (fewer loads where a
    step would otherwise keep a register empty). Returns each piece's size and all their
    points (piece after piece)."""
    read: dict[tuple[tuple[int, ...], int], int] = {}
    for row in gemm.inputs.tolist():
        aligned = row[-1] + phase
        key = (tuple(row[:-1]), aligned // RUN)
        read[key] = read.get(key, 0) | 1 << (aligned % RUN // 2)
    sizes: list[int] = []
    points: list[npt.NDArray[np.int64]] = []
    for (outer, run), mask in sorted(read.items()):
        for offset, size in _split_mask(mask, pairs):
            start = np.array([*outer, RUN * run + offset - phase], dtype=np.int64)
            step = np.zeros(gemm.dims, dtype=np.int64)
            step[-1] = 1
            sizes.append(size)
            points.append(start + np.outer(np.arange(size), step))
    return sizes, np.concatenate(points)


def _split_mask(mask: int, pairs: bool) -> list[tuple[int, int]]:
    """(offset, size) of the pieces of a run whose read pairs are the bits of `mask`."""
    if mask == 0b1111:
        return [(0, RUN)]
    pieces: list[tuple[int, int]] = []
    for half in (0, 1):
        bits = mask >> (2 * half) & 0b11
        if bits == 0b11 or (bits and not pairs):
            pieces.append((4 * half, 4))
        else:
            pieces += [(4 * half + 2 * q, 2) for q in (0, 1) if bits >> q & 1]
    return pieces


def _widen(gemm: TiledGemm, points: npt.NDArray[np.int64], phase: int) -> TiledGemm:
    """`gemm` with one column per point of `points` (a zero column where it reads nothing),
    assuming the tile origin's `phase`."""
    index = {tuple(point): k for k, point in enumerate(gemm.inputs.tolist())}
    matrix = np.zeros((gemm.m, len(points)))
    for j, point in enumerate(points.tolist()):
        k = index.get(tuple(point))
        if k is not None:
            matrix[:, j] = gemm.matrix[:, k]
    return TiledGemm(gemm.tile, gemm.halo, gemm.outputs, points, matrix, phase=phase)


def _units(wide: TiledGemm, sizes: Sequence[int]) -> dict[int, list[Unit]]:
    """Per piece size, the pieces paired into units (those without a partner beside
    padding)."""
    starts = np.cumsum([0, *sizes])
    nonzero = (wide.matrix != 0).astype(np.int64)
    units: dict[int, list[Unit]] = {}
    for size in SIZES:
        pieces = [list(range(s, s + size)) for s, z in zip(starts, sizes) if z == size]
        if not pieces:
            continue
        per_point = nonzero[:, np.array(pieces)]  # (m, pieces, size)
        counts = (per_point[:, :, 0::2] + per_point[:, :, 1::2]).transpose(1, 0, 2)
        units[size] = [(pieces[a], None if b is None else pieces[b]) for a, b in pair_runs(counts)]
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
    size = len(next(piece for piece in unit if piece is not None))
    return [
        tuple(None if p is None else p[lo : lo + size // 2] for p in unit)  # type: ignore[misc]
        for lo in (0, size // 2)
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
