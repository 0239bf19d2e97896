"""sparse-stencil: stencil computations on NVIDIA Sparse Tensor Cores.

The public Python API: :class:`Stencil`, :func:`reference`, and the stencil
:mod:`~sparse_stencil.catalog`.
"""

from sparse_stencil.errors import StencilError
from sparse_stencil.reference import reference
from sparse_stencil.stencil import MAX_RADIUS, Stencil

__all__ = ["MAX_RADIUS", "Stencil", "StencilError", "reference"]
