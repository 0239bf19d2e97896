"""Memory of the PTX simulator: global, const, param, shared and local state spaces, all checked.

Every access is checked as a memory checker would: the whole access must fall inside one
allocation of its state space and be aligned to its size (a ``.v4.f32`` access: 16 bytes).
A bad access raises :class:`AccessFault` naming the thread (its position in the launch batch)
and the allocation it missed, before the instruction writes anything; the executor turns it into a
:class:`~sparse_stencil.sim.errors.PtxMemoryError` with the PTX line and the thread's
``%tid``/``%ctaid``.

Address map (64-bit generic addresses):

* global allocations (kernel arguments, module ``.global`` variables) from ``GLOBAL_BASE`` up,
  each 256-byte aligned with a guard gap of at least 4 KiB between them, so a small overrun
  never lands in a neighbour;
* the shared window ``SHARED_WINDOW`` .. ``+ shared size``: generic = window + shared offset
  (``cvta.shared`` / ``cvta.to.shared``); ``.shared`` addresses are offsets from 0 per block;
* the const window ``CONST_WINDOW``: generic = window + const-bank offset;
* the local window ``LOCAL_WINDOW``: generic = window + local offset (each thread sees its own
  ``.local`` memory at the same addresses);
* ``.param`` addresses are offsets into the kernel's parameter buffer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sparse_stencil.sim.errors import ThreadFault

U64Array = npt.NDArray[np.uint64]
ByteArray = npt.NDArray[np.uint8]
IndexArray = npt.NDArray[np.intp]
StorePart = tuple[ByteArray, IndexArray, ByteArray]
"""A checked piece of a store: (bytes of an allocation, offsets in it, rows to write)."""

GLOBAL_BASE = 0x10_0000_0000
SHARED_WINDOW = 0x1_0000_0000
CONST_WINDOW = 0x2_0000_0000
LOCAL_WINDOW = 0x3_0000_0000
WINDOWS = {"shared": SHARED_WINDOW, "const": CONST_WINDOW, "local": LOCAL_WINDOW}
"""Where each windowed state space appears in the generic address space."""
_WINDOW_SIZE = 0x1_0000_0000
_GUARD = 4096
_NEAR = 1 << 20
"""A miss farther than this from every allocation is not described relative to one."""


class AccessFault(ThreadFault):
    """A bad memory access by thread `thread` (index in the batch); `message` says why."""


@dataclass
class Region:
    """One allocation: `data` is a flat byte view of the backing numpy array."""

    base: int
    data: ByteArray
    description: str
    writable: bool

    @property
    def end(self) -> int:
        return self.base + self.data.size


def align_up(value: int, alignment: int) -> int:
    """The smallest multiple of `alignment` that is at least `value`."""
    return -(-value // alignment) * alignment


def byte_view(array: np.ndarray) -> ByteArray:
    """A flat uint8 view sharing memory with `array` (which must be C-contiguous)."""
    return array.reshape(-1).view(np.uint8)


def _gather(data: ByteArray, offsets: IndexArray, size: int) -> ByteArray:
    return data[offsets[:, None] + np.arange(size)]


def _scatter(data: ByteArray, offsets: IndexArray, values: ByteArray) -> None:
    data[offsets[:, None] + np.arange(values.shape[1])] = values


def _fits(addresses: U64Array, size: int, end: U64Array | np.uint64) -> npt.NDArray[np.bool_]:
    """Whether ``[address, address + size)`` ends at or before `end`, without the uint64
    overflow of ``address + size`` (an address just below 2**64 must not wrap to a small one)."""
    return (addresses <= np.uint64(2**64 - 1 - size)) & (addresses + np.uint64(size) <= end)


def _check_alignment(addresses: U64Array, size: int, threads: IndexArray, space: str) -> None:
    misaligned = (addresses % np.uint64(size)) != 0
    if misaligned.any():
        first = int(np.argmax(misaligned))
        raise AccessFault(
            int(threads[first]),
            f"misaligned {size}-byte access to {space} address {int(addresses[first]):#x}",
        )


class FlatSpace:
    """A state space made of separate allocations (global, const, param)."""

    def __init__(self, name: str, base: int) -> None:
        self.name = name
        self.regions: list[Region] = []
        self._next = base

    def allocate(self, data: ByteArray, description: str, writable: bool, align: int = 256) -> int:
        """Place `data` at the next free aligned address (after a guard gap); its address."""
        base = align_up(self._next, align)
        self.regions.append(Region(base, data, description, writable))
        self._next = base + data.size + (_GUARD if self.name == "global" else 0)
        return base

    def _locate(self, addresses: U64Array, size: int, threads: IndexArray) -> IndexArray:
        """Index of the region holding each access; faults when one holds none."""
        bases = np.array([r.base for r in self.regions], dtype=np.uint64)
        ends = np.array([r.end for r in self.regions], dtype=np.uint64)
        which = np.searchsorted(bases, addresses, side="right").astype(np.intp) - 1
        inside = which >= 0
        clipped = np.maximum(which, 0)
        if bases.size:
            inside &= _fits(addresses, size, ends[clipped])
        else:
            inside[:] = False
        if not inside.all():
            first = int(np.argmin(inside))
            raise AccessFault(int(threads[first]), self._describe_miss(int(addresses[first]), size))
        return clipped

    def _describe_miss(self, address: int, size: int) -> str:
        def distance(region: Region) -> int:
            if region.base <= address < region.end:
                return 0
            return min(abs(address - region.base), abs(address - region.end))

        nearest = min(self.regions, key=distance, default=None)
        if nearest is None or distance(nearest) > _NEAR:
            return (
                f"out-of-bounds {size}-byte access to {self.name} address {address:#x}: "
                "no allocation there"
            )
        if address + size > nearest.end:
            where = f"{address + size - nearest.end} bytes past the end of"
        else:
            where = f"{nearest.base - address} bytes before"
        return (
            f"out-of-bounds {size}-byte access to {self.name} address {address:#x}, "
            f"{where} {nearest.description} ({nearest.data.size} bytes at {nearest.base:#x})"
        )

    def _by_region(
        self, addresses: U64Array, size: int, threads: IndexArray
    ) -> list[tuple[Region, npt.NDArray[np.bool_], IndexArray]]:
        """Check an access of `size` bytes at each address; for each region it touches, which
        accesses fall in it and their offsets in it."""
        _check_alignment(addresses, size, threads, self.name)
        which = self._locate(addresses, size, threads)
        parts: list[tuple[Region, npt.NDArray[np.bool_], IndexArray]] = []
        for index in np.unique(which):
            region = self.regions[int(index)]
            selected = which == index
            offsets = (addresses[selected] - np.uint64(region.base)).astype(np.intp)
            parts.append((region, selected, offsets))
        return parts

    def load(self, addresses: U64Array, size: int, threads: IndexArray) -> ByteArray:
        """Bytes ``[a, a + size)`` for each address: shape (n, size)."""
        result = np.empty((addresses.size, size), dtype=np.uint8)
        for region, selected, offsets in self._by_region(addresses, size, threads):
            result[selected] = _gather(region.data, offsets, size)
        return result

    def plan_store(
        self, addresses: U64Array, values: ByteArray, threads: IndexArray
    ) -> list[StorePart]:
        """Check a store of ``values[i]`` (shape (n, size)) at ``addresses[i]``; what to write."""
        parts: list[StorePart] = []
        for region, selected, offsets in self._by_region(addresses, values.shape[1], threads):
            if not region.writable:
                first = int(np.argmax(selected))
                raise AccessFault(int(threads[first]), f"store to read-only {region.description}")
            parts.append((region.data, offsets, values[selected]))
        return parts


class PrivateSpace:
    """A state space with a copy per owner, zero-filled: `size` bytes for each block
    (``.shared``, `owner` = "block") or each thread (``.local``, `owner` = "thread");
    `owner_of_thread` maps a thread of the batch to its copy."""

    def __init__(self, name: str, owner: str, size: int, owner_of_thread: IndexArray) -> None:
        self.name = name
        self.owner = owner
        self.size = size
        copies = int(owner_of_thread.max()) + 1 if owner_of_thread.size else 0
        self.data = np.zeros(size * copies, dtype=np.uint8)
        self.owner_of_thread = owner_of_thread

    def _offsets(self, addresses: U64Array, size: int, threads: IndexArray) -> IndexArray:
        _check_alignment(addresses, size, threads, self.name)
        outside = ~_fits(addresses, size, np.uint64(self.size))
        if outside.any():
            first = int(np.argmax(outside))
            address = int(addresses[first])
            raise AccessFault(
                int(threads[first]),
                f"out-of-bounds {size}-byte access to {self.name} address {address:#x}: the "
                f"{self.owner} has {self.size} bytes of {self.name} memory",
            )
        return self.owner_of_thread[threads] * self.size + addresses.astype(np.intp)

    def load(self, addresses: U64Array, size: int, threads: IndexArray) -> ByteArray:
        return _gather(self.data, self._offsets(addresses, size, threads), size)

    def plan_store(
        self, addresses: U64Array, values: ByteArray, threads: IndexArray
    ) -> list[StorePart]:
        return [(self.data, self._offsets(addresses, values.shape[1], threads), values)]


class Memory:
    """All state spaces of one batch of blocks, and generic addressing over them."""

    def __init__(
        self,
        global_space: FlatSpace,
        const: FlatSpace,
        param: FlatSpace,
        shared: PrivateSpace,
        local: PrivateSpace,
    ) -> None:
        self.spaces: dict[str, FlatSpace | PrivateSpace] = {
            "global": global_space,
            "const": const,
            "param": param,
            "shared": shared,
            "local": local,
        }

    def load(self, space: str, addresses: U64Array, size: int, threads: IndexArray) -> ByteArray:
        if space != "generic":
            return self.spaces[space].load(addresses, size, threads)
        result = np.empty((addresses.size, size), dtype=np.uint8)
        for target, selected, local in self._split_generic(addresses):
            result[selected] = self.spaces[target].load(local, size, threads[selected])
        return result

    def store(
        self, space: str, addresses: U64Array, values: ByteArray, threads: IndexArray
    ) -> None:
        """Write ``values[i]`` at ``addresses[i]`` (later threads win), after checking all."""
        if space != "generic":
            parts = self.spaces[space].plan_store(addresses, values, threads)
        else:
            parts = [
                part
                for target, selected, local in self._split_generic(addresses)
                for part in self.spaces[target].plan_store(
                    local, values[selected], threads[selected]
                )
            ]
        for data, offsets, chunk in parts:
            _scatter(data, offsets, chunk)

    @staticmethod
    def split(space: str, addresses: U64Array) -> list[tuple[str, npt.NDArray[np.bool_], U64Array]]:
        """(space, which accesses, addresses in that space) for each space that accesses in
        `space` reach: `space` itself, or those a generic access falls in."""
        if space != "generic":
            return [(space, np.ones(addresses.shape, dtype=bool), addresses)]
        return Memory._split_generic(addresses)

    @staticmethod
    def _split_generic(
        addresses: U64Array,
    ) -> list[tuple[str, npt.NDArray[np.bool_], U64Array]]:
        """(space, which accesses, addresses in that space) for each space hit."""
        parts: list[tuple[str, npt.NDArray[np.bool_], U64Array]] = []
        rest = np.ones(addresses.shape, dtype=bool)
        for name, window in WINDOWS.items():
            selected = (addresses >= window) & (addresses < window + _WINDOW_SIZE)
            rest &= ~selected
            if selected.any():
                parts.append((name, selected, addresses[selected] - np.uint64(window)))
        if rest.any():
            parts.append(("global", rest, addresses[rest]))
        return parts

    @staticmethod
    def to_generic(space: str, addresses: U64Array) -> U64Array:
        """``cvta.<space>``: a state-space address as a generic one."""
        return addresses + np.uint64(WINDOWS.get(space, 0))

    @staticmethod
    def from_generic(space: str, addresses: U64Array) -> U64Array:
        """``cvta.to.<space>``: a generic address as a state-space one."""
        return addresses - np.uint64(WINDOWS.get(space, 0))
