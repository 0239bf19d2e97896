"""The executor: launches a grid of thread blocks of a parsed PTX kernel on numpy buffers.

Blocks run in batches (by default up to `BATCH_THREADS` threads at once); every instruction
is executed for all threads of a batch together, vectorised with numpy. Registers are arrays
of shape (threads,), predicates bool arrays. Global memory is the numpy arrays passed as
arguments, updated in place; each block has its own zero-filled shared memory and each thread
its own zero-filled local memory.

Control flow: while all live threads are at the same instruction the batch runs in *uniform*
mode (one program counter). A branch whose predicate differs between threads switches to
*divergent* mode: each thread has its own program counter and the scheduler always runs the
threads at the smallest one. Threads of an if/else or a loop therefore re-converge at the
first instruction after it (its immediate post-dominator in the usual layout), where the
batch returns to uniform mode. ``bar.sync`` holds each thread until every live thread of the
batch (hence of its block) has arrived; threads that exited count as arrived. Warp-collective
instructions (``ldmatrix``, ``mma``, ``shfl.sync``, ``vote.sync``, ``bar.warp.sync``) require
all 32 lanes of each warp that executes them to execute them together; anything else is
refused with a clear error, as is a ``bar.sync`` that only part of the threads execute. A
thread that spins waiting for a thread at a later instruction (no barrier between them) is
not modelled: min-PC scheduling never lets the later one run, and the launch stops at
`max_steps` naming the line where it was still running.

Blocks of one batch run in lockstep and batches run one after the other: a valid schedule
for a CUDA grid, whose blocks may not synchronise with each other. A launch may run only some
blocks of its grid (``blocks=``), e.g. to profile one interior block; the others are skipped
and ``%nctaid`` still gives the whole grid.

Every launch returns :class:`RunStats`, with the instruction profile of
:mod:`sparse_stencil.sim.profile`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeGuard

import numpy as np
import numpy.typing as npt

from sparse_stencil.sim.errors import (
    PtxExecutionError,
    PtxLaunchError,
    PtxMemoryError,
    PtxParseError,
    ThreadFault,
)
from sparse_stencil.sim.instructions import decode, refuse_calls
from sparse_stencil.sim.memory import (
    GLOBAL_BASE,
    AccessFault,
    FlatSpace,
    Memory,
    PrivateSpace,
    align_up,
    byte_view,
)
from sparse_stencil.sim.operands import FLOAT_TYPES, DecodeContext, Op, OpKind, container_of
from sparse_stencil.sim.profile import CLASSES, TRAFFIC
from sparse_stencil.sim.ptx_parser import TYPE_BITS, Kernel, Module, Param, Variable, parse_ptx

Dims = tuple[int, int, int]
IndexArray = npt.NDArray[np.intp]
MAX_THREADS_PER_BLOCK = 1024
MAX_STEPS = 2_000_000
"""Default limit on scheduling steps per batch, so that a runaway loop ends in an error."""
BATCH_THREADS = 16384
"""Default number of threads run together (whole blocks, at least one)."""
_HOST_FLOATS = {"f16": np.float16, "f32": np.float32, "f64": np.float64}
"""Float types a host value (an initializer, a scalar argument) can be given in."""


def _empty_profile() -> dict[str, int]:
    return dict.fromkeys((*CLASSES, *TRAFFIC), 0)


@dataclass
class RunStats:
    """What one launch executed."""

    blocks: int
    """Blocks executed (the whole grid, or those given as ``blocks=``)."""
    threads_per_block: int
    steps: int = 0
    """Instructions issued by the scheduler, summed over batches (one issue runs all threads
    of the batch that are at that instruction)."""
    counters: dict[str, int] = field(default_factory=dict)
    """Warp-level executions of warp-collective instructions, e.g. ``{"mma.sp": 32}``."""
    profile: dict[str, int] = field(default_factory=_empty_profile)
    """Warp instructions per class and memory traffic, every key of
    :mod:`sparse_stencil.sim.profile` present (zero when nothing counted)."""


class Threads:
    """Geometry of one batch: the special registers of every thread, and their names; the
    warp and lane of every thread."""

    def __init__(self, grid: Dims, block: Dims, linear_blocks: npt.NDArray[np.int64]) -> None:
        per_block = math.prod(block)
        blocks = linear_blocks.size
        local = np.tile(np.arange(per_block, dtype=np.int64), blocks)
        slot = np.repeat(np.arange(blocks, dtype=np.int64), per_block)
        linear_block = linear_blocks[slot]
        self.count = per_block * blocks
        self.per_block = per_block
        self.block_of_thread = slot.astype(np.intp)
        warps_per_block = -(-per_block // 32)
        self.warps = warps_per_block * blocks
        self.warp_of_thread: IndexArray = (slot * warps_per_block + local // 32).astype(np.intp)
        self.lane_of_thread: IndexArray = (local % 32).astype(np.intp)
        self.warp_starts: IndexArray = np.flatnonzero(self.lane_of_thread == 0)
        """Index of each warp's first thread (warps are contiguous runs of threads)."""
        self.tid = _unravel(local, block)
        self.ctaid = _unravel(linear_block, grid)
        special: dict[str, npt.NDArray[np.uint32]] = {}
        for index, axis in enumerate("xyz"):
            special[f"%tid.{axis}"] = self.tid[index].astype(np.uint32)
            special[f"%ctaid.{axis}"] = self.ctaid[index].astype(np.uint32)
            special[f"%ntid.{axis}"] = np.full(self.count, block[index], dtype=np.uint32)
            special[f"%nctaid.{axis}"] = np.full(self.count, grid[index], dtype=np.uint32)
        special["%laneid"] = (local % 32).astype(np.uint32)
        special["%warpid"] = (local // 32).astype(np.uint32)
        self.special = special

    def describe(self, thread: int) -> str:
        tid = tuple(int(axis[thread]) for axis in self.tid)
        ctaid = tuple(int(axis[thread]) for axis in self.ctaid)
        local = thread % self.per_block
        return (
            f"thread ({tid[0]},{tid[1]},{tid[2]}) of block ({ctaid[0]},{ctaid[1]},{ctaid[2]}) "
            f"[warp {local // 32}, lane {local % 32}]"
        )


def _unravel(linear: npt.NDArray[np.int64], dims: Dims) -> list[npt.NDArray[np.int64]]:
    x = linear % dims[0]
    y = (linear // dims[0]) % dims[1]
    z = linear // (dims[0] * dims[1])
    return [x, y, z]


@dataclass
class State:
    """What instructions act on: registers, special registers and memory of one batch."""

    regs: list[np.ndarray]
    threads: Threads
    memory: Memory
    profile: dict[str, int]
    """The launch's :attr:`RunStats.profile`, where memory instructions add their traffic."""

    @property
    def count(self) -> int:
        return self.threads.count

    @property
    def special(self) -> dict[str, npt.NDArray[np.uint32]]:
        return self.threads.special


# ---------------------------------------------------------------------------------------------
# Loaded program
# ---------------------------------------------------------------------------------------------


@dataclass
class _KernelImage:
    kernel: Kernel
    ops: list[Op]
    param_offsets: list[int]
    param_bytes: int
    static_shared: int
    dynamic_shared_offset: int | None
    local_bytes: int


class Program:
    """A parsed PTX module, ready to launch its kernels (each decoded on first launch).

    Module ``.global`` variables keep their contents from one launch to the next, as in a
    loaded CUDA module; ``.const`` variables hold their initial values.
    """

    def __init__(self, ptx: str) -> None:
        self.module: Module = parse_ptx(ptx)
        self._globals: list[tuple[Variable, np.ndarray]] = [
            (v, _initial_bytes(v)) for v in self.module.variables if v.space == "global"
        ]
        self.const_space = FlatSpace("const", 0)
        symbols: dict[str, tuple[str, int]] = {}
        for variable in self.module.variables:
            if variable.space == "const":
                address = self.const_space.allocate(
                    _initial_bytes(variable),
                    f".const variable '{variable.name}'",
                    False,
                    variable.align,
                )
                symbols[variable.name] = ("const", address)
        # every launch allocates the .global variables first, so their addresses are fixed
        regions = self._global_space().regions
        for (variable, _), region in zip(self._globals, regions, strict=True):
            symbols[variable.name] = ("global", region.base)
        self._module_symbols = symbols
        self._images: dict[str, _KernelImage] = {}

    @property
    def has_globals(self) -> bool:
        """Whether the module has ``.global`` variables (state kept between launches)."""
        return bool(self._globals)

    def image(self, name: str) -> _KernelImage:
        """Kernel `name`, decoded on first use (so one kernel outside the subset does not
        stop the others of its module from running)."""
        if name not in self._images:
            self._images[name] = self._decode(self.module.kernel(name))
        return self._images[name]

    def _decode(self, kernel: Kernel) -> _KernelImage:
        symbols = dict(self._module_symbols)
        param_offsets, param_bytes = _place(kernel.params, "param", symbols)
        shared = [v for v in self.module.variables if v.space == "shared"] + kernel.shared
        _, static_shared = _place([v for v in shared if v.count is not None], "shared", symbols)
        unsized = [v for v in shared if v.count is None]
        dynamic_offset: int | None = None
        if unsized:
            dynamic = unsized[-1]  # the last .extern .shared array is the one given an address
            dynamic_offset = align_up(static_shared, max(dynamic.align, 16))
            symbols[dynamic.name] = ("shared", dynamic_offset)
        _, local_bytes = _place(kernel.local, "local", symbols)
        context = DecodeContext(kernel, symbols)
        refuse_calls(context)
        ops = [decode(context, instruction) for instruction in kernel.body]
        ops.append(
            Op(kernel.body[-1].line if kernel.body else kernel.line, "end of kernel", OpKind.EXIT)
        )
        return _KernelImage(
            kernel, ops, param_offsets, param_bytes, static_shared, dynamic_offset, local_bytes
        )

    def launch(
        self,
        kernel: str,
        grid: int | Sequence[int],
        block: int | Sequence[int],
        args: Sequence[Any],
        *,
        shared_bytes: int = 0,
        max_steps: int = MAX_STEPS,
        batch_threads: int = BATCH_THREADS,
        blocks: Sequence[Sequence[int]] | None = None,
    ) -> RunStats:
        """Run `kernel`; see :func:`run_ptx`."""
        image = self.image(kernel)
        grid3 = _dims(grid, "grid")
        block3 = _dims(block, "block")
        per_block = math.prod(block3)
        if per_block > MAX_THREADS_PER_BLOCK:
            raise PtxLaunchError(f"block {block3} has {per_block} threads, more than 1024")
        if shared_bytes and image.dynamic_shared_offset is None:
            raise PtxLaunchError(
                f"shared_bytes={shared_bytes} given but kernel '{kernel}' declares no "
                ".extern .shared array"
            )
        global_space = self._global_space()
        params = self._param_space(image, args, global_space)
        shared_size = (
            image.dynamic_shared_offset + shared_bytes
            if image.dynamic_shared_offset is not None
            else image.static_shared
        )
        selected = _selected_blocks(blocks, grid3)
        stats = RunStats(selected.size, per_block)
        per_batch = max(1, batch_threads // per_block)
        with np.errstate(all="ignore"):
            for first in range(0, selected.size, per_batch):
                threads = Threads(grid3, block3, selected[first : first + per_batch])
                memory = Memory(
                    global_space,
                    self.const_space,
                    params,
                    PrivateSpace("shared", "block", shared_size, threads.block_of_thread),
                    PrivateSpace("local", "thread", image.local_bytes, np.arange(threads.count)),
                )
                regs = [
                    np.zeros(threads.count, dtype=container_of(t))
                    for t in image.kernel.registers.values()
                ]
                state = State(regs, threads, memory, stats.profile)
                _execute(image.ops, state, max_steps, stats)
        return stats

    def _global_space(self) -> FlatSpace:
        """A fresh global space holding the module's ``.global`` variables, first."""
        space = FlatSpace("global", GLOBAL_BASE)
        for variable, data in self._globals:
            space.allocate(
                data, f".global variable '{variable.name}'", True, max(variable.align, 256)
            )
        return space

    def _param_space(
        self, image: _KernelImage, args: Sequence[Any], global_space: FlatSpace
    ) -> FlatSpace:
        params = image.kernel.params
        if not isinstance(args, list | tuple):
            raise PtxLaunchError(
                f"args must be a list or tuple of the kernel's arguments, got {type(args).__name__}"
            )
        if len(args) != len(params):
            names = ", ".join(f".{p.type} {p.name}" for p in params) or "none"
            raise PtxLaunchError(
                f"kernel '{image.kernel.name}' takes {len(params)} arguments ({names}), "
                f"got {len(args)}"
            )
        data = np.zeros(max(image.param_bytes, 1), dtype=np.uint8)
        for index, (param, offset, value) in enumerate(
            zip(params, image.param_offsets, args, strict=True)
        ):
            raw = _param_bytes(index, param, value, global_space)
            data[offset : offset + raw.size] = raw
        space = FlatSpace("param", 0)
        space.allocate(data, "the kernel parameters", False, 1)
        return space


def _place(
    entries: Iterable[Param | Variable], space: str, symbols: dict[str, tuple[str, int]]
) -> tuple[list[int], int]:
    """Lay `entries` out one after the other in `space`, each at its alignment, recording
    their addresses in `symbols`; their offsets, and the bytes they take in all."""
    offsets: list[int] = []
    end = 0
    for entry in entries:
        offset = align_up(end, entry.align)
        offsets.append(offset)
        symbols[entry.name] = (space, offset)
        end = offset + entry.nbytes
    return offsets, end


def _initial_bytes(variable: Variable) -> np.ndarray:
    """The contents of a module variable: its initializer, zero-filled to its size."""
    data = np.zeros(variable.nbytes, dtype=np.uint8)
    if not variable.init:
        return data
    if variable.type in FLOAT_TYPES:
        if variable.type not in _HOST_FLOATS:
            raise PtxParseError(
                f"line {variable.line}: initializers of .{variable.type} variables are not "
                "supported"
            )
        values = np.array(variable.init, dtype=_HOST_FLOATS[variable.type])
    else:
        bits = TYPE_BITS[variable.type]
        values = np.array(
            [int(v) & ((1 << bits) - 1) for v in variable.init], dtype=container_of(variable.type)
        )
    data[: values.nbytes] = values.view(np.uint8)
    return data


def _param_bytes(index: int, param: Param, value: Any, global_space: FlatSpace) -> np.ndarray:
    label = f"argument {index} '{param.name}' (.{param.type})"
    if _is_array(value) and param.count == 1:
        if TYPE_BITS[param.type] != 64 or param.type == "f64":
            raise PtxLaunchError(f"{label}: an array needs a 64-bit integer (pointer) parameter")
        if not value.flags.c_contiguous:
            raise PtxLaunchError(f"{label}: the array must be C-contiguous")
        description = f"argument {index} '{param.name}' ({value.dtype}{list(value.shape)})"
        address = global_space.allocate(byte_view(value), description, value.flags.writeable)
        return np.array([address], dtype=np.uint64).view(np.uint8)
    if param.count > 1:
        raw = (
            np.frombuffer(bytes(value), dtype=np.uint8)
            if isinstance(value, bytes | bytearray)
            else np.asarray(value).reshape(-1).view(np.uint8)
        )
        if raw.size != param.nbytes:
            raise PtxLaunchError(f"{label}: expected {param.nbytes} bytes, got {raw.size}")
        return raw
    if param.type in FLOAT_TYPES:
        numpy_type = _HOST_FLOATS.get(param.type)
        if numpy_type is None or not isinstance(value, int | float | np.number):
            raise PtxLaunchError(f"{label}: expected a number")
        return np.array([value], dtype=numpy_type).view(np.uint8)
    if not _is_int(value):
        raise PtxLaunchError(
            f"{label}: expected an integer or a numpy array, got {type(value).__name__}"
        )
    bits = TYPE_BITS[param.type]
    low, high = (-(1 << (bits - 1)), (1 << bits) - 1)
    if not low <= int(value) <= high:
        raise PtxLaunchError(f"{label}: {value} does not fit in {bits} bits")
    return np.array([int(value) & ((1 << bits) - 1)], dtype=container_of(param.type)).view(np.uint8)


_LIMITS = {"grid": (2**31 - 1, 65535, 65535), "block": (1024, 1024, 64)}
"""CUDA's largest grid and block extents per axis (x, y, z)."""


def _dims(value: int | Sequence[int], what: str) -> Dims:
    """`value` (an int, or 1 to 3 ints, x first) as (x, y, z), checked against CUDA's limits
    (and checked to be ints: callers may pass anything)."""
    dims = (value,) if _is_int(value) else value
    if (
        not isinstance(dims, tuple | list)
        or not 1 <= len(dims) <= 3
        or not all(_is_int(d) and d >= 1 for d in dims)
    ):
        raise PtxLaunchError(f"{what} must be a positive int or 1 to 3 of them, got {value!r}")
    padded = (*(int(d) for d in dims), 1, 1)[:3]
    for axis, size, limit in zip("xyz", padded, _LIMITS[what], strict=True):
        if size > limit:
            raise PtxLaunchError(f"{what} {padded}: {axis} = {size} exceeds CUDA's limit {limit}")
    return (padded[0], padded[1], padded[2])


def _selected_blocks(blocks: Sequence[Sequence[int]] | None, grid: Dims) -> npt.NDArray[np.int64]:
    """Linear indices (x fastest) of the blocks to run, ascending: all of `grid`, or the
    distinct (bx, by, bz) of `blocks`, each checked to lie in the grid."""
    if blocks is None:
        return np.arange(math.prod(grid), dtype=np.int64)
    if not isinstance(blocks, list | tuple) or not blocks:
        raise PtxLaunchError(f"blocks must be a non-empty list of (bx, by, bz), got {blocks!r}")
    linear: set[int] = set()
    for index in blocks:
        if (
            not isinstance(index, tuple | list)
            or len(index) != 3
            or not all(_is_int(i) and 0 <= i < size for i, size in zip(index, grid, strict=True))
        ):
            raise PtxLaunchError(f"block index {index!r} is not an (x, y, z) inside grid {grid}")
        x, y, z = (int(i) for i in index)
        linear.add(x + grid[0] * (y + grid[1] * z))
    if len(linear) != len(blocks):
        raise PtxLaunchError("blocks names a block twice (each block runs at most once)")
    return np.array(sorted(linear), dtype=np.int64)


def _is_int(value: object) -> TypeGuard[int | np.integer[Any]]:
    # guards, as isinstance leaves the type arguments of numpy's generic classes unknown
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


def _is_array(value: object) -> TypeGuard[npt.NDArray[Any]]:
    return isinstance(value, np.ndarray)


# ---------------------------------------------------------------------------------------------
# Scheduling
# ---------------------------------------------------------------------------------------------


def _guarded(op: Op, st: State, mask: npt.NDArray[np.bool_] | None) -> Any:
    if op.guard is None:
        return mask
    predicate = st.regs[op.guard]
    if op.negate:
        predicate = ~predicate
    return predicate if mask is None else predicate & mask


def _count_warps(op: Op, st: State, mask: npt.NDArray[np.bool_] | None) -> None:
    """Profile one issue of `op` to the threads in `mask` (None: all): once per warp that
    has a thread there, whatever the guard says."""
    if op.profile_class is None:
        return
    if mask is None:
        warps = st.threads.warps
    else:
        warps = int(np.count_nonzero(np.logical_or.reduceat(mask, st.threads.warp_starts)))
    st.profile[op.profile_class] += warps


def _fail(op: Op, message: str) -> PtxExecutionError:
    return PtxExecutionError(f"line {op.line}: {op.name}: {message}")


def _run(op: Op, st: State, active: Any, stats: RunStats) -> None:
    if op.collective:
        _check_warps(op, st, active, stats)
    assert op.run is not None
    try:
        op.run(st, active)
    except AccessFault as fault:
        raise PtxMemoryError(
            f"line {op.line}: {op.name}: {fault.message} by {st.threads.describe(fault.thread)}"
        ) from None
    except ThreadFault as fault:
        raise _fail(op, f"{fault.message} in {st.threads.describe(fault.thread)}") from None


def _check_warps(op: Op, st: State, active: Any, stats: RunStats) -> None:
    if st.threads.per_block % 32:
        raise _fail(
            op,
            f"warp-collective instruction in a block of {st.threads.per_block} "
            "threads: the simulator needs whole warps (a multiple of 32)",
        )
    if active is None:
        warps = st.count // 32
    else:
        lanes = active.reshape(-1, 32)
        touched = lanes.any(axis=1)
        partial = touched & ~lanes.all(axis=1)
        if partial.any():
            warp = int(np.argmax(partial))
            missing = np.flatnonzero(~lanes[warp])
            first = warp * 32 + int(np.flatnonzero(lanes[warp])[0])
            raise _fail(
                op,
                f"warp-collective instruction executed by only part of the warp of "
                f"{st.threads.describe(first)}: lanes {_lane_list(missing)} are diverged, "
                "exited or predicated off (the simulator requires the whole warp)",
            )
        warps = int(touched.sum())
    for name, count in op.counters.items():
        stats.counters[name] = stats.counters.get(name, 0) + count * warps


def _lane_list(lanes: npt.NDArray[np.intp]) -> str:
    shown = ", ".join(str(int(lane)) for lane in lanes[:8])
    return shown + (", ..." if lanes.size > 8 else "")


def _check_barrier(op: Op, st: State, executing: Any, arrived: Any) -> None:
    """bar.sync must be executed by every thread that reaches it; and counts must match."""
    if op.barrier_threads is not None and op.barrier_threads != st.threads.per_block:
        raise _fail(
            op,
            f"barrier thread count {op.barrier_threads} differs from the block's "
            f"{st.threads.per_block} threads (partial barriers are not supported)",
        )
    if executing is not None and arrived is not None and not np.array_equal(executing, arrived):
        first = int(np.argmax(arrived & ~executing))
        raise _fail(
            op,
            f"bar.sync is predicated off for {st.threads.describe(first)} but "
            "executed by other threads",
        )


def _execute(ops: list[Op], st: State, max_steps: int, stats: RunStats) -> None:
    """Run one batch to completion."""
    count = st.count
    alive = np.ones(count, dtype=bool)
    all_alive = True
    pc = 0
    pcs: npt.NDArray[np.int64] | None = None
    waiting = np.zeros(count, dtype=bool)
    end = np.int64(len(ops))
    for _ in range(max_steps):
        stats.steps += 1
        if pcs is None:
            op = ops[pc]
            mask = None if all_alive else alive
            _count_warps(op, st, mask)
            active = _guarded(op, st, mask)
            if op.kind is OpKind.NORMAL:
                if active is None or active.any():
                    _run(op, st, active, stats)
                pc += 1
            elif op.kind is OpKind.BRANCH:
                if active is None or np.array_equal(active, alive):
                    pc = op.target
                elif not active.any():
                    pc += 1
                else:
                    pcs = np.full(count, pc + 1, dtype=np.int64)
                    pcs[active] = op.target
            elif op.kind is OpKind.EXIT:
                if active is None:
                    return
                alive &= ~active
                if not alive.any():
                    return
                all_alive = False
                pc += 1
            else:
                if active is None or active.any():
                    _check_barrier(op, st, active, alive if active is not None else None)
                pc += 1
            continue
        runnable = alive & ~waiting
        if not runnable.any():
            if not waiting.any():
                return
            pcs[waiting] += 1  # every live thread arrived: release the barrier
            waiting[:] = False
        else:
            now = int(np.where(runnable, pcs, end).min())
            mask = runnable & (pcs == now)
            op = ops[now]
            _count_warps(op, st, mask)
            active = _guarded(op, st, mask)
            if op.kind is OpKind.NORMAL:
                if active.any():
                    _run(op, st, active, stats)
                pcs[mask] += 1
            elif op.kind is OpKind.BRANCH:
                pcs[mask & ~active] += 1
                pcs[active] = op.target
            elif op.kind is OpKind.EXIT:
                alive &= ~active
                pcs[mask & ~active] += 1
            elif active.any():
                _check_barrier(op, st, active, mask)
                waiting |= mask
            else:
                pcs[mask] += 1  # predicated off for every thread here: no barrier
        if not waiting.any():
            live = pcs[alive]
            if live.size == 0:
                return
            if (live == live[0]).all():
                pc = int(live[0])
                all_alive = bool(alive.all())
                pcs = None
    where = ops[pc if pcs is None else int(pcs[alive].min())].line
    raise PtxExecutionError(
        f"line {where}: kernel did not finish within {max_steps} scheduling steps (a runaway "
        "loop?); raise max_steps if it is just long"
    )


# ---------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=16)
def load(ptx: str) -> Program:
    """Parse and decode `ptx` (cached by text)."""
    return Program(ptx)


def run_ptx(
    ptx: str,
    kernel: str,
    grid: int | Sequence[int],
    block: int | Sequence[int],
    args: Sequence[Any],
    *,
    shared_bytes: int = 0,
    max_steps: int = MAX_STEPS,
    batch_threads: int = BATCH_THREADS,
    blocks: Sequence[Sequence[int]] | None = None,
) -> RunStats:
    """Run the ``.entry`` `kernel` of the PTX text `ptx` on the CPU.

    `grid` and `block` are 1 to 3 sizes (x first), as in a CUDA launch. `args` follow the
    kernel's parameters in order: a numpy array for each pointer parameter (a 64-bit integer
    parameter; the array is global memory and is updated in place, so it must be C-contiguous,
    and read-only arrays fault on a store), a Python number for each scalar, bytes for a
    ``.b8`` array parameter. `shared_bytes` sizes the kernel's ``.extern .shared`` array.
    `blocks`, if given, lists the (bx, by, bz) of the only blocks to run (each once); the
    others are skipped, while ``%nctaid`` still reports `grid`.
    Returns :class:`RunStats`. Raises :class:`~sparse_stencil.sim.errors.PtxParseError` for
    text outside the supported subset, :class:`~sparse_stencil.sim.errors.PtxLaunchError` for
    a launch that does not fit the kernel, and
    :class:`~sparse_stencil.sim.errors.PtxExecutionError` (:class:`PtxMemoryError` for bad
    accesses) for what goes wrong while it runs; all name the PTX line.
    """
    program = load(ptx)
    if program.has_globals:
        program = Program(ptx)  # a fresh copy: .global variables must not leak between calls
    return program.launch(
        kernel,
        grid,
        block,
        args,
        shared_bytes=shared_bytes,
        max_steps=max_steps,
        batch_threads=batch_threads,
        blocks=blocks,
    )
