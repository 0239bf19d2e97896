"""`apply`: a stencil applied to a grid on all ranks of an MPI job, the grid given and
returned on rank 0."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from sparse_stencil.compiler import Path, Sparsity
from sparse_stencil.distributed.exchange import DEFAULT_TIMEOUT
from sparse_stencil.distributed.failures import agree
from sparse_stencil.distributed.grid import DistributedGrid
from sparse_stencil.distributed.topology import world
from sparse_stencil.errors import StencilError
from sparse_stencil.stencil import Stencil

if TYPE_CHECKING:
    from mpi4py import MPI

Grid = npt.NDArray[np.float64]


def apply(
    stencil: Stencil,
    x: npt.ArrayLike | None,
    steps: int = 1,
    dtype: str = "float16",
    topology: Sequence[int] | None = None,
    emulate: bool = False,
    comm: MPI.Intracomm | None = None,
    *,
    reference: bool = False,
    steps_per_exchange: int = 1,
    arch: str = "sm_80",
    sparsity: Sparsity = "sparse",
    path: Path = "tensor-core",
    cuda_aware: bool | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Grid | None:
    """Apply `stencil` `steps` times to the grid `x` on every rank of `comm` (default
    ``MPI.COMM_WORLD``), as :func:`sparse_stencil.reference` defines it.

    Every rank calls it: rank 0 with the global grid `x`, the others with None (what they
    pass is not read). Rank 0 gets the result as float64, the others None. The grid is
    split over `topology` (see :class:`DistributedGrid`, which takes the other arguments
    too); steps run on the GPU, on the PTX simulator with `emulate`, or with the float64
    reference with `reference`.

    On integer-valued grids with dyadic coefficients the result equals one rank's bit for
    bit; with the reference it always does (each point sees the same float64 operations).
    """
    comm = world(comm)
    grid = agree(comm, lambda: _global_grid(stencil, x) if comm.Get_rank() == 0 else None)
    shape = comm.bcast(None if grid is None else grid.shape, root=0)
    distributed = DistributedGrid(
        stencil,
        shape,
        dtype,
        topology=topology,
        steps_per_exchange=steps_per_exchange,
        emulate=emulate,
        reference=reference,
        comm=comm,
        arch=arch,
        sparsity=sparsity,
        path=path,
        cuda_aware=cuda_aware,
        timeout=timeout,
    )
    distributed.scatter(grid)
    distributed.step(steps)
    return distributed.gather()


def _global_grid(stencil: Stencil, x: npt.ArrayLike | None) -> Grid:
    """Rank 0's grid, checked."""
    if x is None:
        raise StencilError("rank 0 must pass the global grid (the other ranks pass None)")
    grid = np.asarray(x, dtype=np.float64)
    stencil.check_grid(grid.shape)
    return grid
