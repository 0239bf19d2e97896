"""sparse-stencil: stencil computations on NVIDIA Sparse Tensor Cores.

The public Python API: :class:`Stencil`, :func:`reference`, the stencil
:mod:`~sparse_stencil.catalog`, 2:4 packing in :mod:`~sparse_stencil.sparsity`,
:func:`compile` and its :class:`Kernel` (:mod:`sparse_stencil.compiler`, imported on first
use: it loads xDSL and the simulator), and the PTX simulator :mod:`sparse_stencil.sim`.
"""

from typing import TYPE_CHECKING, Any

from sparse_stencil import catalog, sparsity
from sparse_stencil.errors import StencilError
from sparse_stencil.reference import reference
from sparse_stencil.stencil import MAX_RADIUS, Stencil

if TYPE_CHECKING:
    from sparse_stencil.compiler import Kernel, compile

__all__ = [
    "MAX_RADIUS",
    "Kernel",
    "Stencil",
    "StencilError",
    "catalog",
    "compile",
    "reference",
    "sparsity",
]


def __getattr__(name: str) -> Any:
    if name in ("compile", "Kernel"):
        from sparse_stencil import compiler

        return getattr(compiler, name)
    raise AttributeError(f"module 'sparse_stencil' has no attribute '{name}'")
