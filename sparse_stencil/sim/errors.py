"""Errors of the PTX simulator: one-line messages that name the PTX line.

All are :class:`~sparse_stencil.errors.StencilError` subclasses, so the command-line tools
print them as ``error: <message>`` like every other user-facing error.
"""

from __future__ import annotations

from sparse_stencil.errors import StencilError


class PtxError(StencilError):
    """Any error of the PTX simulator."""


class PtxParseError(PtxError):
    """The PTX text is malformed or uses something outside the simulator's subset."""


class PtxLaunchError(PtxError):
    """The launch does not fit the kernel: grid, block or arguments."""


class PtxExecutionError(PtxError):
    """The kernel did something the hardware would not do or that the simulator refuses:
    divergence inside a warp-collective instruction, invalid sparse metadata, a runaway loop."""


class PtxMemoryError(PtxExecutionError):
    """An out-of-bounds or misaligned memory access, reported as a memory checker would."""


class ThreadFault(Exception):
    """Internal: raised inside an instruction with the batch index of the offending thread;
    the executor turns it into a :class:`PtxExecutionError` with the line and coordinates."""

    def __init__(self, thread: int, message: str) -> None:
        super().__init__(message)
        self.thread = thread
        self.message = message
