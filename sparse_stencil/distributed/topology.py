"""The MPI side of a decomposition: the job's communicator and its Cartesian topology.

mpi4py is imported here, lazily, so that the rest of :mod:`sparse_stencil.distributed`
(the geometry, the IR) works without it. Ranks are laid out as ``MPI.Comm.Create_cart``
lays them out: row-major in their coordinates, not periodic (the grid's edges are the
fixed boundary, not wrapped).
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sparse_stencil.distributed.failures import CollectiveError
from sparse_stencil.errors import StencilError

if TYPE_CHECKING:
    from mpi4py import MPI

INSTALL_HINT = "install the mpi extra: pip install 'sparse-stencil[mpi]' (mpi4py and MPICH)"


def require_mpi() -> None:
    """Raise :class:`StencilError`, saying how to install it, if mpi4py is missing."""
    try:
        importlib.import_module("mpi4py.MPI")
    except ImportError as error:
        raise StencilError(f"distributed runs need mpi4py ({error}): {INSTALL_HINT}") from None


def world(comm: MPI.Intracomm | None) -> MPI.Intracomm:
    """`comm`, or the job's ``MPI.COMM_WORLD`` when it is None."""
    if comm is not None:
        return comm
    require_mpi()
    from mpi4py import MPI

    return MPI.COMM_WORLD


def choose_topology(ranks: int, dims: int, given: Sequence[int] | None) -> tuple[int, ...]:
    """Ranks per axis: `given`, checked against the number of ranks and the grid's rank, or
    the balanced choice of ``MPI.Compute_dims``.

    Raises :class:`CollectiveError` for a topology of the wrong length or rank count.
    """
    if given is None:
        require_mpi()
        from mpi4py import MPI

        return tuple(int(n) for n in MPI.Compute_dims(ranks, dims))
    topology = tuple(given)
    text = "x".join(map(str, topology))
    if len(topology) != dims:
        raise CollectiveError(f"topology {text} has {len(topology)} axes, the grid has {dims}")
    if any(n < 1 for n in topology):
        raise CollectiveError(f"topology {text} must have positive extents")
    if math.prod(topology) != ranks:
        raise CollectiveError(
            f"topology {text} has {math.prod(topology)} ranks, the job has {ranks}"
        )
    return topology


def cartesian(comm: MPI.Intracomm, topology: Sequence[int]) -> MPI.Cartcomm:
    """The non-periodic Cartesian communicator of `topology` over `comm`'s ranks, in their
    order (no reordering, so rank r of `comm` keeps rank r)."""
    return comm.Create_cart(list(topology), periods=[False] * len(topology), reorder=False)
