"""B gathers: how the lanes of a tensor-core kernel load their B registers from shared memory.

A B register holds one 32-bit element or two 16-bit ones. A 16-bit register is *whole* when
its two elements are neighbours at a 4-byte boundary for every thread and group of the
block: one 32-bit load fills it; otherwise two 16-bit loads and a pack do. Whole registers
whose words follow each other load together: 2 as one 8-byte load, 4 as one 16-byte load,
where the first word is 8 or 16 bytes aligned for every thread and group
(:mod:`sparse_stencil.layout.runs` orders K to make them so). Two dense K16 steps load
together where that takes fewer loads (a 16-byte load spanning both): a *round* is the steps
whose registers load together, each round's loads issued before its first MMA.

Every thread's offsets come from the fragment table (:mod:`~sparse_stencil.kernel.tables`);
the tiles' bases from the thread table; the groups add the geometry's group shift.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sparse_stencil.kernel.geometry import WARP, Geometry
from sparse_stencil.kernel.instruction import MmaInstruction
from sparse_stencil.kernel.tables import OFFSET_WORD
from sparse_stencil.sim.profile import bank_conflicts

_WIDTHS = (4, 2)
"""Registers of the vector loads tried, widest first."""


@dataclass(frozen=True)
class Load:
    """One gather of a lane: `width` whole registers from register `first` on as one shared
    load of ``4 * width`` bytes, or, with width 0, register `first` as two 16-bit loads and
    a pack."""

    first: int
    width: int

    @property
    def registers(self) -> int:
        """Registers the gather fills."""
        return max(self.width, 1)

    @property
    def instructions(self) -> int:
        """Warp-instructions it issues per group: a load, or two loads and a pack."""
        return 1 if self.width else 3

    @property
    def addresses(self) -> int:
        """Addresses it needs: one per load."""
        return 1 if self.width else 2


@dataclass(frozen=True)
class Round:
    """K steps whose B registers load together, and the loads that fill them (over the
    steps' registers in order)."""

    steps: tuple[int, ...]
    loads: tuple[Load, ...]

    @property
    def instructions(self) -> int:
        """Warp-instructions of the gathers of one group."""
        return sum(load.instructions for load in self.loads)

    @property
    def widest(self) -> int:
        """Registers of the widest load."""
        return max(load.width for load in self.loads)

    def aligned_to(self, alignment: int) -> Round:
        """The loads a block whose tiles and rows are only `alignment` bytes aligned can
        issue: wider loads split, and 16-bit pairs fall apart below 4 bytes."""
        loads: list[Load] = []
        for load in self.loads:
            width = min(load.width, alignment // 4)
            loads += [
                Load(load.first + i * max(width, 1), width)
                for i in range(load.registers // max(width, 1))
            ]
        return Round(self.steps, tuple(loads))


def register_count(step: MmaInstruction) -> int:
    """B registers of one K step."""
    elements = len(step.b_rows(0))
    return elements // 2 if step.element_bytes == 2 else elements


def register_element(step: MmaInstruction, register: int) -> int:
    """The first B element (index into :meth:`~MmaInstruction.b_rows`) of a register."""
    return 2 * register if step.element_bytes == 2 else register


def gather_rounds(
    steps: Sequence[MmaInstruction],
    geometry: Geometry,
    fragments: npt.NDArray[np.int32],
    tile_bases: npt.NDArray[np.int64],
) -> list[Round]:
    """The rounds of a kernel's K steps and their loads (module docstring)."""
    bases = _bases(geometry, tile_bases)
    lanes = np.arange(len(tile_bases)) % WARP  # the bases of one or more blocks of threads
    registers = [
        _registers(step, bases, fragments[s, lanes, OFFSET_WORD:].astype(np.int64))
        for s, step in enumerate(steps)
    ]
    rounds: list[Round] = []
    s = 0
    while s < len(steps):
        alone = _loads(bases, *registers[s])
        if _pairable(steps, s):
            offsets = np.concatenate([registers[s][0], registers[s + 1][0]], axis=1)
            whole = registers[s][1] + registers[s + 1][1]
            together = _loads(bases, offsets, whole)
            if len(together) < len(alone) + len(_loads(bases, *registers[s + 1])):
                rounds.append(Round((s, s + 1), tuple(together)))
                s += 2
                continue
        rounds.append(Round((s,), tuple(alone)))
        s += 1
    return rounds


def _pairable(steps: Sequence[MmaInstruction], s: int) -> bool:
    """Whether steps s and s + 1 are dense 16-bit steps, which a 16-byte load may span."""
    return (
        s + 1 < len(steps)
        and not steps[s].sparse
        and not steps[s + 1].sparse
        and steps[s].element_bytes == 2
    )


def _bases(geometry: Geometry, tile_bases: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """(threads, groups): each thread's B tile base in shared memory for each group."""
    shift = geometry.group_shift * geometry.shared_strides[0] * geometry.element_bytes
    return tile_bases[:, None] + shift * np.arange(geometry.block.groups)


def _registers(
    step: MmaInstruction, bases: npt.NDArray[np.int64], offsets: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], list[bool]]:
    """Per thread and register of one step, the offset of its first element; and per
    register whether it is whole."""
    count = register_count(step)
    first = offsets[:, [register_element(step, r) for r in range(count)]]
    if step.element_bytes == 4:
        return first, [True] * count
    whole = [
        bool((offsets[:, 2 * r + 1] - offsets[:, 2 * r] == 2).all())
        and bool(((bases + offsets[:, [2 * r]]) % 4 == 0).all())
        for r in range(count)
    ]
    return first, whole


def _loads(
    bases: npt.NDArray[np.int64], offsets: npt.NDArray[np.int64], whole: list[bool]
) -> list[Load]:
    """Loads for registers of `offsets` (threads x registers), widest first, left to right."""
    loads: list[Load] = []
    r = 0
    while r < len(whole):
        width = 1 if whole[r] else 0
        for wide in _WIDTHS:
            if width and _vector(bases, offsets, whole, r, wide):
                width = wide
                break
        loads.append(Load(r, width))
        r += max(width, 1)
    return loads


def _vector(
    bases: npt.NDArray[np.int64],
    offsets: npt.NDArray[np.int64],
    whole: list[bool],
    first: int,
    width: int,
) -> bool:
    """Whether registers first..first + width - 1 are whole, consecutive words, the first
    ``4 * width`` bytes aligned, for every thread and group."""
    if first + width > len(whole) or not all(whole[first : first + width]):
        return False
    span = offsets[:, first : first + width] - offsets[:, [first]]
    consecutive = bool((span == 4 * np.arange(width)).all())
    return consecutive and bool(((bases + offsets[:, [first]]) % (4 * width) == 0).all())


def offset_words(rounds: Sequence[Round], steps: Sequence[MmaInstruction]) -> list[list[int]]:
    """Per K step, the B elements whose offsets the kernel loads from the fragment table:
    the first element of each of its loads (both elements of a split register)."""
    needed: list[list[int]] = [[] for _ in steps]
    for round_ in rounds:
        for load in round_.loads:
            s, elements = load_elements(round_, steps, load)
            needed[s] += elements
    return needed


def load_elements(
    round_: Round, steps: Sequence[MmaInstruction], load: Load
) -> tuple[int, list[int]]:
    """The step a load of a round reads for, and the B elements whose offsets address it:
    the first element of its first register, or both elements of a split register."""
    register = load.first
    for s in round_.steps:
        count = register_count(steps[s])
        if register < count:
            element = register_element(steps[s], register)
            return s, [element] if load.width else [element, element + 1]
        register -= count
    raise IndexError(load.first)


def gather_conflicts(
    rounds: Sequence[Round],
    steps: Sequence[MmaInstruction],
    geometry: Geometry,
    fragments: npt.NDArray[np.int32],
    tile_bases: npt.NDArray[np.int64],
) -> int:
    """Bank conflicts of the B gathers of one group of every warp of a block over all K
    steps (the other groups are the same shifted by a multiple of the pitch), in the
    simulator's bank model (:func:`~sparse_stencil.sim.profile.bank_conflicts`), all
    gathers of one size counted in one call as if each were a warp of its own."""
    warps = geometry.block.warps
    tiles = tile_bases[: warps * WARP].reshape(warps, WARP)
    by_size: dict[int, list[npt.NDArray[np.int64]]] = {}
    for round_ in rounds:
        for load in round_.loads:
            s, elements = load_elements(round_, steps, load)
            size = 4 * load.width if load.width else 2
            for e in elements:
                by_size.setdefault(size, []).append(
                    tiles + fragments[s, :, OFFSET_WORD + e].astype(np.int64)
                )
    total = 0
    for size, addresses in by_size.items():
        gathers = np.concatenate(addresses)
        warp = np.repeat(np.arange(len(gathers)), WARP)
        lane = np.tile(np.arange(WARP), len(gathers))
        total += bank_conflicts(gathers.reshape(-1).astype(np.uint64), warp, lane, size)
    return total
