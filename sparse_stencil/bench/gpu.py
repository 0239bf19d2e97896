"""Timing on a GPU: CUDA events around queued launches, and the device's copy bandwidth.

**Method.** A kernel is timed on device buffers that both start as the input grid (the
launcher's ping-pong, :func:`~sparse_stencil.runtime.launcher.launch_steps`): ``warmup``
untimed runs, then ``repeats`` runs, each of the launches of ``steps`` steps (a fused
kernel's ``steps // k`` launches and a remainder kernel's) queued between two CUDA events;
a run's time is the events' elapsed time. The benchmark reports the median run.

**Bandwidth.** :meth:`Gpu.bandwidth` copies a 1 GiB buffer device to device
(``cuMemcpyDtoD``) between events, the same way (one warm-up, median of five); the copy
reads and writes every byte, so the bandwidth is ``2 x bytes / seconds``. A stencil step
at best reads and writes each point once, so its DRAM roofline is
``bandwidth / (2 x element bytes)`` points per second.

**cuDNN.** :class:`TorchConv` steps the grid with PyTorch's ``conv1d``/``conv2d``/``conv3d``
(cuDNN) in the storage dtype (float32 as TF32, PyTorch's default for convolutions): the
unpadded convolution of the stencil's weights is the interior, written into the other
buffer, whose boundary band holds the input's.
"""

from __future__ import annotations

import importlib
import statistics
import subprocess
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from sparse_stencil.bench.errors import BenchError
from sparse_stencil.compiler import Kernel, to_device_bits
from sparse_stencil.dtypes import StorageType
from sparse_stencil.runtime import launcher
from sparse_stencil.stencil import Stencil

COPY_BYTES = 1 << 30
"""The buffer :meth:`Gpu.bandwidth` copies."""
COPY_REPEATS = 5
_SMI_FIELDS = "name,driver_version,clocks.sm,clocks.mem,clocks.max.sm,clocks.max.mem"


class Gpu:
    """The current CUDA device through pycuda; raises
    :class:`~sparse_stencil.runtime.RuntimeUnavailable` where there is none."""

    def __init__(self) -> None:
        self._driver = launcher.pycuda_driver()
        self._cuda: Any = importlib.import_module("pycuda.driver")

    def describe(self) -> dict[str, Any]:
        """The device, its clocks, the driver and the library versions."""
        cuda = self._cuda
        device = cuda.Context.get_device()
        attribute = cuda.device_attribute
        major, minor = device.compute_capability()
        memory_khz = device.get_attribute(attribute.MEMORY_CLOCK_RATE)
        bus_bits = device.get_attribute(attribute.GLOBAL_MEMORY_BUS_WIDTH)
        pycuda: Any = importlib.import_module("pycuda")
        return {
            "name": device.name(),
            "compute_capability": f"sm_{major}{minor}",
            "multiprocessors": device.get_attribute(attribute.MULTIPROCESSOR_COUNT),
            "memory_bytes": device.total_memory(),
            "sm_clock_khz": device.get_attribute(attribute.CLOCK_RATE),
            "memory_clock_khz": memory_khz,
            "memory_bus_bits": bus_bits,
            "theoretical_gb_per_s": 2 * memory_khz * 1e3 * bus_bits / 8 / 1e9,
            "driver_version": cuda.get_driver_version(),
            "pycuda": pycuda.VERSION_TEXT,
            "pycuda_cuda_version": ".".join(map(str, cuda.get_version())),
            "nvidia_smi": _nvidia_smi(),
            **_torch_versions(),
        }

    def bandwidth(self) -> dict[str, float]:
        """The device-to-device copy bandwidth (see the module docstring)."""
        cuda = self._cuda
        first, second = cuda.mem_alloc(COPY_BYTES), cuda.mem_alloc(COPY_BYTES)
        try:
            seconds = self._events(
                lambda: cuda.memcpy_dtod_async(second, first, COPY_BYTES), 1, COPY_REPEATS
            )
        finally:
            first.free()
            second.free()
        median = statistics.median(seconds)
        return {"bytes": COPY_BYTES, "seconds": median, "gb_per_s": 2 * COPY_BYTES / median / 1e9}

    def step(
        self, kernel: Kernel, x: npt.NDArray[np.float64], steps: int
    ) -> npt.NDArray[np.float64]:
        """`steps` steps of `kernel` from `x` on the device (for the check)."""
        return np.asarray(kernel.run(x, steps), dtype=np.float64)

    def time(
        self, kernel: Kernel, x: npt.NDArray[np.float64], steps: int, warmup: int, repeats: int
    ) -> list[float]:
        """Seconds of each timed run of `steps` steps (see the module docstring)."""
        driver = self._driver
        bits = np.ascontiguousarray(to_device_bits(kernel.storage.round(x), kernel.storage))
        first, second = driver.alloc(bits.nbytes), driver.alloc(bits.nbytes)
        try:
            driver.copy_in(first.pointer, bits, None)
            driver.copy_in(second.pointer, bits, None)
            for fused, _ in kernel.launches(steps):
                driver.function(fused)  # loaded before the timing
            buffers = (first.pointer, second.pointer)
            return self._events(
                lambda: launcher.launch_all(kernel, buffers, steps, None, driver),
                warmup,
                repeats,
            )
        finally:
            first.free()
            second.free()

    def _events(self, work: Callable[[], object], warmup: int, repeats: int) -> list[float]:
        """Seconds of each of `repeats` runs of `work`, after `warmup` untimed ones."""
        cuda = self._cuda
        for _ in range(warmup):
            work()
        cuda.Context.synchronize()
        seconds: list[float] = []
        for _ in range(repeats):
            start, end = cuda.Event(), cuda.Event()
            start.record()
            work()
            end.record()
            end.synchronize()
            seconds.append(start.time_till(end) / 1000)
        return seconds


class TorchConv:
    """The cuDNN baseline (see the module docstring); raises :class:`BenchError` without
    PyTorch or without CUDA in it."""

    def __init__(self) -> None:
        self.torch: Any = _import_torch()

    def step(
        self, stencil: Stencil, storage: StorageType, x: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        """One step from `x`, as a float64 grid."""
        torch = self.torch
        source = self._tensor(storage, x)
        target = source.clone()
        self._step(stencil, source, target, self._weights(stencil, storage))
        torch.cuda.synchronize()
        return target.double().cpu().numpy()

    def time(
        self,
        stencil: Stencil,
        storage: StorageType,
        x: npt.NDArray[np.float64],
        steps: int,
        warmup: int,
        repeats: int,
    ) -> list[float]:
        """Seconds of each timed run of `steps` steps, measured with CUDA events."""
        torch = self.torch
        source = self._tensor(storage, x)
        target = source.clone()
        weights = self._weights(stencil, storage)

        def run() -> None:
            current, following = source, target
            for _ in range(steps):
                self._step(stencil, current, following, weights)
                current, following = following, current

        for _ in range(warmup):
            run()
        torch.cuda.synchronize()
        seconds: list[float] = []
        for _ in range(repeats):
            start = torch.cuda.Event(enable_timing=True)
            end = torch.cuda.Event(enable_timing=True)
            start.record()
            run()
            end.record()
            end.synchronize()
            seconds.append(start.elapsed_time(end) / 1000)
        return seconds

    def _tensor(self, storage: StorageType, x: npt.NDArray[np.float64]) -> Any:
        torch = self.torch
        dtype = getattr(torch, storage.name)
        return torch.from_numpy(storage.round(x)).to(device="cuda", dtype=dtype)

    def _weights(self, stencil: Stencil, storage: StorageType) -> Any:
        """The stencil's weights cropped to its radius on each axis, as a conv filter."""
        radius = stencil.radius
        crop = tuple(slice(radius - r, radius + r + 1) for r in stencil.radii)
        weights = np.ascontiguousarray(stencil.weights()[crop])
        dtype = getattr(self.torch, storage.name)
        return self.torch.from_numpy(weights).to(device="cuda", dtype=dtype)[None, None]

    def _step(self, stencil: Stencil, source: Any, target: Any, weights: Any) -> None:
        convolve = getattr(self.torch.nn.functional, f"conv{stencil.dims}d")
        interior = tuple(slice(r, n - r) for r, n in zip(stencil.radii, source.shape, strict=True))
        target[interior] = convolve(source[None, None], weights)[0, 0]


def _import_torch() -> Any:
    try:
        torch: Any = importlib.import_module("torch")
    except ImportError as error:
        raise BenchError(
            f"the cudnn baseline needs PyTorch, which cannot be imported ({error})"
        ) from error
    if not torch.cuda.is_available():
        raise BenchError("the cudnn baseline needs PyTorch with CUDA: torch.cuda sees no GPU")
    return torch


def _torch_versions() -> dict[str, Any]:
    """PyTorch's and cuDNN's versions, where PyTorch imports."""
    try:
        torch: Any = importlib.import_module("torch")
    except ImportError:
        return {"torch": None, "cudnn": None}
    return {"torch": torch.__version__, "cudnn": torch.backends.cudnn.version()}


def _nvidia_smi() -> str | None:
    """nvidia-smi's line for the devices (current and maximum clocks), where it runs."""
    try:
        completed = subprocess.run(
            ["nvidia-smi", f"--query-gpu={_SMI_FIELDS}", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return f"{_SMI_FIELDS}: {completed.stdout.strip()}" if completed.returncode == 0 else None
