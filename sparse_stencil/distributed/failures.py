"""How a distributed job fails: one clear message and a non-zero exit, never a hang.

Two kinds of error end a job. A :class:`CollectiveError` is raised identically on every
rank (it is computed from what all ranks share: the global shape, the topology, the
stencil), so every rank can leave on its own and no rank waits for another; only rank 0
prints it. Any other exception happens on one rank while the others may be blocked in a
message exchange: :func:`abort_on_failure` prints it with the rank's number and calls
``MPI_Abort``, which ends every rank of the job.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Generator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn, TypeVar

from sparse_stencil.errors import StencilError

if TYPE_CHECKING:
    from mpi4py import MPI

T = TypeVar("T")

ABORT_STATUS = 1
"""The exit status of a job that a failing rank ends."""


class CollectiveError(StencilError):
    """Bad input that every rank of the job detects alike (a topology that does not match
    the number of ranks, a subdomain thinner than its halo): each rank raises it, so the
    job can end without an abort."""


@contextmanager
def abort_on_failure(comm: MPI.Comm) -> Generator[None]:
    """Run the block; end the whole job with one message and exit status 1 if it fails.

    A :class:`CollectiveError` is printed by rank 0 only, as ``error: <message>``, and
    every rank exits with status 1. Any other exception is printed by the rank that raised
    it, as ``error: rank R of N: <message>``, and that rank aborts the job
    (``comm.Abort(1)``), so that no other rank is left waiting for its messages.
    """
    try:
        yield
    except CollectiveError as error:
        if comm.Get_rank() == 0:
            print(f"error: {error}", file=sys.stderr, flush=True)
        sys.exit(ABORT_STATUS)
    except Exception as error:  # any failure must end the job, not hang it
        abort(comm, error)


def abort(comm: MPI.Comm, error: BaseException) -> NoReturn:
    """Print `error` as ``error: rank R of N: <message>`` and end every rank of the job."""
    print(
        f"error: rank {comm.Get_rank()} of {comm.Get_size()}: {describe(error)}",
        file=sys.stderr,
        flush=True,
    )
    comm.Abort(ABORT_STATUS)
    raise SystemExit(ABORT_STATUS)  # not reached: Abort ends the process


def agree(comm: MPI.Comm, action: Callable[[], T]) -> T:
    """Run `action` on every rank of `comm` and raise :class:`CollectiveError` on all of
    them if it raised :class:`StencilError` on any: a check that some ranks pass and
    others fail would otherwise leave the passing ones waiting for the failing ones.

    The message is the failing ranks' own when they all failed alike, else the first
    failing rank's, after its number.
    """
    try:
        result = action()
    except StencilError as error:
        _settle(comm, describe(error))
        raise  # not reached: _settle raises on the rank that failed
    _settle(comm, None)
    return result


def _settle(comm: MPI.Comm, failure: str | None) -> None:
    """Share each rank's `failure` (None: none) and raise the first as a
    :class:`CollectiveError` on every rank, if any."""
    failures = comm.allgather(failure)
    failed = [(rank, message) for rank, message in enumerate(failures) if message is not None]
    if not failed:
        return
    rank, message = failed[0]
    alike = len(failed) == len(failures) and len(set(failures)) == 1
    raise CollectiveError(message if alike else f"rank {rank}: {message}")


def describe(error: BaseException) -> str:
    """One line for `error`: its message, after its type unless it is bad user input."""
    lines = str(error).splitlines()
    message = lines[0] if lines else ""
    if isinstance(error, StencilError):
        return message
    return f"{type(error).__name__}: {message}" if message else type(error).__name__
