"""Running a compiled :class:`~sparse_stencil.compiler.Kernel` on a GPU through pycuda.

:func:`run` is what :meth:`Kernel.run <sparse_stencil.compiler.Kernel.run>` calls. A host
array (anything numpy takes) is rounded to the storage type, copied in, stepped and copied
out; a device array (:mod:`~sparse_stencil.runtime.arrays`) is stepped in place, with no
host round trip. Steps ping-pong between two buffers that both start as the grid, so the
boundary band, which no step writes, is in both; after an odd number of steps the result is
in the scratch buffer and is copied back into the caller's array.

The CUDA work goes through a :class:`Driver`; :func:`pycuda_driver` is the real one, and
tests drive the launcher with a fake. Modules are loaded once per kernel and CUDA context.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Generator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol
from weakref import WeakKeyDictionary

import numpy as np
import numpy.typing as npt

from sparse_stencil.compiler import from_device_bits, to_device_bits
from sparse_stencil.errors import StencilError
from sparse_stencil.layout.morphing import format_tile
from sparse_stencil.runtime.arrays import DeviceArray, device_array, is_device_array
from sparse_stencil.runtime.errors import (
    DeviceArrayError,
    DriverError,
    LaunchError,
    RuntimeUnavailable,
)

if TYPE_CHECKING:
    from sparse_stencil.compiler import Kernel

Dim3 = tuple[int, int, int]
INSTALL_HINT = (
    "install the gpu extra: pip install 'sparse-stencil[gpu]' (builds pycuda against the "
    "CUDA toolkit: see README)"
)


class Buffer(Protocol):
    """Device memory that the launcher allocated."""

    @property
    def pointer(self) -> int:
        """Its device address."""
        ...

    def free(self) -> None:
        """Release it (after the work queued on it: freeing synchronizes)."""
        ...


class Driver(Protocol):
    """The CUDA operations the launcher needs; each raises :class:`DriverError`."""

    def check_stream(self, stream: object) -> None:
        """Raise :class:`StencilError` unless `stream` is a stream of this driver or None."""
        ...

    def current_device(self) -> int:
        """The ordinal of the current context's device."""
        ...

    def synchronize(self, stream: object) -> None:
        """Wait for `stream`, or for the whole context when it is None."""
        ...

    def function(self, kernel: Kernel) -> object:
        """The kernel's entry, its module loaded once per context."""
        ...

    def alloc(self, nbytes: int) -> Buffer:
        """`nbytes` of device memory."""
        ...

    def copy_in(self, pointer: int, host: npt.NDArray[Any], stream: object) -> None:
        """Copy `host` to `pointer`."""
        ...

    def copy_out(self, host: npt.NDArray[Any], pointer: int, stream: object) -> None:
        """Copy from `pointer` into `host`."""
        ...

    def copy(self, destination: int, source: int, nbytes: int, stream: object) -> None:
        """Copy `nbytes` on the device."""
        ...

    def launch(
        self, function: object, launch: tuple[Dim3, Dim3], args: tuple[int, int], stream: object
    ) -> None:
        """Launch `function` on (grid, block) with the two grid pointers `args`."""
        ...


def run(
    kernel: Kernel, x: Any, steps: int = 1, stream: Any = None, driver: Driver | None = None
) -> Any:
    """Apply `kernel` `steps` times to the grid `x` on the GPU; see :meth:`Kernel.run`.

    Host in, host out: a numpy array of the storage dtype (bfloat16 as float32 holding the
    bfloat16 values). Device in: the same object, updated in place. `stream` is a
    ``pycuda.driver.Stream`` or None (the default stream); a host run waits for it before
    returning, a device run does not. `driver` defaults to :func:`pycuda_driver`.
    """
    if steps < 0:
        raise StencilError(f"steps must be >= 0, got {steps}")
    if is_device_array(x):
        view = device_array(x, kernel.shape, kernel.storage)
        _run_device(kernel, view, steps, stream, driver or pycuda_driver())
        return x
    bits = _device_bits(kernel, x)
    _run_host(kernel, bits, steps, stream, driver or pycuda_driver())
    if kernel.storage.name == "bfloat16":
        return from_device_bits(bits, kernel.storage).astype(np.float32)
    return bits


def launch_steps(
    driver: Driver,
    function: object,
    launch: tuple[Dim3, Dim3],
    buffers: tuple[int, int],
    steps: int,
    stream: object,
) -> int:
    """Queue `steps` launches ping-ponging between `buffers` (each launch reads the first
    and writes the second, then they swap); returns the buffer holding the last step."""
    current, following = buffers
    for _ in range(steps):
        driver.launch(function, launch, (current, following), stream)
        current, following = following, current
    return current


def launch_all(
    kernel: Kernel, buffers: tuple[int, int], steps: int, stream: object, driver: Driver
) -> int:
    """Queue the launches of `steps` steps (:meth:`~sparse_stencil.compiler.Kernel.launches`:
    fused launches, then a remainder kernel's); returns the buffer holding the result."""
    for fused, launches in kernel.launches(steps):
        last = launch_steps(driver, driver.function(fused), fused.launch, buffers, launches, stream)
        buffers = (last, buffers[1] if last == buffers[0] else buffers[0])
    return buffers[0]


def _device_bits(kernel: Kernel, x: Any) -> npt.NDArray[Any]:
    """The host grid `x` rounded to the storage type, as the kernel reads it."""
    grid = np.asarray(x, dtype=np.float64)
    if grid.shape != kernel.shape:
        raise StencilError(
            f"the kernel was compiled for a {format_tile(kernel.shape)} grid, got "
            f"{format_tile(grid.shape) if grid.ndim else 'a scalar'}"
        )
    return np.ascontiguousarray(to_device_bits(kernel.storage.round(grid), kernel.storage))


def _run_host(
    kernel: Kernel, bits: npt.NDArray[Any], steps: int, stream: object, driver: Driver
) -> None:
    """Step the host grid `bits` on the device: copied into both buffers, stepped, and the
    result copied back into `bits`."""
    driver.check_stream(stream)
    with _naming(kernel):
        first, second = driver.alloc(bits.nbytes), driver.alloc(bits.nbytes)
        try:
            driver.copy_in(first.pointer, bits, stream)
            driver.copy_in(second.pointer, bits, stream)
            last = launch_all(kernel, (first.pointer, second.pointer), steps, stream, driver)
            driver.copy_out(bits, last, stream)
            driver.synchronize(stream)
        finally:
            first.free()
            second.free()


def _run_device(
    kernel: Kernel, view: DeviceArray, steps: int, stream: object, driver: Driver
) -> None:
    driver.check_stream(stream)
    with _naming(kernel):
        current = view.device if view.device is None else driver.current_device()
        if view.device != current:
            raise DeviceArrayError(
                f"the device array is on GPU {view.device} but the current CUDA context is on "
                f"GPU {current}: make GPU {view.device} current first (torch.cuda.set_device"
                f"({view.device}), cupy.cuda.Device({view.device}).use())"
            )
        if view.stream is not None:
            driver.synchronize(None)  # the producer's stream may still write the array
        if steps == 0:
            return
        scratch = driver.alloc(view.nbytes)
        try:
            driver.copy(scratch.pointer, view.pointer, view.nbytes, stream)
            last = launch_all(kernel, (view.pointer, scratch.pointer), steps, stream, driver)
            if last != view.pointer:
                driver.copy(view.pointer, last, view.nbytes, stream)
        finally:
            scratch.free()


@contextmanager
def _naming(kernel: Kernel) -> Generator[None]:
    """Turn a :class:`DriverError` into a :class:`LaunchError` naming `kernel`'s launch."""
    try:
        yield
    except DriverError as error:
        grid, block = kernel.launch
        raise LaunchError(
            f"CUDA failed running kernel '{kernel.entry}' ({kernel.arch}, grid {grid}, block "
            f"{block}, {format_tile(kernel.shape)} {kernel.storage.name}): {error}"
        ) from error


@functools.cache
def pycuda_driver() -> Driver:
    """The pycuda driver, initialised once, on the current CUDA context or else on the
    primary context of device 0 (``CUDA_DEVICE`` picks another), as CuPy and PyTorch use.

    Raises :class:`RuntimeUnavailable` without pycuda, the CUDA driver or a GPU.
    """
    cuda = _import_pycuda()
    try:
        cuda.init()
    except cuda.Error as error:
        raise RuntimeUnavailable(
            f"the CUDA driver found no usable GPU ({error}): run on a machine with an NVIDIA "
            "GPU (check nvidia-smi and CUDA_VISIBLE_DEVICES)"
        ) from error
    if cuda.Context.get_current() is None:
        importlib.import_module("pycuda.autoprimaryctx")
    return PycudaDriver(cuda)


def _import_pycuda() -> Any:
    try:
        return importlib.import_module("pycuda.driver")
    except ModuleNotFoundError as error:
        if error.name not in ("pycuda", "pycuda.driver"):
            raise RuntimeUnavailable(
                f"pycuda cannot be imported ({error}): {INSTALL_HINT}"
            ) from error
        raise RuntimeUnavailable(f"pycuda is not installed: {INSTALL_HINT}") from error
    except ImportError as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise RuntimeUnavailable(
            f"pycuda is installed but cannot load the CUDA driver library libcuda.so.1 "
            f"({first}): run on a machine with an NVIDIA GPU and its driver"
        ) from error


@dataclass(frozen=True)
class _Allocation:
    allocation: Any
    """A ``pycuda.driver.DeviceAllocation``."""

    @property
    def pointer(self) -> int:
        return int(self.allocation)

    def free(self) -> None:
        self.allocation.free()


class PycudaDriver:
    """:class:`Driver` on ``pycuda.driver`` (`cuda`); launches take the kernel's two
    pointers as a prepared ``"PP"`` call."""

    def __init__(self, cuda: Any) -> None:
        self._cuda = cuda
        self._modules: WeakKeyDictionary[Kernel, dict[int, tuple[Any, Any]]] = WeakKeyDictionary()

    @contextmanager
    def _errors(self) -> Generator[None]:
        try:
            yield
        except self._cuda.Error as error:
            raise DriverError(str(error)) from error

    def check_stream(self, stream: object) -> None:
        """See :meth:`Driver.check_stream`."""
        if stream is not None and not isinstance(stream, self._cuda.Stream):
            raise StencilError(
                f"stream must be a pycuda.driver.Stream or None, got {type(stream).__name__}"
            )

    def current_device(self) -> int:
        """See :meth:`Driver.current_device`."""
        cuda = self._cuda
        with self._errors():
            bus = cuda.Context.get_device().pci_bus_id()
            ordinals = range(cuda.Device.count())
            return next(i for i in ordinals if cuda.Device(i).pci_bus_id() == bus)

    def synchronize(self, stream: object) -> None:
        """See :meth:`Driver.synchronize`."""
        with self._errors():
            if stream is None:
                self._cuda.Context.synchronize()
            else:
                self._cuda.Stream.synchronize(stream)

    def function(self, kernel: Kernel) -> object:
        """See :meth:`Driver.function`."""
        with self._errors():
            loaded = self._modules.setdefault(kernel, {})
            context = int(self._cuda.Context.get_current().handle)
            if context not in loaded:
                module = self._cuda.module_from_buffer(kernel.ptx.encode() + b"\0")
                entry = module.get_function(kernel.entry)
                entry.prepare("PP")
                loaded[context] = (module, entry)
            return loaded[context][1]

    def alloc(self, nbytes: int) -> Buffer:
        """See :meth:`Driver.alloc`."""
        with self._errors():
            return _Allocation(self._cuda.mem_alloc(nbytes))

    def copy_in(self, pointer: int, host: npt.NDArray[Any], stream: object) -> None:
        """See :meth:`Driver.copy_in`."""
        with self._errors():
            self._cuda.memcpy_htod_async(pointer, host, stream)

    def copy_out(self, host: npt.NDArray[Any], pointer: int, stream: object) -> None:
        """See :meth:`Driver.copy_out`."""
        with self._errors():
            self._cuda.memcpy_dtoh_async(host, pointer, stream)

    def copy(self, destination: int, source: int, nbytes: int, stream: object) -> None:
        """See :meth:`Driver.copy`."""
        with self._errors():
            self._cuda.memcpy_dtod_async(destination, source, nbytes, stream)

    def launch(
        self, function: object, launch: tuple[Dim3, Dim3], args: tuple[int, int], stream: object
    ) -> None:
        """See :meth:`Driver.launch`."""
        grid, block = launch
        with self._errors():
            prepared: Any = function
            prepared.prepared_async_call(grid, block, stream, *args)
