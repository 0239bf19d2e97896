"""The runtime's errors: each a one-line :class:`StencilError` that says what to fix."""

from __future__ import annotations

from sparse_stencil.errors import StencilError


class RuntimeUnavailable(StencilError):
    """No way to run on a GPU here: pycuda is missing, or the CUDA driver or a GPU is."""


class DeviceArrayError(StencilError):
    """A device array that the kernel cannot use: its type, shape, strides or device."""


class LaunchError(StencilError):
    """The CUDA driver failed while loading or running a kernel; names the kernel and launch."""


class DriverError(Exception):
    """A CUDA driver failure reported by a :class:`~.launcher.Driver`, before the launcher
    names the kernel it happened to (as a :class:`LaunchError`)."""
