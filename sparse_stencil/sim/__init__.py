"""A PTX simulator: runs PTX text on the CPU with exact tensor-core fragment semantics.

>>> from sparse_stencil.sim import run_ptx
>>> run_ptx(ptx_text, "vector_add", grid=4, block=256, args=[x, y, out, 1024])  # doctest: +SKIP

It executes the PTX subset that the compiler's backend prints and that hand-written
tensor-core kernels commonly use (see :mod:`~sparse_stencil.sim.ptx_parser` and
:mod:`~sparse_stencil.sim.instructions`), vectorised over the threads of a batch of blocks
(:mod:`~sparse_stencil.sim.machine`), with bounds- and alignment-checked memory
(:mod:`~sparse_stencil.sim.memory`) and the ``ldmatrix``/``mma.sp`` semantics of
``docs/ptx-sparse-mma.md`` (:mod:`~sparse_stencil.sim.tensor_core`, whose
docstring states the numerics model).
"""

from sparse_stencil.sim.errors import (
    PtxError,
    PtxExecutionError,
    PtxLaunchError,
    PtxMemoryError,
    PtxParseError,
)
from sparse_stencil.sim.machine import Program, RunStats, run_ptx
from sparse_stencil.sim.ptx_parser import parse_ptx

__all__ = [
    "Program",
    "PtxError",
    "PtxExecutionError",
    "PtxLaunchError",
    "PtxMemoryError",
    "PtxParseError",
    "RunStats",
    "parse_ptx",
    "run_ptx",
]
