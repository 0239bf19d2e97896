"""Kernel.run and the runtime: device-array checks, the launcher against a fake driver that
runs the PTX on the simulator, every error message, and (where a GPU is) pycuda itself."""

from __future__ import annotations

import importlib.abc
import re
import sys
import types
from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from sparse_stencil import catalog
from sparse_stencil.compiler import Kernel, compile
from sparse_stencil.dtypes import storage_type
from sparse_stencil.errors import StencilError
from sparse_stencil.runtime import (
    DeviceArrayError,
    DriverError,
    LaunchError,
    RuntimeUnavailable,
    launcher,
)
from sparse_stencil.runtime.arrays import contiguous_strides, device_array, is_device_array

SHAPE = (64,)
HOST_DTYPES = {"float16": np.float16, "float32": np.float32, "bfloat16": np.uint16}
TYPESTRS = {"float16": "<f2", "float32": "<f4", "bfloat16": "<u2"}


@pytest.fixture(scope="module", params=["float16", "bfloat16", "float32"])
def kernel(request: pytest.FixtureRequest) -> Kernel:
    return compile(catalog.get("heat-1d"), SHAPE, request.param, assemble=False)


@pytest.fixture(scope="module")
def f16() -> Kernel:
    return compile(catalog.get("heat-1d"), SHAPE, "float16", assemble=False)


def grid(shape: tuple[int, ...] = SHAPE) -> npt.NDArray[np.float64]:
    return np.random.default_rng(1).integers(-8, 9, shape).astype(np.float64)


class FakeBuffer:
    def __init__(self, driver: FakeDriver, pointer: int) -> None:
        self.driver = driver
        self.pointer = pointer

    def free(self) -> None:
        del self.driver.memory[self.pointer]
        self.driver.freed += 1


class FakeDriver:
    """Device memory as numpy byte arrays; a launch runs the PTX on the simulator."""

    def __init__(self, device: int = 0) -> None:
        self.memory: dict[int, npt.NDArray[np.uint8]] = {}
        self.device = device
        self.next = 1 << 20
        self.launches: list[tuple[int, int]] = []
        self.loaded = 0
        self.freed = 0
        self.synchronized: list[object] = []
        self.fail_launch = False

    def put(self, values: npt.NDArray[Any]) -> int:
        pointer = self.alloc(values.nbytes).pointer
        self.memory[pointer][:] = values.reshape(-1).view(np.uint8)
        return pointer

    def check_stream(self, stream: object) -> None:
        if stream is not None and stream != "stream":
            raise StencilError("not a stream")

    def current_device(self) -> int:
        return self.device

    def synchronize(self, stream: object) -> None:
        self.synchronized.append(stream)

    def function(self, kernel: Kernel) -> object:
        self.loaded += 1
        return kernel

    def alloc(self, nbytes: int) -> FakeBuffer:
        pointer, self.next = self.next, self.next + nbytes + 4096
        self.memory[pointer] = np.zeros(nbytes, np.uint8)
        return FakeBuffer(self, pointer)

    def copy_in(self, pointer: int, host: npt.NDArray[Any], stream: object) -> None:
        self.memory[pointer][:] = host.reshape(-1).view(np.uint8)

    def copy_out(self, host: npt.NDArray[Any], pointer: int, stream: object) -> None:
        host.reshape(-1).view(np.uint8)[:] = self.memory[pointer]

    def copy(self, destination: int, source: int, nbytes: int, stream: object) -> None:
        self.memory[destination][:nbytes] = self.memory[source][:nbytes]

    def launch(self, function: object, launch: Any, args: tuple[int, int], stream: object) -> None:
        if self.fail_launch:
            raise DriverError("an illegal memory access was encountered")
        assert isinstance(function, Kernel)
        dtype = HOST_DTYPES[function.storage.name]
        x, y = (self.memory[p].view(dtype) for p in args)
        function.program().launch(function.entry, launch[0], launch[1], [x, y])
        self.launches.append(args)


class FakeCudaArray:
    """A device array as CuPy or PyTorch expose one."""

    def __init__(self, pointer: int, shape: tuple[int, ...], typestr: str, **extra: Any) -> None:
        self.device = extra.pop("device", None)
        self.__cuda_array_interface__ = {
            "shape": shape,
            "typestr": typestr,
            "data": (pointer, extra.pop("read_only", False)),
            "version": 3,
            **extra,
        }


class Device:
    def __init__(self, **ids: int) -> None:
        self.__dict__.update(ids)


def on_device(driver: FakeDriver, kernel: Kernel, values: npt.NDArray[np.float64]) -> Any:
    bits = launcher.to_device_bits(kernel.storage.round(values), kernel.storage)
    return FakeCudaArray(driver.put(bits), kernel.shape, TYPESTRS[kernel.storage.name])


def read_back(driver: FakeDriver, kernel: Kernel, array: Any) -> npt.NDArray[np.float64]:
    pointer = array.__cuda_array_interface__["data"][0]
    bits = driver.memory[pointer].view(HOST_DTYPES[kernel.storage.name])
    return launcher.from_device_bits(bits, kernel.storage)


def exactly(message: str) -> str:
    """A `match` pattern for exactly `message`."""
    return "^" + re.escape(message) + "$"


# --- the CUDA Array Interface -------------------------------------------------------------


def test_device_array_reads_the_pointer_size_stream_and_device() -> None:
    storage = storage_type("float32")
    x = FakeCudaArray(0xABC00, (4, 8), "<f4", strides=(32, 4), stream=7, device=Device(index=1))
    view = device_array(x, (4, 8), storage)
    assert (view.pointer, view.nbytes, view.stream, view.device) == (0xABC00, 128, 7, 1)
    for stream in (None, 1):
        assert (
            device_array(FakeCudaArray(1, (4, 8), "<f4", stream=stream), (4, 8), storage).stream
            is None
        )
    cupy_like = FakeCudaArray(1, (4, 8), "<f4", device=Device(id=2))
    assert device_array(cupy_like, (4, 8), storage).device == 2


def test_a_cpu_tensor_is_not_a_device_array() -> None:
    class CpuTensor:
        @property
        def __cuda_array_interface__(self) -> dict[str, Any]:
            raise AttributeError("Can't get __cuda_array_interface__ on non-CUDA tensor")

    assert not is_device_array(CpuTensor())
    assert not is_device_array(np.zeros(3))
    assert is_device_array(FakeCudaArray(1, (3,), "<f2"))


@pytest.mark.parametrize("typestr", ["<V2", "|V2", "<u2", "<i2"])
def test_bfloat16_takes_raw_16_bit_patterns(typestr: str) -> None:
    view = device_array(FakeCudaArray(8, SHAPE, typestr), SHAPE, storage_type("bfloat16"))
    assert view.nbytes == 128


@pytest.mark.parametrize(
    ("dtype", "typestr", "message"),
    [
        (
            "float16",
            "<f4",
            "the kernel stores float16 ('<f2'), the device array holds '<f4': "
            "convert it first (e.g. x.astype('float16'))",
        ),
        ("float32", "<f8", "the kernel stores float32 ('<f4'), the device array holds '<f8'"),
        (
            "bfloat16",
            "<f2",
            "the kernel stores bfloat16 as raw 16-bit patterns ('<V2' or '|V2' "
            "or '<u2' or '<i2'), the device array holds '<f2': for a torch bfloat16 tensor pass "
            "x.view(torch.int16)",
        ),
    ],
)
def test_wrong_dtype(dtype: str, typestr: str, message: str) -> None:
    with pytest.raises(DeviceArrayError, match="^" + re.escape(message)):
        device_array(FakeCudaArray(8, SHAPE, typestr), SHAPE, storage_type(dtype))


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (
            FakeCudaArray(8, (32, 2), "<f2"),
            "the kernel was compiled for a 64 grid, the device array is 32x2",
        ),
        (
            FakeCudaArray(8, (), "<f2"),
            "the kernel was compiled for a 64 grid, the device array is a scalar",
        ),
        (
            FakeCudaArray(8, SHAPE, "<f2", strides=(4,)),
            re.escape("the device array is not C-contiguous (strides (4,) bytes, expected (2,))"),
        ),
        (FakeCudaArray(8, SHAPE, "<f2", read_only=True), "the device array is read-only"),
        (
            FakeCudaArray(8, SHAPE, "<f2", mask=object()),
            "the device array has a mask: masked arrays are not supported",
        ),
    ],
)
def test_unusable_device_arrays(array: FakeCudaArray, message: str) -> None:
    with pytest.raises(DeviceArrayError, match=message):
        device_array(array, SHAPE, storage_type("float16"))


def test_contiguous_strides_given_explicitly_are_accepted() -> None:
    assert contiguous_strides((3, 4, 5), 2) == (40, 10, 2)
    x = FakeCudaArray(8, (3, 4, 5), "<f2", strides=(40, 10, 2))
    assert device_array(x, (3, 4, 5), storage_type("float16")).nbytes == 120


def test_malformed_interfaces() -> None:
    broken = FakeCudaArray(8, SHAPE, "<f2")
    del broken.__cuda_array_interface__["data"]
    with pytest.raises(DeviceArrayError, match="__cuda_array_interface__ has no 'data'"):
        device_array(broken, SHAPE, storage_type("float16"))
    broken.__cuda_array_interface__ = "nonsense"  # type: ignore[assignment]
    with pytest.raises(
        DeviceArrayError, match=r"FakeCudaArray.__cuda_array_interface__ is not a dict"
    ):
        device_array(broken, SHAPE, storage_type("float16"))


# --- the launcher on a fake driver --------------------------------------------------------


@pytest.mark.parametrize("steps", [0, 1, 2, 3])
def test_host_run_matches_the_simulator(kernel: Kernel, steps: int) -> None:
    driver = FakeDriver()
    x = grid()
    y = launcher.run(kernel, x, steps, driver=driver)
    expected = kernel.emulate(x, steps)
    assert y.dtype == (
        np.float32 if kernel.storage.name == "bfloat16" else HOST_DTYPES[kernel.storage.name]
    )
    np.testing.assert_array_equal(y.astype(np.float64), expected)
    assert len(driver.launches) == sum(n for _, n in kernel.launches(steps))
    assert driver.freed == 2
    assert not driver.memory
    assert driver.synchronized == [None]


@pytest.mark.parametrize("steps", [0, 1, 2, 3])
def test_device_run_is_in_place(kernel: Kernel, steps: int) -> None:
    driver = FakeDriver()
    x = grid()
    array = on_device(driver, kernel, x)
    pointer = array.__cuda_array_interface__["data"][0]
    assert launcher.run(kernel, array, steps, "stream", driver=driver) is array
    np.testing.assert_array_equal(read_back(driver, kernel, array), kernel.emulate(x, steps))
    assert [args[0] for args in driver.launches[:1]] == ([pointer] if steps else [])
    assert list(driver.memory) == [pointer], "the scratch buffer is freed"
    assert driver.synchronized == []


def test_kernel_run_goes_through_the_launcher(f16: Kernel, monkeypatch: pytest.MonkeyPatch) -> None:
    driver = FakeDriver()
    monkeypatch.setattr(launcher, "pycuda_driver", lambda: driver)
    x = grid()
    np.testing.assert_array_equal(f16.run(x, steps=2).astype(np.float64), f16.emulate(x, 2))
    assert f16.halo == f16.geometry.halo == (1,)


def test_launch_steps_returns_the_last_output() -> None:
    driver = FakeDriver()
    driver.launch = lambda *args: None  # type: ignore[method-assign]
    assert launcher.launch_steps(driver, None, ((1, 1, 1), (32, 1, 1)), (10, 20), 3, None) == 20
    assert launcher.launch_steps(driver, None, ((1, 1, 1), (32, 1, 1)), (10, 20), 2, None) == 10


def test_the_producer_stream_is_waited_for(f16: Kernel) -> None:
    driver = FakeDriver()
    array = on_device(driver, f16, grid())
    array.__cuda_array_interface__["stream"] = 0x7F00
    launcher.run(f16, array, 1, driver=driver)
    assert driver.synchronized == [None]


def test_an_array_on_another_device(f16: Kernel) -> None:
    driver = FakeDriver(device=0)
    array = on_device(driver, f16, grid())
    array.device = Device(index=1)
    with pytest.raises(
        DeviceArrayError,
        match=exactly(
            "the device array is on GPU 1 but the current CUDA context is on GPU 0: make GPU 1 "
            "current first (torch.cuda.set_device(1), cupy.cuda.Device(1).use())"
        ),
    ):
        launcher.run(f16, array, 1, driver=driver)


def test_driver_errors_name_the_kernel_and_its_launch(f16: Kernel) -> None:
    driver = FakeDriver()
    driver.fail_launch = True
    grid_dims, block = f16.launch
    with pytest.raises(LaunchError) as info:
        launcher.run(f16, grid(), 1, driver=driver)
    assert str(info.value) == (
        f"CUDA failed running kernel '{f16.entry}' (sm_80, grid {grid_dims}, block {block}, 64 "
        "float16): an illegal memory access was encountered"
    )
    assert not driver.memory, "buffers are freed after a failure"


def test_bad_steps_shape_and_stream(f16: Kernel) -> None:
    driver = FakeDriver()
    with pytest.raises(StencilError, match="steps must be >= 0, got -1"):
        launcher.run(f16, grid(), -1, driver=driver)
    with pytest.raises(StencilError, match="the kernel was compiled for a 64 grid, got 8x8"):
        launcher.run(f16, grid((8, 8)), 1, driver=driver)
    with pytest.raises(StencilError, match="not a stream"):
        launcher.run(f16, grid(), 1, stream=3, driver=driver)


# --- pycuda: missing, without a driver, and the adapter on a fake module -----------------


@pytest.fixture
def fresh_driver(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    launcher.pycuda_driver.cache_clear()
    for name in [n for n in sys.modules if n == "pycuda" or n.startswith("pycuda.")]:
        monkeypatch.delitem(sys.modules, name)
    yield
    launcher.pycuda_driver.cache_clear()


@pytest.mark.usefixtures("fresh_driver")
def test_no_pycuda(f16: Kernel, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pycuda", None)
    with pytest.raises(RuntimeUnavailable) as info:
        f16.run(grid())
    assert str(info.value) == (
        "pycuda is not installed: install the gpu extra: pip install 'sparse-stencil[gpu]' "
        "(builds pycuda against the CUDA toolkit: see README)"
    )


@pytest.mark.usefixtures("fresh_driver")
def test_a_bad_shape_is_reported_before_pycuda_is_needed(
    f16: Kernel, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pycuda", None)
    with pytest.raises(StencilError, match="compiled for a 64 grid, got 65"):
        f16.run(np.zeros(65))


class _NoDriverLibrary(importlib.abc.MetaPathFinder):
    """What importing pycuda does where it was built but there is no libcuda.so.1."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == "pycuda" or name.startswith("pycuda."):
            raise ImportError(
                "/venv/pycuda/_driver.cpython-311-x86_64-linux-gnu.so: undefined symbol: "
                "cuArrayCreate_v2"
            )


@pytest.mark.usefixtures("fresh_driver")
def test_pycuda_without_a_driver(f16: Kernel, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "meta_path", [_NoDriverLibrary(), *sys.meta_path])
    with pytest.raises(
        RuntimeUnavailable,
        match=exactly(
            "pycuda is installed but cannot load the CUDA driver library libcuda.so.1 (/venv/"
            "pycuda/_driver.cpython-311-x86_64-linux-gnu.so: undefined symbol: cuArrayCreate_v2)"
            ": run on a machine with an NVIDIA GPU and its driver"
        ),
    ):
        f16.run(grid())


def fake_pycuda(monkeypatch: pytest.MonkeyPatch, init_error: str | None = None) -> types.ModuleType:
    """A stand-in ``pycuda.driver`` module: enough for :class:`PycudaDriver`."""
    cuda = types.ModuleType("pycuda.driver")

    class Error(Exception):
        pass

    class Stream:
        pass

    class Context:
        current = types.SimpleNamespace(handle=11)

        @classmethod
        def get_current(cls) -> object:
            return cls.current

    def init() -> None:
        if init_error:
            raise Error(init_error)

    modules: list[bytes] = []

    def module_from_buffer(ptx: bytes) -> object:
        modules.append(ptx)
        entry = types.SimpleNamespace(prepare=lambda formats: None)
        return types.SimpleNamespace(get_function=lambda name: entry)

    cuda.__dict__.update(
        Error=Error,
        Stream=Stream,
        Context=Context,
        init=init,
        module_from_buffer=module_from_buffer,
        modules=modules,
    )
    package = types.ModuleType("pycuda")
    package.driver = cuda  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pycuda", package)
    monkeypatch.setitem(sys.modules, "pycuda.driver", cuda)
    return cuda


@pytest.mark.usefixtures("fresh_driver")
def test_no_gpu(f16: Kernel, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_pycuda(monkeypatch, init_error="cuInit failed: no CUDA-capable device is detected")
    with pytest.raises(
        RuntimeUnavailable,
        match=exactly(
            "the CUDA driver found no usable GPU (cuInit failed: no CUDA-capable device is "
            "detected): run on a machine with an NVIDIA GPU (check nvidia-smi and "
            "CUDA_VISIBLE_DEVICES)"
        ),
    ):
        f16.run(grid())


@pytest.mark.usefixtures("fresh_driver")
def test_modules_are_loaded_once_per_kernel_and_context(
    f16: Kernel, monkeypatch: pytest.MonkeyPatch
) -> None:
    cuda: Any = fake_pycuda(monkeypatch)
    driver = launcher.pycuda_driver()
    assert driver is launcher.pycuda_driver()
    first = driver.function(f16)
    assert driver.function(f16) is first
    assert len(cuda.modules) == 1
    assert cuda.modules[0] == f16.ptx.encode() + b"\0"
    cuda.Context.current = types.SimpleNamespace(handle=12)
    driver.function(f16)
    assert len(cuda.modules) == 2
    driver.check_stream(cuda.Stream())
    with pytest.raises(
        StencilError, match=exactly("stream must be a pycuda.driver.Stream or None, got int")
    ):
        driver.check_stream(5)


@pytest.mark.usefixtures("fresh_driver")
def test_pycuda_errors_become_launch_errors(f16: Kernel, monkeypatch: pytest.MonkeyPatch) -> None:
    cuda: Any = fake_pycuda(monkeypatch)

    def module_from_buffer(ptx: bytes) -> object:
        raise cuda.Error("cuModuleLoadDataEx failed: device kernel image is invalid")

    cuda.module_from_buffer = module_from_buffer

    class Allocation:
        def __int__(self) -> int:
            return 64

        def free(self) -> None:
            pass

    cuda.mem_alloc = lambda n: Allocation()
    cuda.memcpy_htod_async = lambda *args: None
    with pytest.raises(
        LaunchError,
        match=rf"^CUDA failed running kernel '{f16.entry}' .*: cuModuleLoadDataEx failed: "
        "device kernel image is invalid$",
    ):
        f16.run(grid())


# --- on a GPU ----------------------------------------------------------------------------


def _gpu_missing() -> str | None:
    try:
        launcher.pycuda_driver()
    except RuntimeUnavailable as error:
        return str(error)
    return None


GPU_MISSING = _gpu_missing()
needs_gpu = pytest.mark.skipif(GPU_MISSING is not None, reason=f"no GPU: {GPU_MISSING}")


@needs_gpu
@pytest.mark.parametrize("steps", [1, 2, 3])
def test_gpu_host_run_matches_the_simulator(kernel: Kernel, steps: int) -> None:
    x = grid()
    np.testing.assert_array_equal(kernel.run(x, steps).astype(np.float64), kernel.emulate(x, steps))


@needs_gpu
@pytest.mark.parametrize("steps", [1, 2, 3])
def test_gpu_gpuarray_in_place_on_a_stream(f16: Kernel, steps: int) -> None:
    import pycuda.driver as cuda
    import pycuda.gpuarray as gpuarray

    x = grid()
    array = gpuarray.to_gpu(x.astype(np.float16))
    stream = cuda.Stream()
    assert f16.run(array, steps, stream) is array
    stream.synchronize()
    np.testing.assert_array_equal(array.get().astype(np.float64), f16.emulate(x, steps))


@needs_gpu
def test_gpu_torch_tensor_in_place(f16: Kernel) -> None:
    torch = pytest.importorskip("torch")
    x = grid()
    tensor = torch.tensor(x, dtype=torch.float16, device="cuda")
    f16.run(tensor, 3)
    torch.cuda.synchronize()
    np.testing.assert_array_equal(tensor.cpu().double().numpy(), f16.emulate(x, 3))
    with pytest.raises(DeviceArrayError, match="not C-contiguous"):
        f16.run(torch.zeros((64, 2), dtype=torch.float16, device="cuda")[:, 0], 1)


@needs_gpu
def test_gpu_cupy_array_in_place(f16: Kernel) -> None:
    cupy = pytest.importorskip("cupy")
    x = grid()
    array = cupy.asarray(x.astype(np.float16))
    f16.run(array, 2)
    np.testing.assert_array_equal(cupy.asnumpy(array).astype(np.float64), f16.emulate(x, 2))
