"""One exchange round of a subdomain: exchange the halo, then step k times, with the
interior computed while the messages travel.

A round could step the whole buffer (core and halo) k times once the halo has arrived:
by then the core is exact (:mod:`~sparse_stencil.distributed.decomposition`). To overlap
the exchange with computation the round splits that work into pieces, each stepped as a
grid of its own, of which only the part that no stale value reaches is kept:

- the **interior**: the core alone, stepped while the messages are in flight
  (between :meth:`HaloExchange.start` and :meth:`HaloExchange.finish`); it is exact
  wherever it is at least one halo width from a side that faces a neighbour, and at the
  global edges, where its band is the grid's;
- one **rim** per side that faces a neighbour, stepped after the halo has arrived: the
  slab from the halo to two halo widths into the core (across the whole buffer on the
  other axes), of which the halo-wide strip next to the halo is kept.

Every core point is kept from one piece at least, and the pieces read the values of the
round's start only (results are written back when all pieces are stepped). A piece with
no interior point on some axis is not stepped: the points it would keep are then all in
the global grid's fixed band, so they keep their values anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sparse_stencil.distributed.decomposition import Box, Subdomain
from sparse_stencil.distributed.engines import Engine, Region
from sparse_stencil.distributed.exchange import HaloExchange


@dataclass(frozen=True)
class Piece:
    """A box of the buffer stepped as a grid of its own, and the part of it kept."""

    region: Region
    """The box, in the buffer."""
    kept: Region
    """The part kept, in the piece."""
    target: Region
    """Where the kept part goes, in the buffer."""
    shape: tuple[int, ...]
    """The piece's extent per axis: the grid shape its kernel is compiled for."""


@dataclass(frozen=True)
class RoundPlan:
    """The pieces of a subdomain's round: the interior (None when no point of it is kept),
    then the rims."""

    interior: Piece | None
    rims: tuple[Piece, ...]

    @classmethod
    def of(cls, subdomain: Subdomain, radii: tuple[int, ...]) -> RoundPlan:
        """The round of `subdomain` for a stencil of `radii`: pieces that have no interior
        point are left out (see the module's docstring)."""
        core = tuple((0, n) for n in subdomain.core)
        interior_kept = tuple(
            (lo, n - hi)
            for lo, n, hi in zip(subdomain.lower, subdomain.core, subdomain.upper, strict=True)
        )
        pieces = [_piece(subdomain, core, interior_kept)]
        for axis in range(len(subdomain.core)):
            pieces.extend(_rims(subdomain, axis))
        steppable = [
            p
            if p is not None and all(n >= 2 * r + 1 for n, r in zip(p.shape, radii, strict=True))
            else None
            for p in pieces
        ]
        return cls(steppable[0], tuple(p for p in steppable[1:] if p is not None))

    @property
    def shapes(self) -> tuple[tuple[int, ...], ...]:
        """The distinct grid shapes this round steps (what a rank compiles)."""
        pieces = ([self.interior] if self.interior is not None else []) + list(self.rims)
        return tuple(dict.fromkeys(p.shape for p in pieces))


def run_round(
    plan: RoundPlan, exchange: HaloExchange, engine: Engine, block: Any, steps: int
) -> None:
    """Exchange `block`'s halo and step its core `steps` times, in place.

    Overlap: the sends and receives are posted first, the interior is stepped while they
    are in flight, and only then does the rank wait for them; the rims, which need the
    halo, come after. How far the messages progress during the interior's computation is
    the MPI library's matter (small messages go out eagerly when posted).
    """
    flight = exchange.start(block)
    kept: list[tuple[Piece, Any]] = []
    if plan.interior is not None:
        kept.append((plan.interior, engine.step(engine.cut(block, plan.interior.region), steps)))
    exchange.finish(flight, block)
    for rim in plan.rims:
        kept.append((rim, engine.step(engine.cut(block, rim.region), steps)))
    for piece, result in kept:
        engine.paste(block, piece.target, result[piece.kept])


def _rims(subdomain: Subdomain, axis: int) -> list[Piece | None]:
    """The rim pieces of `axis`: one per side with a halo, each the slab from the halo to
    two halo widths into the core (clipped to the buffer), keeping the strip by the halo."""
    buffer = subdomain.buffer_bounds
    low, high = buffer[axis]
    n = subdomain.core[axis]
    lower, upper = subdomain.lower[axis], subdomain.upper[axis]
    core = tuple((0, m) for m in subdomain.core)
    sides: list[tuple[tuple[int, int], tuple[int, int]]] = []
    if lower:
        sides.append(((low, min(2 * lower, high)), (0, lower)))
    if upper:
        sides.append(((max(n - 2 * upper, low), high), (n - upper, n)))
    return [
        _piece(
            subdomain,
            (*buffer[:axis], slab, *buffer[axis + 1 :]),
            (*core[:axis], kept, *core[axis + 1 :]),
        )
        for slab, kept in sides
    ]


def _piece(subdomain: Subdomain, region: Box, kept: Box) -> Piece | None:
    """The piece stepping the local-frame box `region` and keeping its part `kept`; None
    when `kept` is empty."""
    if any(start >= stop for start, stop in kept):
        return None
    return Piece(
        region=subdomain.slices(region),
        kept=tuple(slice(k0 - r0, k1 - r0) for (k0, k1), (r0, _) in zip(kept, region, strict=True)),
        target=subdomain.slices(kept),
        shape=tuple(stop - start for start, stop in region),
    )
