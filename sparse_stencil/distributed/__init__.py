"""Stencils on several ranks (GPUs) of an MPI job: domain decomposition and halo exchange.

The global grid is cut over a Cartesian topology of ranks (:mod:`.decomposition`); each rank
holds its part, the *core*, in a buffer with a halo of ``radius x steps_per_exchange``
points toward each neighbour, exchanges that halo every `steps_per_exchange` steps with
nonblocking MPI messages (:mod:`.exchange`) as the ``dmp.swap`` of the pass
``distribute-lstencil`` declares them (:mod:`.halo`), and steps its core meanwhile
(:mod:`.schedule`) with the reference, the PTX simulator or the GPU (:mod:`.engines`).
The fixed boundary band is held at the global grid's edges only.

Two ways in: :func:`apply` (rank 0 gives the grid and gets the result) and
:class:`DistributedGrid` (each rank reads and writes its own part). Run either under
``mpiexec -n N python ...``; wrap the job's main in :func:`abort_on_failure` so that a
failing rank ends the job with one message. mpi4py comes with the ``mpi`` extra.
"""

from sparse_stencil.distributed.apply import apply
from sparse_stencil.distributed.decomposition import Decomposition, Subdomain
from sparse_stencil.distributed.failures import CollectiveError, abort_on_failure
from sparse_stencil.distributed.grid import DistributedGrid

__all__ = [
    "CollectiveError",
    "Decomposition",
    "DistributedGrid",
    "Subdomain",
    "abort_on_failure",
    "apply",
]
