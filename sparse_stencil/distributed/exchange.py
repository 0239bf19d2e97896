"""The halo exchange at run time: the ``dmp.swap`` of a subdomain done with nonblocking
point-to-point MPI messages.

:class:`HaloExchange` turns each ``#dmp.exchange`` declaration of
:func:`~sparse_stencil.distributed.halo.exchange_declarations` into one ``Irecv`` into the
declared halo box and one ``Isend`` of the declared source box, both with the neighbour
that the declaration names. :meth:`HaloExchange.start` posts every receive, then packs and
posts every send, and returns at once; :meth:`HaloExchange.finish` waits for all of them,
with a deadline, and writes the received boxes into the block. What the caller does between
the two overlaps the transfers (:mod:`~sparse_stencil.distributed.schedule` computes the
interior there).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from xdsl.dialects.experimental import dmp

from sparse_stencil.distributed.decomposition import Subdomain
from sparse_stencil.distributed.engines import Engine, Region
from sparse_stencil.distributed.halo import declared_box

if TYPE_CHECKING:
    from mpi4py import MPI

DEFAULT_TIMEOUT = 600.0
"""Seconds an exchange may wait for its neighbours before the rank gives up."""
_POLL_SECONDS = 1e-4


class ExchangeTimeout(RuntimeError):
    """A neighbour did not send its halo in time (it failed or stopped)."""


@dataclass(frozen=True)
class Message:
    """One declared exchange: the box received from a neighbour and the box sent to it."""

    neighbour: int
    """The neighbour's rank in the Cartesian communicator."""
    receive: Region
    send: Region
    shape: tuple[int, ...]
    receive_tag: int
    send_tag: int


@dataclass
class InFlight:
    """The posted requests of one exchange, and the buffers they use until they complete."""

    requests: list[MPI.Request]
    received: list[Any]
    sent: list[Any]


class HaloExchange:
    """The messages that `declarations` declare for `subdomain`, over the Cartesian
    communicator `cart`, with the buffers of `engine`."""

    def __init__(
        self,
        cart: MPI.Cartcomm,
        subdomain: Subdomain,
        declarations: Sequence[dmp.ExchangeDeclarationAttr],
        engine: Engine,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.cart = cart
        self.engine = engine
        self.timeout = timeout
        self.messages = tuple(_message(cart, subdomain, d) for d in declarations)

    def start(self, block: Any) -> InFlight:
        """Post every receive, then pack and post every send; returns without waiting."""
        from mpi4py import MPI

        flight = InFlight([], [], [])
        for message in self.messages:
            buffer = self.engine.receive_buffer(message.shape)
            flight.received.append(buffer)
            flight.requests.append(
                self.cart.Irecv([buffer, MPI.BYTE], message.neighbour, message.receive_tag)
            )
        for message in self.messages:
            buffer = self.engine.pack(block, message.send)
            flight.sent.append(buffer)
            flight.requests.append(
                self.cart.Isend([buffer, MPI.BYTE], message.neighbour, message.send_tag)
            )
        return flight

    def finish(self, flight: InFlight, block: Any) -> None:
        """Wait for every message of `flight` and write the received halo into `block`.

        Raises :class:`ExchangeTimeout` after `timeout` seconds without completion."""
        wait_all(flight.requests, self.timeout)
        for message, buffer in zip(self.messages, flight.received, strict=True):
            self.engine.unpack(block, message.receive, buffer)


def wait_all(requests: Sequence[MPI.Request], timeout: float) -> None:
    """``MPI.Request.Waitall`` with a deadline: polls with ``Testall`` and raises
    :class:`ExchangeTimeout` once `timeout` seconds have passed."""
    from mpi4py import MPI

    deadline = time.monotonic() + timeout
    while not MPI.Request.Testall(list(requests)):
        if time.monotonic() > deadline:
            raise ExchangeTimeout(
                f"the halo exchange did not complete within {timeout:g} s: a neighbouring "
                "rank failed or stopped"
            )
        time.sleep(_POLL_SECONDS)


def direction_tag(direction: Sequence[int]) -> int:
    """A tag per direction (its digits + 1 in base 3), so that the messages between two
    ranks never match the wrong box."""
    tag = 0
    for d in direction:
        tag = 3 * tag + d + 1
    return tag


def _message(
    cart: MPI.Cartcomm, subdomain: Subdomain, declaration: dmp.ExchangeDeclarationAttr
) -> Message:
    direction = declaration.neighbor
    coords = [c + d for c, d in zip(subdomain.coords, direction, strict=True)]
    source = declaration.source_area()
    return Message(
        neighbour=cart.Get_cart_rank(coords),
        receive=subdomain.slices(declared_box(declaration.offset, declaration.size)),
        send=subdomain.slices(declared_box(source.offset, source.size)),
        shape=declaration.size,
        # The neighbour receives what this rank sends as coming from the opposite side.
        receive_tag=direction_tag(direction),
        send_tag=direction_tag([-d for d in direction]),
    )
