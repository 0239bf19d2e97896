"""What steps a rank's blocks and moves their values: the float64 reference, the PTX
simulator, or the GPU.

An :class:`Engine` holds blocks in its own arrays: host float64 arrays (of values that the
storage type represents) for the reference and the simulator, CuPy device arrays of the
storage type's bits for the GPU. Halo boxes travel as the storage type's bits (2 bytes a
point for float16 and bfloat16, 4 for float32), the bytes a GPU run sends. Each engine
compiles one kernel per block shape it is asked to step (``compile(..., cache=True)``).

The GPU engine hands MPI device buffers directly when the MPI library is CUDA-aware
(:func:`cuda_aware`), and stages them through host arrays otherwise.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from sparse_stencil.compiler import Kernel, Path, Sparsity, from_device_bits, to_device_bits
from sparse_stencil.compiler import compile as compile_kernel
from sparse_stencil.dtypes import StorageType, storage_type
from sparse_stencil.errors import StencilError
from sparse_stencil.reference import reference
from sparse_stencil.runtime.errors import RuntimeUnavailable
from sparse_stencil.stencil import Stencil

Grid = npt.NDArray[np.float64]
Region = tuple[slice, ...]


class Engine(Protocol):
    """Blocks in the engine's arrays, stepped and copied box by box."""

    storage: StorageType

    def prepare(self, shapes: Sequence[tuple[int, ...]]) -> None:
        """Get ready to step blocks of `shapes` (compile their kernels)."""
        ...

    def load(self, values: Grid) -> Any:
        """An engine block holding `values`, rounded to the storage type."""
        ...

    def unload(self, block: Any) -> Grid:
        """A block's values, as a host float64 array."""
        ...

    def step(self, block: Any, steps: int) -> Any:
        """`block` after `steps` steps (its fixed band held at its own edges)."""
        ...

    def cut(self, block: Any, region: Region) -> Any:
        """A new, contiguous block holding `region` of `block`."""
        ...

    def paste(self, block: Any, region: Region, values: Any) -> None:
        """Write the engine block `values` into `region` of `block`."""
        ...

    def pack(self, block: Any, region: Region) -> Any:
        """`region` of `block` as a contiguous buffer of storage bits that MPI can send."""
        ...

    def receive_buffer(self, shape: Sequence[int]) -> Any:
        """An empty buffer of storage bits that MPI can receive `shape` points into."""
        ...

    def unpack(self, block: Any, region: Region, buffer: Any) -> None:
        """Write a received `buffer` into `region` of `block`."""
        ...


class HostEngine:
    """Blocks as host float64 arrays; `step` is left to subclasses."""

    def __init__(self, stencil: Stencil, dtype: str) -> None:
        self.stencil = stencil
        self.storage = storage_type(dtype)

    def prepare(self, shapes: Sequence[tuple[int, ...]]) -> None:
        """Nothing to prepare: see :meth:`Engine.prepare`."""

    def load(self, values: Grid) -> Grid:
        return self.storage.round(values)

    def unload(self, block: Grid) -> Grid:
        return block.copy()

    def cut(self, block: Grid, region: Region) -> Grid:
        return block[region].copy()

    def paste(self, block: Grid, region: Region, values: Grid) -> None:
        block[region] = values

    def pack(self, block: Grid, region: Region) -> npt.NDArray[Any]:
        return np.ascontiguousarray(to_device_bits(block[region], self.storage))

    def receive_buffer(self, shape: Sequence[int]) -> npt.NDArray[Any]:
        return np.empty(tuple(shape), dtype=to_device_bits(np.zeros(1), self.storage).dtype)

    def unpack(self, block: Grid, region: Region, buffer: npt.NDArray[Any]) -> None:
        block[region] = from_device_bits(buffer, self.storage)


class ReferenceEngine(HostEngine):
    """Steps with the float64 reference (:func:`sparse_stencil.reference`): exact, and the
    same float64 operations per point as on one rank, so equal to it bit for bit."""

    def step(self, block: Grid, steps: int) -> Grid:
        return reference(self.stencil, block, steps, self.storage)


class KernelCache:
    """One compiled kernel per block shape, compiled on first use (and kept on disk)."""

    def __init__(
        self, stencil: Stencil, dtype: str, arch: str, sparsity: Sparsity, path: Path
    ) -> None:
        self._compile = functools.partial(
            compile_kernel, stencil, dtype=dtype, arch=arch, sparsity=sparsity, path=path
        )
        self._kernels: dict[tuple[int, ...], Kernel] = {}

    def __call__(self, shape: Sequence[int]) -> Kernel:
        shape = tuple(shape)
        if shape not in self._kernels:
            self._kernels[shape] = self._compile(shape, cache=True)
        return self._kernels[shape]

    @property
    def kernels(self) -> tuple[Kernel, ...]:
        """The kernels compiled so far."""
        return tuple(self._kernels.values())


class EmulateEngine(HostEngine):
    """Steps with the compiled kernels, run on the PTX simulator (:meth:`Kernel.emulate`)."""

    def __init__(self, stencil: Stencil, dtype: str, kernels: KernelCache) -> None:
        super().__init__(stencil, dtype)
        self.kernels = kernels

    def prepare(self, shapes: Sequence[tuple[int, ...]]) -> None:
        for shape in shapes:
            self.kernels(shape)

    def step(self, block: Grid, steps: int) -> Grid:
        return self.kernels(block.shape).emulate(block, steps)


class GpuEngine:
    """Blocks as CuPy device arrays of storage bits, stepped in place by
    :meth:`Kernel.run`. With `cuda_aware` MPI reads and writes the device buffers; without,
    each box is copied to a host buffer before sending and from one after receiving."""

    def __init__(self, stencil: Stencil, dtype: str, kernels: KernelCache, cuda_aware: bool):
        try:
            import cupy  # pyright: ignore[reportMissingImports]
        except ImportError:
            raise RuntimeUnavailable(
                "the distributed GPU path keeps blocks in CuPy arrays: pip install cupy-cuda12x"
            ) from None
        self._cupy: Any = cupy
        self.stencil = stencil
        self.storage = storage_type(dtype)
        self.kernels = kernels
        self.cuda_aware = cuda_aware

    def prepare(self, shapes: Sequence[tuple[int, ...]]) -> None:
        for shape in shapes:
            self.kernels(shape)

    def load(self, values: Grid) -> Any:
        return self._cupy.asarray(to_device_bits(self.storage.round(values), self.storage))

    def unload(self, block: Any) -> Grid:
        return from_device_bits(self._cupy.asnumpy(block), self.storage)

    def step(self, block: Any, steps: int) -> Any:
        return self.kernels(block.shape).run(block, steps)

    def cut(self, block: Any, region: Region) -> Any:
        return self._cupy.ascontiguousarray(block[region])

    def paste(self, block: Any, region: Region, values: Any) -> None:
        block[region] = values

    def pack(self, block: Any, region: Region) -> Any:
        packed = self._cupy.ascontiguousarray(block[region])
        if not self.cuda_aware:
            return self._cupy.asnumpy(packed)
        # MPI reads the buffer from the host's side: the copy must have finished.
        self._cupy.cuda.get_current_stream().synchronize()
        return packed

    def receive_buffer(self, shape: Sequence[int]) -> Any:
        dtype = to_device_bits(np.zeros(1), self.storage).dtype
        if self.cuda_aware:
            return self._cupy.empty(tuple(shape), dtype=dtype)
        return np.empty(tuple(shape), dtype=dtype)

    def unpack(self, block: Any, region: Region, buffer: Any) -> None:
        block[region] = self._cupy.asarray(buffer)


def make_engine(
    stencil: Stencil,
    dtype: str,
    *,
    emulate: bool,
    use_reference: bool,
    arch: str,
    sparsity: Sparsity,
    path: Path,
    cuda_aware_mpi: bool | None,
) -> Engine:
    """The engine that the flags choose: the reference, the simulator, or the GPU.

    `cuda_aware_mpi` None asks the MPI library (:func:`cuda_aware`)."""
    if emulate and use_reference:
        raise StencilError("choose one of emulate and reference, not both")
    if use_reference:
        return ReferenceEngine(stencil, dtype)
    kernels = KernelCache(stencil, dtype, arch, sparsity, path)
    if emulate:
        return EmulateEngine(stencil, dtype, kernels)
    aware = cuda_aware() if cuda_aware_mpi is None else cuda_aware_mpi
    return GpuEngine(stencil, dtype, kernels, aware)


def cuda_aware(library: str | None = None) -> bool:
    """Whether the MPI library under mpi4py (or the shared `library` at that path) takes
    CUDA device buffers.

    Asks ``MPIX_Query_cuda_support()``, which MPICH and Open MPI export when they were
    built with CUDA (it answers at run time, so it also sees ``MPIR_CVAR_ENABLE_GPU=0``);
    a library without that function is taken not to be CUDA-aware.
    """
    if library is None:
        from mpi4py import MPI

        # The extension module links the MPI library, so its symbols resolve through it.
        library = MPI.__file__
    query = getattr(ctypes.CDLL(library), "MPIX_Query_cuda_support", None)
    if query is None:
        return False
    query.restype = ctypes.c_int
    return bool(query())
