"""sparse-stencil: stencil computations on NVIDIA Sparse Tensor Cores.

The public Python API: :class:`Stencil`, :func:`reference`, the stencil
:mod:`~sparse_stencil.catalog`, 2:4 packing in :mod:`~sparse_stencil.sparsity`, and the PTX
simulator :mod:`sparse_stencil.sim` (imported on its own).
"""

from sparse_stencil import catalog, sparsity
from sparse_stencil.errors import StencilError
from sparse_stencil.reference import reference
from sparse_stencil.stencil import MAX_RADIUS, Stencil

__all__ = ["MAX_RADIUS", "Stencil", "StencilError", "catalog", "reference", "sparsity"]
