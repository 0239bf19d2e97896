"""`DistributedGrid`: a grid split over the ranks of an MPI job, for grids that no single
rank can hold. Each rank creates its part, reads and writes it, and steps the whole grid
together with the others.

    from mpi4py import MPI
    import numpy as np
    import sparse_stencil as ss
    from sparse_stencil.distributed import DistributedGrid

    grid = DistributedGrid(ss.catalog.get("heat-2d"), (8192, 8192), emulate=True)
    rows, cols = np.ogrid[grid.global_slice]          # this rank's global indices
    grid.write(np.sin(rows / 100.0) * np.cos(cols / 100.0))
    grid.step(10)
    part = grid.read()                                # this rank's part after 10 steps
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from sparse_stencil.compiler import Path, Sparsity
from sparse_stencil.distributed.decomposition import Decomposition, Subdomain
from sparse_stencil.distributed.engines import Engine, make_engine
from sparse_stencil.distributed.exchange import DEFAULT_TIMEOUT, HaloExchange
from sparse_stencil.distributed.failures import CollectiveError, abort, agree
from sparse_stencil.distributed.halo import exchange_declarations, exchange_directions
from sparse_stencil.distributed.schedule import RoundPlan, run_round
from sparse_stencil.distributed.topology import cartesian, choose_topology, world
from sparse_stencil.dtypes import storage_type
from sparse_stencil.errors import StencilError
from sparse_stencil.layout.morphing import format_tile
from sparse_stencil.stencil import Stencil

if TYPE_CHECKING:
    from mpi4py import MPI

Grid = npt.NDArray[np.float64]


class DistributedGrid:
    """A `shape` grid of storage type `dtype`, split over the ranks of `comm` (default
    ``MPI.COMM_WORLD``), to be stepped with `stencil`. It starts as zeros.

    Every rank constructs it with the same arguments (it is collective). `topology` gives
    the ranks per axis (default: ``MPI.Compute_dims``); the halo is exchanged every
    `steps_per_exchange` steps and is that many times the stencil's radius wide. Steps
    run on the GPU (:meth:`Kernel.run`), on the PTX simulator with `emulate`, or with the
    float64 reference with `reference`. `cuda_aware` says whether MPI takes GPU buffers
    (None: ask the library); `timeout` bounds every wait for a neighbour, in seconds.

    Bad arguments raise :class:`CollectiveError` on every rank alike. A failure while
    stepping (an exception in a kernel on one rank) ends the whole job with one message
    (:func:`~sparse_stencil.distributed.failures.abort`): the other ranks would otherwise
    wait for its messages.
    """

    def __init__(
        self,
        stencil: Stencil,
        shape: Sequence[int],
        dtype: str = "float16",
        *,
        topology: Sequence[int] | None = None,
        steps_per_exchange: int = 1,
        emulate: bool = False,
        reference: bool = False,
        comm: MPI.Intracomm | None = None,
        arch: str = "sm_80",
        sparsity: Sparsity = "sparse",
        path: Path = "tensor-core",
        cuda_aware: bool | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        comm = world(comm)

        def decompose() -> Decomposition:
            storage_type(dtype)
            chosen = choose_topology(comm.Get_size(), len(shape), topology)
            return Decomposition.of(stencil, shape, chosen, steps_per_exchange)

        self.decomposition = agree(comm, decompose)
        self.stencil = stencil
        self.cart = cartesian(comm, self.decomposition.topology)
        self.subdomain: Subdomain = self.decomposition.subdomain(
            self.cart.Get_coords(self.cart.Get_rank())
        )
        self.plan = RoundPlan.of(self.subdomain, stencil.radii)

        def prepare() -> Engine:
            engine = make_engine(
                stencil,
                dtype,
                emulate=emulate,
                use_reference=reference,
                arch=arch,
                sparsity=sparsity,
                path=path,
                cuda_aware_mpi=cuda_aware,
            )
            engine.prepare(self.plan.shapes)
            return engine

        # Compiling before the first step makes a kernel that cannot be built everyone's
        # error, not one rank's.
        self.engine = agree(comm, prepare)
        directions = exchange_directions(stencil, steps_per_exchange)
        self.exchange = HaloExchange(
            self.cart,
            self.subdomain,
            exchange_declarations(self.subdomain, directions),
            self.engine,
            timeout,
        )
        self._block: Any = self.engine.load(np.zeros(self.subdomain.buffer_shape))

    @property
    def shape(self) -> tuple[int, ...]:
        """The global grid's shape."""
        return self.decomposition.shape

    @property
    def global_slice(self) -> tuple[slice, ...]:
        """Where this rank's part lies in the global grid."""
        return self.subdomain.global_slice

    @property
    def local_shape(self) -> tuple[int, ...]:
        """The shape of this rank's part."""
        return self.subdomain.core

    def read(self) -> Grid:
        """A copy of this rank's part, as float64."""
        return self.engine.unload(self._block)[self.subdomain.core_slice]

    def write(self, values: npt.ArrayLike) -> None:
        """Set this rank's part to `values` (rounded to the storage type); raises
        :class:`StencilError` unless their shape is :attr:`local_shape`."""
        array = np.asarray(values, dtype=np.float64)
        if array.shape != self.local_shape:
            raise StencilError(
                f"rank {self.cart.Get_rank()} holds a {format_tile(self.local_shape)} part of "
                f"the grid, got {format_tile(array.shape) if array.ndim else 'a scalar'}"
            )
        self.engine.paste(self._block, self.subdomain.core_slice, self.engine.load(array))

    def step(self, steps: int = 1) -> None:
        """Apply the stencil `steps` times to the whole grid (every rank calls it).

        Every `steps_per_exchange` steps the halo is exchanged and the next steps run on
        each subdomain (:func:`~sparse_stencil.distributed.schedule.run_round`); the last
        round may run fewer. A failure on one rank ends the job."""
        if steps < 0:
            raise CollectiveError(f"steps must be >= 0, got {steps}")
        k = self.decomposition.steps_per_exchange
        try:
            for done in range(0, steps, k):
                run_round(self.plan, self.exchange, self.engine, self._block, min(k, steps - done))
        except Exception as error:  # the other ranks would wait for this one's messages
            abort(self.cart, error)

    def scatter(self, x: Grid | None, root: int = 0) -> None:
        """Set every rank's part from the global grid `x` that rank `root` holds (the
        others pass None)."""
        parts = None
        if self.cart.Get_rank() == root:
            assert x is not None
            parts = [
                x[self.decomposition.subdomain(self.cart.Get_coords(rank)).global_slice]
                for rank in range(self.cart.Get_size())
            ]
        self.write(self.cart.scatter(parts, root=root))

    def gather(self, root: int = 0) -> Grid | None:
        """The global grid on rank `root`, assembled from every rank's part; None on the
        others."""
        parts = self.cart.gather((self.global_slice, self.read()), root=root)
        if parts is None:
            return None
        result = np.empty(self.shape)
        for where, part in parts:
            result[where] = part
        return result
