"""What `sparse-stencil bench` makes of its arguments, and its JSON files."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sparse_stencil import catalog
from sparse_stencil.bench.errors import BenchError
from sparse_stencil.bench.runner import Settings, parse_baselines
from sparse_stencil.bench.schema import validate
from sparse_stencil.stencil import Stencil

_MEASURING = ("stencils", "all", "shape", "emulate", "sass")


def settings_from(arguments: argparse.Namespace) -> Settings:
    """The benchmark's settings; raises :class:`BenchError` for a bad combination."""
    if not arguments.shape:
        raise BenchError("bench needs --shape (one per dimensionality), or --from-json FILE")
    if arguments.jobs < 1:
        raise BenchError(f"--jobs must be at least 1, got {arguments.jobs}")
    settings = Settings(
        shapes=tuple(arguments.shape),
        steps=arguments.steps,
        dtype=arguments.dtype,
        arch=arguments.arch,
        paths=parse_baselines(arguments.baselines),
        emulate=arguments.emulate,
        sass=arguments.sass,
        seed=arguments.seed,
        warmup=arguments.warmup,
        repeats=arguments.repeats,
        jobs=arguments.jobs,
    )
    settings.check()
    return settings


def select_stencils(
    names: Sequence[str], every: bool, settings: Settings, load: Callable[[str], Stencil]
) -> list[tuple[str, Stencil]]:
    """The stencils to measure, with the names they were given: `names`, or with `every`
    the catalog's stencils that one of the shapes fits (by dimensionality)."""
    if every == bool(names):
        raise BenchError("name the stencils to benchmark, or give --all (not both)")
    if every:
        stencils = [(entry.id, entry.stencil) for entry in catalog.entries()]
        return [(n, s) for n, s in stencils if settings.shape_for(s) is not None]
    chosen = [(name, load(name)) for name in names]
    for name, stencil in chosen:
        if settings.shape_for(stencil) is None:
            raise BenchError(f"'{name}' is {stencil.dims}-D, and no --shape is {stencil.dims}-D")
    return chosen


def read_document(path: Path, arguments: argparse.Namespace) -> dict[str, Any]:
    """A recorded benchmark document, validated; refuses arguments that would measure."""
    given = [f"--{a.replace('_', '-')}" for a in _MEASURING if getattr(arguments, a)]
    if given:
        raise BenchError(
            f"--from-json shows a recorded benchmark: {', '.join(given)} cannot be given with it"
        )
    try:
        document = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise BenchError(f"'{path}' is not JSON: {error}") from None
    try:
        validate(document)
    except BenchError as error:
        raise BenchError(f"'{path}' is not a benchmark document: {error}") from None
    return document


def write_document(document: dict[str, Any], path: Path) -> None:
    """Write `document` as indented JSON."""
    try:
        path.write_text(json.dumps(document, indent=2) + "\n")
    except OSError as error:
        raise BenchError(f"cannot write '{path}': {error.strerror}") from None
