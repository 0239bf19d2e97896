"""`sparse-stencil run ... --distributed`: a kernel stepped on a random grid split over the
ranks of an MPI job.

    mpiexec -n 4 sparse-stencil run heat-2d --shape 4096x4096 --steps 10 --distributed
    mpiexec -n 4 sparse-stencil run heat-2d --shape 24x20 --distributed --topology 4x1 --emulate

Rank 0 makes the input (as `run` does), and prints the result's summary as `run` does; bad
input gets one ``error:`` line from rank 0, a failure on one rank one line from that rank,
and the job exits with status 1.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from rich.console import Console

from sparse_stencil.bench.check import INPUT_RANGE, random_grid
from sparse_stencil.distributed.apply import apply
from sparse_stencil.distributed.failures import abort_on_failure
from sparse_stencil.distributed.topology import choose_topology, world
from sparse_stencil.errors import StencilError
from sparse_stencil.layout.morphing import format_tile
from sparse_stencil.stencil import Stencil


def run_distributed(
    arguments: argparse.Namespace, console: Console, load_stencil: Callable[[str], Stencil]
) -> None:
    """The `run` command with `--distributed` (`arguments` as its parser leaves them)."""
    if not arguments.distributed:
        raise StencilError("--topology and --steps-per-exchange need --distributed")
    if arguments.check:
        raise StencilError(
            "--check steps one grid against the reference; it does not combine with --distributed"
        )
    comm = world(None)
    with abort_on_failure(comm):
        stencil = load_stencil(arguments.stencil)
        k = arguments.steps_per_exchange or 1
        x = random_grid(arguments.shape, arguments.seed) if comm.Get_rank() == 0 else None
        y = apply(
            stencil,
            x,
            arguments.steps,
            arguments.dtype,
            arguments.topology,
            arguments.emulate,
            comm,
            steps_per_exchange=k,
            arch=arguments.arch,
            sparsity=arguments.sparsity,
            path=arguments.path,
        )
        if y is None:
            return
        topology = choose_topology(comm.Get_size(), len(arguments.shape), arguments.topology)
        where = "the PTX simulator" if arguments.emulate else "the GPU"
        console.print(
            f"{arguments.steps} step{'s' * (arguments.steps != 1)} of "
            f"{stencil.name or arguments.stencil} on {comm.Get_size()} rank"
            f"{'s' * (comm.Get_size() != 1)} (topology {format_tile(topology)}, halo "
            f"exchanged every {k} step{'s' * (k != 1)}) on {where}: "
            f"{format_tile(arguments.shape)} {arguments.dtype}, input uniform on "
            f"[{INPUT_RANGE[0]}, {INPUT_RANGE[1]}) (seed {arguments.seed}); result min "
            f"{y.min():.6g}, max {y.max():.6g}, mean {y.mean():.6g}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
