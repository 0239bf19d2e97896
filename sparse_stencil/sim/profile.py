"""The instruction profile of a launch: what the warps executed and what it cost in memory.

:attr:`~sparse_stencil.sim.machine.RunStats.profile` maps each key below to a count.

Warp-instruction classes. A warp counts once for an instruction each time the scheduler
issues that instruction with at least one of its lanes present, whether its guard predicate
is true or false in those lanes (a predicated-off instruction is still issued on hardware);
a warp diverged over two paths counts once per path. The synthetic end of the kernel counts
nothing.

* ``mma``: ``mma`` and ``mma.sp``;
* ``ldmatrix``;
* ``ld.shared``, ``st.shared``, ``ld.global``, ``st.global``: by the state space written on
  the instruction (``.global.nc`` included);
* ``ld.const``: loads from ``.const``, ``.param`` and ``.local``;
* ``ld.generic``, ``st.generic``: loads and stores without a state space (their traffic
  counts by the space their addresses fall in);
* ``int``: integer arithmetic, logic and bit-field instructions, predicate logic, ``mov``,
  ``setp`` and ``selp`` of any type, ``cvta``, and ``cvt`` between integer types;
* ``float``: arithmetic on a float type, and ``cvt`` with a float (or tf32) side;
* ``control``: ``bra``, ``ret``, ``exit``;
* ``barrier``: ``bar.sync``/``barrier.sync``, ``bar.warp.sync``, ``membar``, ``fence``;
* ``other``: everything else (``shfl``, ``vote``, ``st.local``).

Memory traffic, counted over active lanes (guard true) only:

* ``global.load_bytes``, ``global.store_bytes``: bytes loaded from and stored to global
  memory (each lane's access size; an access that does not reach global memory counts zero);
* ``bank_conflicts``: extra shared-memory wavefronts (below) of ``ld``/``st`` to shared memory
  (``.shared`` or a generic address in the shared window) and of ``ldmatrix``.

Shared-memory bank model: 32 banks of 4 bytes; 4-byte word ``w`` lies in bank ``w mod 32``.
A warp's access of ``s`` bytes per lane is served in phases: one phase of all 32 lanes for
``s <= 4``, two of 16 lanes (0-15, 16-31) for ``s = 8``, four of 8 lanes for ``s = 16``.
``ldmatrix`` reads each 8x8 matrix (8 rows of 16 bytes, from the addresses of lanes 8j to
8j + 7) in a phase of its own. In a phase each bank serves its distinct words one per
wavefront (lanes reading the same word share it: a broadcast), so the phase takes the largest
number of distinct words of any bank; its conflicts are that number minus one. An
instruction's conflicts are the sum over its phases and warps.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from sparse_stencil.sim.operands import FLOAT_TYPES
from sparse_stencil.sim.ptx_parser import TYPE_BITS, Instruction

IndexArray = npt.NDArray[np.intp]
U64Array = npt.NDArray[np.uint64]

CLASSES = (
    "mma",
    "ldmatrix",
    "ld.shared",
    "st.shared",
    "ld.global",
    "st.global",
    "ld.const",
    "ld.generic",
    "st.generic",
    "int",
    "float",
    "control",
    "barrier",
    "other",
)
"""The warp-instruction classes, in the order the module docstring describes them."""
TRAFFIC = ("global.load_bytes", "global.store_bytes", "bank_conflicts")
"""The memory-traffic keys of the profile."""
BANKS = 32
BANK_BYTES = 4

_BY_OPCODE = {
    "mma": "mma",
    "ldmatrix": "ldmatrix",
    **dict.fromkeys(("bra", "ret", "exit"), "control"),
    **dict.fromkeys(("bar", "barrier", "membar", "fence"), "barrier"),
    **dict.fromkeys(("shfl", "vote"), "other"),
    **dict.fromkeys(("mov", "setp", "selp", "cvta"), "int"),
}
"""Opcodes whose class does not depend on their modifiers."""
_LOADS = {
    "shared": "ld.shared",
    "shared::cta": "ld.shared",
    "global": "ld.global",
    "const": "ld.const",
    "param": "ld.const",
    "local": "ld.const",
}
_STORES = {"shared": "st.shared", "shared::cta": "st.shared", "global": "st.global"}


def instruction_class(ins: Instruction) -> str:
    """The profile class of a decoded (hence supported) instruction."""
    if ins.opcode in _BY_OPCODE:
        return _BY_OPCODE[ins.opcode]
    if ins.opcode in ("ld", "st"):
        space = next((m for m in ins.modifiers if m in _LOADS), None)
        if space is None:
            return f"{ins.opcode}.generic"
        return (_LOADS if ins.opcode == "ld" else _STORES).get(space, "other")
    floats = [m for m in ins.modifiers if m in TYPE_BITS and m in FLOAT_TYPES]
    return "float" if floats else "int"


def lanes_per_phase(size: int) -> int:
    """Lanes served together by the shared-memory banks for an access of `size` bytes each."""
    return 32 if size <= BANK_BYTES else 32 * BANK_BYTES // size


def bank_conflicts(addresses: U64Array, warp: IndexArray, lane: IndexArray, size: int) -> int:
    """Extra wavefronts of one shared-memory instruction (the module's bank model).

    `addresses` are the shared-memory byte addresses of the accessing lanes (active, guard
    true), `warp` and `lane` each one's warp (any distinct ids) and lane (0-31; the lane
    within the ldmatrix address group for ldmatrix); each lane reads or writes `size` bytes.
    """
    if addresses.size == 0:
        return 0
    words_per_lane = max(1, size // BANK_BYTES)
    phases = 32 // lanes_per_phase(size)
    group = warp.astype(np.int64) * phases + lane // lanes_per_phase(size)
    first_word = (addresses // np.uint64(BANK_BYTES)).astype(np.int64)
    words = first_word[:, None] + np.arange(words_per_lane)
    # one key per (phase, word); the same word twice in a phase is one broadcast read
    keys = np.unique((np.repeat(group, words_per_lane) << 32) | words.reshape(-1))
    bank_keys = (keys >> 32) * BANKS + (keys & 0xFFFFFFFF) % BANKS
    per_bank, depth = np.unique(bank_keys, return_counts=True)
    phase_of = per_bank // BANKS
    starts = np.flatnonzero(np.r_[True, phase_of[1:] != phase_of[:-1]])
    return int((np.maximum.reduceat(depth, starts) - 1).sum())
