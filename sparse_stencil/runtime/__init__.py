"""Running compiled kernels on a GPU, and the disk cache of compiled kernels.

:meth:`Kernel.run <sparse_stencil.compiler.Kernel.run>` runs a kernel through pycuda (the
``gpu`` extra): :mod:`~sparse_stencil.runtime.launcher` copies a host grid in and out, or
steps a device array (:mod:`~sparse_stencil.runtime.arrays`: anything with
``__cuda_array_interface__``) in place. :mod:`~sparse_stencil.runtime.cache` keeps compiled
kernels on disk (``compile(..., cache=True)``). Importing this package needs no GPU; a run
without pycuda, the CUDA driver or a GPU raises :class:`RuntimeUnavailable`.

**Subdomains** (a grid split across GPUs or ranks). A kernel updates the interior
``[h, n - h)`` of each axis of its grid and never writes the boundary band of width
``h = kernel.halo`` on each side. So a subdomain whose interior is the global box
``[origin, origin + m)`` is launched as its own grid of shape ``m + 2 * halo``, holding the
global points ``[origin - halo, origin + m + halo)``: compile for that shape, and between
steps fill its band with the neighbours' interior points (a halo exchange) or, on the
global boundary, keep the boundary values. Run one step per exchange
(``kernel.run(x, steps=1)``) on a device array, or queue the launches of some steps
yourself with :func:`~sparse_stencil.runtime.launcher.launch_all` on explicit buffer
pointers (a fused kernel's launches each apply several steps, a remainder kernel the rest).
"""

from sparse_stencil.runtime.errors import (
    DeviceArrayError,
    DriverError,
    LaunchError,
    RuntimeUnavailable,
)

__all__ = ["DeviceArrayError", "DriverError", "LaunchError", "RuntimeUnavailable"]
