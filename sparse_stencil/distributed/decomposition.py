"""The geometry of a domain decomposition: which global points each rank owns, and the
halo it needs around them. Pure arithmetic: no MPI, no arrays.

The global grid is cut along every axis into as many parts as the topology has ranks there,
as evenly as possible (the first ``n % p`` parts one point longer). A rank's **core** is
the box of global points it owns and updates. Its **buffer** is the core widened by a halo
of ``h_a = r_a * k`` points on each side of axis a where it has a neighbour (r_a the
stencil's radius on axis a, k the steps per exchange), and by nothing at the global grid's
edges. Run through a kernel, the buffer keeps its outer band of width r_a fixed like any
grid: at a global edge that band is the global grid's fixed band, exactly as on one rank;
at an inner edge it is halo, whose stale values reach r_a points further in with every
step, so after k steps they have reached the halo's inner end and the core is still exact.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import product

from sparse_stencil.distributed.failures import CollectiveError
from sparse_stencil.errors import StencilError
from sparse_stencil.layout.morphing import format_tile
from sparse_stencil.stencil import Stencil

Box = tuple[tuple[int, int], ...]
"""Half-open bounds ``(start, stop)`` per axis."""


@dataclass(frozen=True)
class Subdomain:
    """One rank's part of the grid, in two frames: global indices, and *local* ones, in
    which the core spans ``[0, core[a])`` on axis a and the halo lies at negative indices
    and at ``core[a]`` and beyond (the frame of the `dmp` exchange declarations)."""

    coords: tuple[int, ...]
    """The rank's coordinates in the topology."""
    topology: tuple[int, ...]
    origin: tuple[int, ...]
    """Global index of the core's first point."""
    core: tuple[int, ...]
    """The core's extent per axis."""
    lower: tuple[int, ...]
    """Halo width below the core per axis: 0 at the global grid's low edge."""
    upper: tuple[int, ...]
    """Halo width above the core per axis: 0 at the global grid's high edge."""

    @property
    def buffer_shape(self) -> tuple[int, ...]:
        """The extent of the core and its halo per axis."""
        return tuple(lo + n + hi for lo, n, hi in zip(self.lower, self.core, self.upper))

    @property
    def buffer_bounds(self) -> Box:
        """The buffer in the local frame: ``[-lower, core + upper)`` per axis."""
        return tuple(
            (-lo, n + hi) for lo, n, hi in zip(self.lower, self.core, self.upper, strict=True)
        )

    @property
    def global_slice(self) -> tuple[slice, ...]:
        """Where the core lies in the global grid."""
        return tuple(slice(o, o + n) for o, n in zip(self.origin, self.core, strict=True))

    @property
    def core_slice(self) -> tuple[slice, ...]:
        """Where the core lies in the buffer."""
        return self.slices(tuple((0, n) for n in self.core))

    def slices(self, box: Box) -> tuple[slice, ...]:
        """Where the local-frame `box` lies in the buffer."""
        return tuple(
            slice(start + lo, stop + lo) for (start, stop), lo in zip(box, self.lower, strict=True)
        )

    def has_neighbour(self, direction: Sequence[int]) -> bool:
        """Whether the rank at offset `direction` (-1, 0 or 1 per axis) exists."""
        return all(
            0 <= c + d < p for c, d, p in zip(self.coords, direction, self.topology, strict=True)
        )

    def inner(self, axis: int, side: int) -> bool:
        """Whether the core's `side` (-1 low, +1 high) on `axis` faces a neighbour."""
        return 0 <= self.coords[axis] + side < self.topology[axis]


@dataclass(frozen=True)
class Decomposition:
    """The global grid `shape` cut over `topology`, with the halo that `radii` and
    `steps_per_exchange` need. Build it with :meth:`of`, which checks it."""

    shape: tuple[int, ...]
    topology: tuple[int, ...]
    radii: tuple[int, ...]
    steps_per_exchange: int

    @classmethod
    def of(
        cls,
        stencil: Stencil,
        shape: Sequence[int],
        topology: Sequence[int],
        steps_per_exchange: int = 1,
    ) -> Decomposition:
        """The decomposition of a `shape` grid over `topology` for `stencil`, exchanging
        every `steps_per_exchange` steps.

        Raises :class:`CollectiveError` when the grid has no interior, the topology does
        not fit the grid, or a core would be thinner than its halo (its neighbour's halo
        must come from it alone).
        """
        if steps_per_exchange < 1:
            raise CollectiveError(
                f"steps per exchange must be at least 1, got {steps_per_exchange}"
            )
        try:
            grid = stencil.check_grid(shape)
        except StencilError as error:
            raise CollectiveError(str(error)) from None
        topology = tuple(topology)
        if len(topology) != len(grid):
            raise CollectiveError(
                f"topology {format_tile(topology)} has {len(topology)} axes, the grid has "
                f"{len(grid)}"
            )
        decomposition = cls(grid, topology, stencil.radii, steps_per_exchange)
        for axis, (n, p, h) in enumerate(zip(grid, topology, decomposition.halo, strict=True)):
            if p > 1 and n // p < max(h, 1):
                raise CollectiveError(
                    f"{p} ranks on axis {axis} leave subdomains of {n // p} points, thinner "
                    f"than the halo of {h} (radius {h // steps_per_exchange} x "
                    f"{steps_per_exchange} steps per exchange): use fewer ranks on axis "
                    f"{axis} or fewer steps per exchange"
                )
        return decomposition

    @property
    def halo(self) -> tuple[int, ...]:
        """Halo width per axis: radius times steps per exchange."""
        return tuple(r * self.steps_per_exchange for r in self.radii)

    @property
    def ranks(self) -> int:
        """The number of ranks."""
        return math.prod(self.topology)

    def subdomain(self, coords: Sequence[int]) -> Subdomain:
        """The part of the rank at `coords`."""
        coords = tuple(coords)
        cuts = [split(n, p) for n, p in zip(self.shape, self.topology, strict=True)]
        starts = tuple(cut[c] for cut, c in zip(cuts, coords, strict=True))
        core = tuple(cut[c + 1] - cut[c] for cut, c in zip(cuts, coords, strict=True))
        lower = tuple(h if c > 0 else 0 for h, c in zip(self.halo, coords, strict=True))
        upper = tuple(
            h if c < p - 1 else 0 for h, c, p in zip(self.halo, coords, self.topology, strict=True)
        )
        return Subdomain(coords, self.topology, starts, core, lower, upper)

    def subdomains(self) -> Iterator[Subdomain]:
        """Every rank's part, in rank order (row-major in the coordinates, as
        ``MPI.Comm.Create_cart`` numbers them)."""
        for coords in product(*(range(p) for p in self.topology)):
            yield self.subdomain(coords)


def split(n: int, parts: int) -> tuple[int, ...]:
    """The cut points of `n` points into `parts` runs as even as possible, the first
    ``n % parts`` runs one point longer: ``split(10, 3) == (0, 4, 7, 10)``."""
    base, extra = divmod(n, parts)
    cuts = [0]
    for part in range(parts):
        cuts.append(cuts[-1] + base + (1 if part < extra else 0))
    return tuple(cuts)
