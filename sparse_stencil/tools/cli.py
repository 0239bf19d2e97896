"""`sparse-stencil`: the user's command line.

    sparse-stencil catalog                      # the built-in stencils, one row each
    sparse-stencil show box2d3r                 # weights and L0 MLIR of a stencil
    sparse-stencil show heat.mlir --shape 64x64 --steps 10
    sparse-stencil layout box2d3r               # the tiled 2:4 GEMM the stencil becomes

A stencil is named by a catalog id or alias, or by the path of an MLIR file in our
`lstencil` dialect or xDSL's upstream `stencil` dialect. Bad input gets one `error:` line
and exit status 1.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Sequence
from importlib.metadata import version

import numpy as np
from rich.console import Console
from rich.table import Table
from xdsl.passes import PassPipeline

from sparse_stencil import catalog
from sparse_stencil.context import make_context
from sparse_stencil.dtypes import STORAGE_TYPES, storage_type
from sparse_stencil.errors import StencilError
from sparse_stencil.frontend import read_mlir_file, stencil_from_mlir
from sparse_stencil.layout.morphing import format_tile
from sparse_stencil.layout.search import choose_layout
from sparse_stencil.layout.statistics import layout_statistics, redundancy
from sparse_stencil.sparsity import sparsity_of
from sparse_stencil.stencil import Stencil
from sparse_stencil.tools.diagnostics import exit_on_user_error
from sparse_stencil.universe import PASSES


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command named on the command line."""
    parser = _argument_parser()
    arguments = parser.parse_args(argv)
    with exit_on_user_error():
        arguments.command(arguments, _console())


def _argument_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sparse-stencil",
        description="Compile stencil computations for NVIDIA Sparse Tensor Cores.",
    )
    parser.add_argument(
        "--version", action="version", version=f"sparse-stencil {version('sparse-stencil')}"
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

    layout = commands.add_parser(
        "layout", help="morph a stencil into a tiled GEMM and convert it to 2:4 (or 1:2)"
    )
    layout.add_argument("stencil", help="a catalog id or alias, or an MLIR file")
    layout.add_argument(
        "--dtype",
        default="float16",
        choices=sorted(STORAGE_TYPES),
        help="storage type: float16/bfloat16 use 2:4, float32 (tf32) 1:2",
    )
    layout.add_argument("--tile", type=parse_tile, help="force an output tile, e.g. 8,2")
    layout.add_argument("--mlir", action="store_true", help="also print the L1 MLIR")
    layout.set_defaults(command=_layout_command)
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


def parse_tile(text: str) -> tuple[int, ...]:
    """`8,2` -> (8, 2): an output tile's extents, outermost axis first."""
    try:
        return tuple(int(n) for n in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a tile like 8,2") from None


def load_stencil(name: str) -> Stencil:
    """The stencil that `name` denotes: an MLIR file's, or a catalog entry's."""
    if _names_a_file(name):
        return stencil_from_mlir(read_mlir_file(name), name)
    return catalog.get(name)


def _names_a_file(name: str) -> bool:
    return os.path.sep in name or name.endswith(".mlir") or os.path.exists(name)


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
    if not _names_a_file(arguments.stencil):
        entry = catalog.entry(arguments.stencil)
        console.print(
            f"{entry.description}\ndomain: {entry.domain}\nsource: {entry.source}",
            markup=False,
            highlight=False,
        )
    with np.printoptions(linewidth=160, precision=6, suppress=True):
        console.print(str(stencil.weights()), markup=False, highlight=False)
    _print_text(console, stencil.to_mlir(arguments.shape, arguments.dtype, arguments.steps))


def _console() -> Console:
    """Rich output; into a pipe or file it is wide enough that table rows never wrap."""
    return Console() if sys.stdout.isatty() else Console(width=_PIPE_WIDTH)


def _print_text(console: Console, text: str) -> None:
    """Print program text as it is: no markup, highlighting or line wrapping."""
    console.print(text, markup=False, highlight=False, soft_wrap=True, end="")


def _layout_command(arguments: argparse.Namespace, console: Console) -> None:
    stencil = load_stencil(arguments.stencil)
    choice = choose_layout(stencil, sparsity_of(storage_type(arguments.dtype)), arguments.tile)
    stats = layout_statistics(choice)
    table = Table("tile", "K before", "bound", "K after", "redundancy", title="tiles searched")
    ranked = sorted(choice.candidates, key=lambda c: (c.k_after is None, c.padded_bound))
    for candidate in ranked[:_TILES_SHOWN]:
        k_after = candidate.k_after
        table.add_row(
            format_tile(candidate.tile),
            str(candidate.k_before),
            str(candidate.padded_bound),
            "-" if k_after is None else str(k_after),
            "-"
            if k_after is None
            else f"{redundancy(k_after, math.prod(candidate.tile), stats.nonzeros):.2f}",
        )
    console.print(table)
    console.print("(-: not converted, since its lower bound cannot beat the chosen tile)")
    console.print(
        f"[bold]{stencil.name or arguments.stencil}[/bold] ({stats.sparsity}): tile "
        f"{format_tile(stats.tile)}, K {stats.k_before} -> {stats.k_after} (lower bound "
        f"{stats.padded_bound}), density {stats.density:.2f}, redundancy "
        f"{stats.redundancy:.2f} (dense mma: {stats.dense_redundancy:.2f}); {stats.method} in "
        f"{1000 * stats.conversion_seconds:.1f} ms, search {1000 * stats.search_seconds:.0f} ms"
    )
    if arguments.mlir:
        _print_text(console, _l1_mlir(stencil, arguments.dtype, stats.tile))


def _l1_mlir(stencil: Stencil, dtype: str, tile: tuple[int, ...]) -> str:
    """The L1 module that the passes make of `stencil` with the chosen `tile`: the text is
    the pipeline's own, and forcing the tile spares the passes the search."""
    module = stencil.to_module()
    spec = f"morph-stencil-layout{{tile={','.join(map(str, tile))} dtype={dtype}}}"
    spec += f",convert-structured-sparsity{{dtype={dtype}}}"
    PassPipeline.parse_spec(dict(PASSES), spec).apply(make_context(), module)
    return str(module) + "\n"


_TILES_SHOWN = 8
_PIPE_WIDTH = 200

if __name__ == "__main__":
    main()
