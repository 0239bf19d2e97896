"""Device arrays for :meth:`Kernel.run <sparse_stencil.compiler.Kernel.run>`: objects with a
``__cuda_array_interface__`` (the CUDA Array Interface, versions 2 and 3: CuPy and Numba
arrays, PyTorch CUDA tensors, pycuda ``GPUArray``), checked against the kernel.

The kernel reads and writes a C-contiguous grid of its storage type: typestr ``<f2`` for
float16 and ``<f4`` for float32. numpy has no bfloat16, so a bfloat16 kernel takes the raw
16-bit patterns under any 2-byte typestr that libraries give them: ``<V2``/``|V2``
(ml_dtypes' bfloat16), ``<u2`` or ``<i2`` (a PyTorch bfloat16 tensor does not export the
interface: pass ``tensor.view(torch.int16)``). Strides must be absent (None) or those of
the C-contiguous layout, the array writable and unmasked. The interface does not say which
device holds the array; where the object does (``x.device.index`` in PyTorch,
``x.device.id`` in CuPy) the launcher checks it against the current context's device.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sparse_stencil.dtypes import StorageType
from sparse_stencil.layout.morphing import format_tile
from sparse_stencil.runtime.errors import DeviceArrayError

TYPESTRS: dict[str, tuple[str, ...]] = {
    "float16": ("<f2",),
    "float32": ("<f4",),
    "bfloat16": ("<V2", "|V2", "<u2", "<i2"),
}
"""Typestrs a device array of each storage type may have."""
ITEMSIZE: dict[str, int] = {"float16": 2, "float32": 4, "bfloat16": 2}

_LEGACY_DEFAULT_STREAM = 1
"""The interface's stream value for the legacy default stream, which needs no wait."""


@dataclass(frozen=True)
class DeviceArray:
    """What the launcher needs of a checked device array."""

    pointer: int
    nbytes: int
    device: int | None
    """The CUDA device ordinal, where the object tells it."""
    stream: int | None
    """The producer's stream (interface version 3), when work on it may still write the
    array: the launcher waits for it first. None for none or the legacy default stream."""


def is_device_array(x: object) -> bool:
    """Whether `x` exposes ``__cuda_array_interface__`` (a CPU PyTorch tensor does not)."""
    return hasattr(x, "__cuda_array_interface__")


def device_array(x: object, shape: Sequence[int], storage: StorageType) -> DeviceArray:
    """`x`'s interface checked against a kernel for a `shape` grid of `storage`.

    Raises :class:`DeviceArrayError` for a wrong dtype, shape, strides, a read-only or
    masked array, or a malformed interface.
    """
    interface = _interface(x)
    typestr = str(_entry(interface, "typestr"))
    if typestr not in TYPESTRS[storage.name]:
        raise DeviceArrayError(_dtype_message(typestr, storage))
    got = tuple(int(n) for n in cast(Sequence[Any], _entry(interface, "shape")))
    if got != tuple(shape):
        raise DeviceArrayError(
            f"the kernel was compiled for a {format_tile(shape)} grid, the device array is "
            f"{format_tile(got) if got else 'a scalar'}"
        )
    _check_strides(interface.get("strides"), got, ITEMSIZE[storage.name])
    if interface.get("mask") is not None:
        raise DeviceArrayError("the device array has a mask: masked arrays are not supported")
    pointer, read_only = cast(Sequence[Any], _entry(interface, "data"))
    if read_only:
        raise DeviceArrayError(
            "the device array is read-only (its __cuda_array_interface__ says so): the kernel "
            "writes its result into it"
        )
    stream = interface.get("stream")
    return DeviceArray(
        pointer=int(pointer),
        nbytes=math.prod(got) * ITEMSIZE[storage.name],
        device=device_ordinal(x),
        stream=None if stream in (None, _LEGACY_DEFAULT_STREAM) else int(stream),
    )


def device_ordinal(x: object) -> int | None:
    """The CUDA device of `x` where it tells (``x.device.index`` or ``x.device.id``)."""
    device = getattr(x, "device", None)
    for name in ("index", "id"):
        value = getattr(device, name, None)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def _interface(x: object) -> Mapping[str, Any]:
    interface = getattr(x, "__cuda_array_interface__", None)
    if not isinstance(interface, Mapping):
        raise DeviceArrayError(
            f"{type(x).__name__}.__cuda_array_interface__ is not a dict: not a CUDA array"
        )
    return cast(Mapping[str, Any], interface)


def _entry(interface: Mapping[str, Any], key: str) -> object:
    if key not in interface:
        raise DeviceArrayError(f"the device array's __cuda_array_interface__ has no '{key}'")
    return interface[key]


def _dtype_message(typestr: str, storage: StorageType) -> str:
    expected = " or ".join(f"'{t}'" for t in TYPESTRS[storage.name])
    if storage.name == "bfloat16":
        return (
            f"the kernel stores bfloat16 as raw 16-bit patterns ({expected}), the device "
            f"array holds '{typestr}': for a torch bfloat16 tensor pass x.view(torch.int16)"
        )
    return (
        f"the kernel stores {storage.name} ({expected}), the device array holds "
        f"'{typestr}': convert it first (e.g. x.astype('{storage.name}'))"
    )


def _check_strides(strides: object, shape: tuple[int, ...], itemsize: int) -> None:
    if strides is None:
        return
    got = tuple(int(s) for s in cast(Sequence[Any], strides))
    expected = contiguous_strides(shape, itemsize)
    if got != expected:
        raise DeviceArrayError(
            f"the device array is not C-contiguous (strides {got} bytes, expected "
            f"{expected}): pass a contiguous copy (x.contiguous(), cupy.ascontiguousarray(x))"
        )


def contiguous_strides(shape: Sequence[int], itemsize: int) -> tuple[int, ...]:
    """Byte strides of the C-contiguous layout of `shape`."""
    strides: list[int] = []
    step = itemsize
    for extent in reversed(shape):
        strides.append(step)
        step *= extent
    return tuple(reversed(strides))
