"""`sparse-stencil`: the user's command line.

    sparse-stencil catalog                      # the built-in stencils, one row each
    sparse-stencil show box2d3r                 # weights and L0 MLIR of a stencil
    sparse-stencil show heat.mlir --shape 64x64 --steps 10

A stencil is named by a catalog id or alias, or by the path of an MLIR file in our
`lstencil` dialect or xDSL's upstream `stencil` dialect. Bad input gets one `error:` line
and exit status 1.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

import numpy as np
from rich.console import Console
from rich.table import Table

from sparse_stencil import catalog
from sparse_stencil.dtypes import STORAGE_TYPES
from sparse_stencil.errors import StencilError
from sparse_stencil.frontend import read_mlir_file, stencil_from_mlir
from sparse_stencil.stencil import Stencil
from sparse_stencil.tools.diagnostics import exit_on_user_error


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command named on the command line."""
    parser = _argument_parser()
    arguments = parser.parse_args(argv)
    with exit_on_user_error():
        arguments.command(arguments, Console(width=200 if not sys.stdout.isatty() else None))


def _argument_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sparse-stencil",
        description="Compile stencil computations for NVIDIA Sparse Tensor Cores.",
    )
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    listing = commands.add_parser("catalog", help="list the built-in stencils")
    listing.add_argument("--domain", help="only stencils whose domain contains this text")
    listing.set_defaults(command=_catalog_command)

    show = commands.add_parser("show", help="print a stencil's weights and its L0 MLIR")
    show.add_argument("stencil", help="a catalog id or alias, or an MLIR file")
    show.add_argument("--shape", type=parse_shape, help="grid shape, e.g. 64x64")
    show.add_argument("--dtype", default="float16", choices=sorted(STORAGE_TYPES))
    show.add_argument("--steps", type=int, default=1, help="time steps (default 1)")
    show.set_defaults(command=_show_command)
    return parser


def parse_shape(text: str) -> tuple[int, ...]:
    """`64x64` -> (64, 64); argparse reports a ValueError as a usage error."""
    try:
        shape = tuple(int(n) for n in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a shape like 64x64") from None
    if not shape or any(n < 1 for n in shape):
        raise argparse.ArgumentTypeError(f"'{text}' is not a shape of positive extents")
    return shape


def load_stencil(name: str) -> Stencil:
    """The stencil that `name` denotes: an MLIR file's, or a catalog entry's."""
    if os.path.sep in name or name.endswith(".mlir") or os.path.exists(name):
        return stencil_from_mlir(read_mlir_file(name), name)
    return catalog.get(name)


def _catalog_command(arguments: argparse.Namespace, console: Console) -> None:
    table = Table("id", "aliases", "dims", "radius", "points", "domain", title="stencil catalog")
    shown = 0
    for entry in catalog.entries():
        if arguments.domain and arguments.domain.lower() not in entry.domain.lower():
            continue
        stencil = entry.stencil
        table.add_row(
            entry.id,
            ", ".join(entry.aliases),
            str(stencil.dims),
            str(stencil.radius),
            str(stencil.num_points),
            entry.domain,
        )
        shown += 1
    if shown == 0:
        raise StencilError(f"no catalog stencil has a domain containing '{arguments.domain}'")
    console.print(table)
    console.print(f"{shown} stencils")


def _show_command(arguments: argparse.Namespace, console: Console) -> None:
    stencil = load_stencil(arguments.stencil)
    title = stencil.name or arguments.stencil
    console.print(
        f"[bold]{title}[/bold]: {stencil.dims}-D, radius {stencil.radius}, "
        f"{stencil.num_points} points"
    )
    with np.printoptions(linewidth=160, precision=6, suppress=True):
        console.print(str(stencil.weights()), markup=False, highlight=False)
    console.print(
        stencil.to_mlir(arguments.shape, arguments.dtype, arguments.steps),
        markup=False,
        highlight=False,
        end="",
    )


if __name__ == "__main__":
    main()
