"""`sparse-stencil`: the user's command line.

    sparse-stencil catalog                      # the built-in stencils, one row each
    sparse-stencil show box2d3r                 # weights and L0 MLIR of a stencil
    sparse-stencil show heat.mlir --shape 64x64 --steps 10
    sparse-stencil layout box2d3r               # the tiled 2:4 GEMM the stencil becomes
    sparse-stencil layout box2d3r --mlir | sparse-stencil-opt -p ...
    sparse-stencil compile heat-2d --shape 4096x4096 -o heat.ptx   # the PTX kernel
    sparse-stencil compile heat-2d --shape 4096x4096 --stats       # its costs, as JSON
    sparse-stencil accuracy heat-2d --dtype float32 --steps 100 --plot heat.png

`--mlir` prints the MLIR alone on stdout (the summary goes to stderr), so that it pipes
into `sparse-stencil-opt`; `-o FILE` writes it to FILE instead. `compile` prints the PTX
on stdout (or writes it to `-o FILE`) and its one-line summary on stderr.

A stencil is named by a catalog id or alias, or by the path of an MLIR file in our
`lstencil` dialect or xDSL's upstream `stencil` dialect. Bad input gets one `error:` line
and exit status 1.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
from collections.abc import Generator, Sequence
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from xdsl.passes import PassPipeline

from sparse_stencil import catalog
from sparse_stencil.accuracy import (
    CUDA_CORES,
    DEFAULT_SHAPES,
    ModeAccuracy,
    check_modes,
    measure,
    modes_for,
    plot_errors,
)
from sparse_stencil.accuracy import Progress as Progress_
from sparse_stencil.backends.ptx_printer import ARCHITECTURES
from sparse_stencil.bench.check import INPUT_RANGE, random_grid
from sparse_stencil.bench.cli import read_document, select_stencils, settings_from, write_document
from sparse_stencil.bench.gpu import Gpu, TorchConv
from sparse_stencil.bench.plot import plot
from sparse_stencil.bench.run import run_kernel, stepper
from sparse_stencil.bench.runner import DEFAULT_BASELINES, Benchmark
from sparse_stencil.bench.runner import Progress as BenchProgress
from sparse_stencil.bench.table import markdown, tables
from sparse_stencil.compiler import compile as compile_kernel
from sparse_stencil.context import make_context
from sparse_stencil.dtypes import STORAGE_TYPES, storage_type
from sparse_stencil.errors import StencilError
from sparse_stencil.frontend import read_mlir_file, stencil_from_mlir
from sparse_stencil.kernel.precision import TENSOR_MODES
from sparse_stencil.layout.morphing import format_tile
from sparse_stencil.layout.search import LayoutChoice, SearchProgress, choose_layout
from sparse_stencil.layout.statistics import LayoutStatistics, layout_statistics, redundancy
from sparse_stencil.sparsity import sparsity_of
from sparse_stencil.stencil import Stencil
from sparse_stencil.tools.diagnostics import exit_on_user_error
from sparse_stencil.universe import PASSES


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command named on the command line."""
    parser = _argument_parser()
    arguments = parser.parse_args(argv)
    with exit_on_user_error():
        arguments.command(arguments, _console(stderr=False))


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
    # No defaults here, so that a flag given without --shape can be refused.
    show.add_argument(
        "--dtype", choices=sorted(STORAGE_TYPES), help="grid storage type (default float16)"
    )
    show.add_argument("--steps", type=int, help="time steps (default 1)")
    _add_output_arguments(show, "L0")
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
    layout.add_argument("--tile", type=parse_tile, help="force an output tile, e.g. 8x2 or 8,2")
    _add_output_arguments(layout, "L1")
    layout.set_defaults(command=_layout_command)

    kernel = commands.add_parser(
        "compile", help="compile a stencil for one grid shape into a PTX kernel"
    )
    kernel.add_argument("stencil", help="a catalog id or alias, or an MLIR file")
    kernel.add_argument(
        "--shape", type=parse_shape, required=True, help="grid shape, e.g. 4096x4096"
    )
    kernel.add_argument(
        "--dtype",
        default="float16",
        choices=sorted(STORAGE_TYPES),
        help="grid storage type (default float16)",
    )
    kernel.add_argument(
        "--arch", default="sm_80", choices=ARCHITECTURES, help="target (default sm_80)"
    )
    kernel.add_argument(
        "--sparsity",
        default="sparse",
        choices=("sparse", "dense"),
        help="mma.sp on the 2:4 (1:2) matrix, or mma.sync on the dense one (default sparse)",
    )
    kernel.add_argument("--tile", type=parse_tile, help="force an output tile, e.g. 4x4 or 4,4")
    _add_path_argument(kernel)
    _add_compute_argument(kernel)
    _add_fusion_argument(kernel)
    kernel.add_argument("-o", "--output", metavar="FILE", type=Path, help="write the PTX to FILE")
    kernel.add_argument(
        "--stats",
        action="store_true",
        help="print the kernel's statistics as JSON on stdout instead of the PTX",
    )
    kernel.set_defaults(command=_compile_command)
    _add_run_parser(commands)
    _add_bench_parser(commands)
    _add_accuracy_parser(commands)
    return parser


def _add_compute_argument(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--compute",
        choices=TENSOR_MODES["float32"],
        help="how the tensor cores multiply a float32 grid (default tf32)",
    )


def _add_fusion_argument(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--fuse-steps",
        type=int,
        metavar="K",
        help="steps one launch applies (temporal fusion; default: the cost model's choice)",
    )


def _add_accuracy_parser(commands: Any) -> None:
    accuracy = commands.add_parser(
        "accuracy",
        help="error of each precision mode against the float64 reference, on the simulator",
    )
    accuracy.add_argument("stencil", help="a catalog id or alias, or an MLIR file")
    accuracy.add_argument(
        "--shape", type=parse_shape, help="grid shape (default 256, 24x24 or 12x12x12)"
    )
    accuracy.add_argument(
        "--dtype", default="float32", choices=sorted(STORAGE_TYPES), help="default float32"
    )
    accuracy.add_argument("--steps", type=int, default=10, help="time steps (default 10)")
    accuracy.add_argument(
        "--compute",
        action="append",
        choices=(*{m for modes in TENSOR_MODES.values() for m in modes}, CUDA_CORES),
        help="a mode to report (repeatable; default every mode of the dtype and cuda-core)",
    )
    accuracy.add_argument(
        "--seed", type=int, default=0, help="seed of the input, uniform on [-1, 1) (default 0)"
    )
    accuracy.add_argument("--plot", metavar="FILE.png", help="draw error against steps")
    accuracy.set_defaults(command=_accuracy_command)


def _add_kernel_arguments(command: argparse.ArgumentParser) -> None:
    """--dtype, --arch, --steps and --seed, as `run` and `bench` take them."""
    command.add_argument(
        "--dtype", default="float16", choices=sorted(STORAGE_TYPES), help="grid storage type"
    )
    command.add_argument(
        "--arch", default="sm_80", choices=ARCHITECTURES, help="target (default sm_80)"
    )
    command.add_argument("--steps", type=int, default=1, help="time steps (default 1)")
    command.add_argument(
        "--seed", type=int, default=0, help="seed of the input, uniform on [-1, 1) (default 0)"
    )


def _add_path_argument(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--path",
        default="tensor-core",
        choices=("tensor-core", "cuda-core", "auto"),
        help="tensor cores, the direct CUDA-core kernel, or the cheaper of the two "
        "(default tensor-core)",
    )


def _add_run_parser(commands: Any) -> None:
    run = commands.add_parser(
        "run", help="run a kernel on a random grid (GPU, or the simulator with --emulate)"
    )
    run.add_argument("stencil", help="a catalog id or alias, or an MLIR file")
    run.add_argument("--shape", type=parse_shape, required=True, help="grid shape, e.g. 64x64")
    _add_kernel_arguments(run)
    run.add_argument(
        "--sparsity", default="sparse", choices=("sparse", "dense"), help="default sparse"
    )
    _add_path_argument(run)
    _add_compute_argument(run)
    _add_fusion_argument(run)
    run.add_argument(
        "--emulate", action="store_true", help="run on the PTX simulator instead of the GPU"
    )
    run.add_argument(
        "--check",
        action="store_true",
        help="launch by launch against the reference, within the derived error bound",
    )
    run.add_argument(
        "--distributed",
        action="store_true",
        help="split the grid over the ranks of an MPI job (run under mpiexec -n N)",
    )
    run.add_argument(
        "--topology", type=parse_shape, help="with --distributed: ranks per axis, e.g. 2x2"
    )
    run.add_argument(
        "--steps-per-exchange",
        type=int,
        help="with --distributed: steps between halo exchanges (default 1)",
    )
    run.set_defaults(command=_run_command)


def _add_bench_parser(commands: Any) -> None:
    bench = commands.add_parser(
        "bench", help="benchmark kernels against baselines (GPU, or counted with --emulate)"
    )
    bench.add_argument("stencils", nargs="*", metavar="STENCIL", help="catalog ids or files")
    bench.add_argument("--all", action="store_true", help="every catalog stencil")
    bench.add_argument(
        "--shape",
        type=parse_shape,
        action="append",
        help="grid shape; repeat for 1-D, 2-D and 3-D stencils (each uses its own)",
    )
    _add_kernel_arguments(bench)
    bench.add_argument(
        "--baselines",
        default=DEFAULT_BASELINES,
        help=f"paths, from sparse,dense,cuda-core,cudnn,peer:PATH (default {DEFAULT_BASELINES})",
    )
    bench.add_argument("--json", type=Path, metavar="FILE", help="write the results as JSON")
    bench.add_argument("--plot", type=Path, metavar="FILE", help="draw the results (matplotlib)")
    bench.add_argument(
        "--emulate",
        action="store_true",
        help="count per-point instructions on the PTX simulator instead of timing",
    )
    bench.add_argument("--sass", action="store_true", help="add each kernel's SASS mix")
    bench.add_argument(
        "--from-json", type=Path, metavar="FILE", help="show (and plot) a recorded JSON file"
    )
    bench.add_argument(
        "--markdown", type=Path, metavar="FILE", help="also write the tables as Markdown"
    )
    bench.add_argument("--repeats", type=int, default=5, help="timed runs (median; >= 5)")
    bench.add_argument("--warmup", type=int, default=2, help="untimed runs first (default 2)")
    bench.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="compile processes (default: CPUs)"
    )
    bench.set_defaults(command=_bench_command)


def _add_output_arguments(command: argparse.ArgumentParser, level: str) -> None:
    """`--mlir` and `-o FILE`: where the command's MLIR goes, other than with the summary."""
    output = command.add_mutually_exclusive_group()
    output.add_argument(
        "--mlir",
        action="store_true",
        help=f"print the {level} MLIR alone on stdout (the summary goes to stderr)",
    )
    output.add_argument(
        "-o", "--output", metavar="FILE", type=Path, help=f"write the {level} MLIR to FILE"
    )


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
    """`8x2` (as tables print tiles) or `8,2` (as pass options take them) -> (8, 2): an
    output tile's extents, outermost axis first."""
    try:
        return tuple(int(n) for n in re.split("[x,]", text.lower()))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a tile like 8x2 or 8,2") from None


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
    if arguments.shape is None:
        # They describe the program around the stencil, which only --shape asks for.
        for flag in ("dtype", "steps"):
            if getattr(arguments, flag) is not None:
                raise StencilError(f"--{flag} has no effect without --shape")
    stencil = load_stencil(arguments.stencil)
    _print_stencil(_summary_console(arguments, console), stencil, arguments.stencil)
    steps = 1 if arguments.steps is None else arguments.steps
    text = stencil.to_mlir(arguments.shape, arguments.dtype or "float16", steps)
    _write_mlir(arguments, console, text)


def _print_stencil(summary: Console, stencil: Stencil, name: str) -> None:
    """What `show` says of the stencil that `name` denotes: its size, catalog entry and
    dense weights."""
    title = stencil.name or name
    summary.print(
        f"[bold]{title}[/bold]: {stencil.dims}-D, radius {stencil.radius}, "
        f"{stencil.num_points} points"
    )
    if not _names_a_file(name):
        entry = catalog.entry(name)
        summary.print(
            f"{entry.description}\ndomain: {entry.domain}\nsource: {entry.source}",
            markup=False,
            highlight=False,
        )
    with np.printoptions(linewidth=160, precision=6, suppress=True):
        summary.print(str(stencil.weights()), markup=False, highlight=False)


def _console(stderr: bool) -> Console:
    """Rich output; into a pipe or file it is wide enough that table rows never wrap."""
    stream = sys.stderr if stderr else sys.stdout
    return Console(stderr=stderr, width=None if stream.isatty() else _PIPE_WIDTH)


def _summary_console(arguments: argparse.Namespace, console: Console) -> Console:
    """Where the human summary goes: stderr when stdout is to carry the MLIR alone."""
    return _console(stderr=True) if arguments.mlir else console


def _write_mlir(arguments: argparse.Namespace, console: Console, text: str) -> None:
    """`text` to the file of `-o`, if given, else to stdout."""
    path: Path | None = arguments.output
    if path is None:
        _print_text(console, text)
        return
    try:
        path.write_text(text)
    except OSError as error:
        raise StencilError(f"cannot write '{path}': {error.strerror}") from None


def _print_text(console: Console, text: str) -> None:
    """Print program text as it is: no markup, highlighting or line wrapping."""
    console.print(text, markup=False, highlight=False, soft_wrap=True, end="")


def _layout_command(arguments: argparse.Namespace, console: Console) -> None:
    stencil = load_stencil(arguments.stencil)
    sparsity = sparsity_of(storage_type(arguments.dtype))
    with _search_progress() as progress:
        choice = choose_layout(stencil, sparsity, arguments.tile, progress=progress)
    stats = _print_layout(_summary_console(arguments, console), choice, stencil, arguments.stencil)
    if arguments.mlir or arguments.output is not None:
        _write_mlir(arguments, console, _l1_mlir(stencil, arguments.dtype, stats.tile))


def _compile_command(arguments: argparse.Namespace, console: Console) -> None:
    stencil = load_stencil(arguments.stencil)
    kernel = compile_kernel(
        stencil,
        arguments.shape,
        arguments.dtype,
        arguments.arch,
        sparsity=arguments.sparsity,
        tile=arguments.tile,
        path=arguments.path,
        compute=arguments.compute,
        fuse_steps=arguments.fuse_steps,
    )
    _console(stderr=True).print(kernel.describe(), markup=False, highlight=False)
    if arguments.output is not None or not arguments.stats:
        _write_mlir(arguments, console, kernel.ptx)
    if arguments.stats:
        _print_text(console, json.dumps(kernel.stats, indent=2) + "\n")


def _accuracy_command(arguments: argparse.Namespace, console: Console) -> None:
    stencil = load_stencil(arguments.stencil)
    storage = storage_type(arguments.dtype)
    modes = check_modes(arguments.compute or modes_for(storage), storage)
    shape = arguments.shape or DEFAULT_SHAPES[stencil.dims]
    results: list[ModeAccuracy] = []
    with _accuracy_progress(len(modes) * arguments.steps) as progress:
        for mode in modes:
            results.append(
                measure(
                    stencil, shape, storage.name, mode, arguments.steps, arguments.seed, progress
                )
            )
    table = Table(
        title=f"{stencil.name or arguments.stencil} on {format_tile(shape)} {storage.name}, "
        f"{arguments.steps} steps, input uniform on [-1, 1) (seed {arguments.seed})"
    )
    for column in ("mode", "max error", "RMS error", "derived bound", "within"):
        table.add_column(column, justify="left" if column == "mode" else "right")
    for result in results:
        table.add_row(
            result.mode,
            f"{result.max_errors[-1]:.3g}",
            f"{result.rms_errors[-1]:.3g}",
            f"{result.bounds[-1]:.3g}",
            "yes" if result.within else "NO",
        )
    console.print(table)
    if arguments.plot:
        plot_errors(results, f"{stencil.name or arguments.stencil}, {storage.name}", arguments.plot)
        console.print(f"plot: {arguments.plot}", markup=False, highlight=False)


@contextmanager
def _accuracy_progress(total: int) -> Generator[Progress_ | None]:
    """A progress bar on stderr when it is a terminal (steps of all modes), else nothing."""
    if not sys.stderr.isatty():
        yield None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=_console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("accuracy", total=total)

        def advance(mode: str, done: int, steps: int) -> None:
            bar.update(task, advance=1, description=f"{mode}: step {done}/{steps}")

        yield advance


def _run_command(arguments: argparse.Namespace, console: Console) -> None:
    if arguments.distributed or arguments.topology or arguments.steps_per_exchange:
        from sparse_stencil.distributed.command import run_distributed

        if arguments.compute is not None:
            raise StencilError("--compute is not available with --distributed")
        if arguments.fuse_steps is not None:
            raise StencilError(
                "--fuse-steps is not available with --distributed: the kernels fuse as the "
                "cost model chooses (--steps-per-exchange sets the steps between exchanges)"
            )
        run_distributed(arguments, console, load_stencil)
        return
    stencil = load_stencil(arguments.stencil)
    kernel = compile_kernel(
        stencil,
        arguments.shape,
        arguments.dtype,
        arguments.arch,
        sparsity=arguments.sparsity,
        path=arguments.path,
        compute=arguments.compute,
        fuse_steps=arguments.fuse_steps,
    )
    _console(stderr=True).print(kernel.describe(), markup=False, highlight=False)
    x = random_grid(arguments.shape, arguments.seed)
    where = "the PTX simulator" if arguments.emulate else "the GPU"
    step = stepper(kernel, arguments.emulate)
    outcome = run_kernel(kernel, x, arguments.steps, step, arguments.check)
    y = outcome.result
    console.print(
        f"{arguments.steps} step{'s' * (arguments.steps != 1)} of {kernel.entry} on {where}: "
        f"{format_tile(kernel.shape)} "
        f"{kernel.storage.name}, input uniform on [{INPUT_RANGE[0]}, {INPUT_RANGE[1]}) "
        f"(seed {arguments.seed}); result min {y.min():.6g}, max {y.max():.6g}, "
        f"mean {y.mean():.6g}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    if outcome.check is not None and outcome.drift is not None:
        drift = outcome.drift
        console.print(
            f"check, every launch against as many reference steps from the kernel's previous grid: "
            f"{outcome.check.describe()}\n"
            f"drift, {arguments.steps} kernel steps against {arguments.steps} reference steps "
            f"from the input: max error {drift.max_error:.3g}, RMS error "
            f"{drift.rms_error:.3g} (no bound: the steps' errors compound)",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        if not outcome.check.ok:
            raise StencilError(f"{kernel.entry} is outside the error bound")


def _bench_command(arguments: argparse.Namespace, console: Console) -> None:
    if arguments.from_json is not None:
        document = read_document(arguments.from_json, arguments)
    else:
        document = _benchmark(arguments)
    shown = tables(document)
    for table in shown:
        console.print(table)
    if arguments.markdown is not None:
        arguments.markdown.write_text("\n".join(markdown(table) for table in shown))
    if arguments.json is not None:
        write_document(document, arguments.json)
    if arguments.plot is not None:
        plot(document, arguments.plot)


def _benchmark(arguments: argparse.Namespace) -> dict[str, Any]:
    """Run the benchmark that `arguments` describe."""
    settings = settings_from(arguments)
    named = select_stencils(arguments.stencils, arguments.all, settings, load_stencil)
    device = None if settings.emulate else Gpu()
    conv = TorchConv if any(p.name == "cudnn" for p in settings.paths) else None
    with _bench_progress() as progress:
        return Benchmark(named, settings, device, conv, progress).run(
            ["sparse-stencil", *sys.argv[1:]]
        )


@contextmanager
def _bench_progress() -> Generator[BenchProgress | None]:
    """A progress bar on stderr for the benchmark's stages, if stderr is a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    bar = Progress(*columns, TimeElapsedColumn(), console=_console(stderr=True))
    task = bar.add_task("compiling", total=None)

    def report(stage: str, done: int, total: int) -> None:
        bar.update(task, description=stage, completed=done, total=total)

    with bar:
        yield report


def _print_layout(
    summary: Console, choice: LayoutChoice, stencil: Stencil, name: str
) -> LayoutStatistics:
    """What `layout` says of the search: the best tiles it tried and the chosen layout's
    statistics, which it returns."""
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
    summary.print(table)
    summary.print("(-: not converted, since its lower bound cannot beat the chosen tile)")
    summary.print(
        f"[bold]{stencil.name or name}[/bold] ({stats.sparsity}): tile "
        f"{format_tile(stats.tile)}, K {stats.k_before} -> {stats.k_after} (lower bound "
        f"{stats.padded_bound}), density {stats.density:.2f}, redundancy "
        f"{stats.redundancy:.2f} (dense mma: {stats.dense_redundancy:.2f}); {stats.method} in "
        f"{1000 * stats.conversion_seconds:.1f} ms, search {1000 * stats.search_seconds:.0f} ms"
    )
    return stats


@contextmanager
def _search_progress() -> Generator[SearchProgress | None]:
    """A progress bar on stderr for the tile search, if stderr is a terminal: a large
    stencil's search takes seconds to minutes. It is erased when the search ends."""
    if not sys.stderr.isatty():
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    bar = Progress(*columns, TimeElapsedColumn(), console=_console(stderr=True), transient=True)
    task = bar.add_task(_STAGES["morph"], total=None)

    def report(stage: str, done: int, total: int) -> None:
        bar.update(task, description=_STAGES[stage], completed=done, total=total)

    with bar:
        yield report


def _l1_mlir(stencil: Stencil, dtype: str, tile: tuple[int, ...]) -> str:
    """The L1 module that the passes make of `stencil` with the chosen `tile`: the text is
    the pipeline's own, and forcing the tile spares the passes the search."""
    module = stencil.to_module()
    spec = f"morph-stencil-layout{{tile={','.join(map(str, tile))} dtype={dtype}}}"
    spec += f",convert-structured-sparsity{{dtype={dtype}}}"
    PassPipeline.parse_spec(dict(PASSES), spec).apply(make_context(), module)
    return str(module) + "\n"


_TILES_SHOWN = 8
_STAGES = {"morph": "morphing tiles", "convert": "converting tiles"}
_PIPE_WIDTH = 200

if __name__ == "__main__":
    main()
