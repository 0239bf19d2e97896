"""The benchmark's tables (rich): GStencil/s per path, or the simulator's profiles; SASS."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from sparse_stencil.bench.runner import EMULATE_NOTE
from sparse_stencil.bench.sass import GROUPS
from sparse_stencil.layout.morphing import format_tile

PROFILE_COLUMNS = (
    "mma",
    "ldmatrix",
    "ld.shared",
    "ld.global",
    "st.global",
    "int",
    "float",
    "total",
    "bank_conflicts",
    "global.load_bytes",
)
"""The profile keys the emulate table shows (per updated point)."""


def tables(document: dict[str, Any]) -> list[Table]:
    """The tables that show `document`: measured or counted, then SASS where there is any."""
    shown = [emulate_table(document) if document["mode"] == "emulate" else gpu_table(document)]
    if any(r.get("sass") for r in document["results"]):
        shown.append(sass_table(document))
    return shown


def gpu_table(document: dict[str, Any]) -> Table:
    """Per stencil: GStencil/s of each path (or its status), sparse's share of the DRAM
    roofline and its speed-ups."""
    paths: list[str] = document["settings"]["paths"]
    bandwidth = document.get("bandwidth")
    title = "GStencil/s (median of timed runs, each checked first)"
    if bandwidth:
        title += f"; copy bandwidth {bandwidth['gb_per_s']:.0f} GB/s"
    table = Table("stencil", "shape", "redundancy", *paths, "% roofline", "speed-up", title=title)
    for stencil, group in _by_stencil(document).items():
        by_path = {r["path"]: r for r in group}
        sparse = by_path.get("sparse", group[0])
        timing: dict[str, Any] | None = sparse.get("timing")
        percent = None if timing is None else timing["roofline_percent"]
        table.add_row(
            stencil,
            format_tile(tuple(sparse["shape"])),
            _number(sparse.get("redundancy")),
            *(_figure(by_path.get(p)) for p in paths),
            "-" if percent is None else f"{percent:.0f}%",
            ", ".join(f"{v:.2f}x {k}" for k, v in sparse["speedups"].items()) or "-",
        )
    return table


def emulate_table(document: dict[str, Any]) -> Table:
    """Per stencil and compiled path: warp-instructions (and bytes) per updated point; a
    path without a profile shows its status, and its message goes in the caption."""
    table = Table("stencil", "path", *PROFILE_COLUMNS, title=f"per-point profile, {EMULATE_NOTE}")
    messages: dict[str, str] = {}
    for result in document["results"]:
        profile = result.get("profile")
        if profile is not None:
            counts = (f"{profile.get(k, 0.0):.3f}" for k in PROFILE_COLUMNS)
            table.add_row(result["stencil"], result["path"], *counts)
        elif result["status"] != "skipped":
            table.add_row(result["stencil"], result["path"], result["status"])
            messages.setdefault(f"{result['path']}: {result['message']}", "")
    if messages:
        table.caption = "\n".join(messages)
    return table


def sass_table(document: dict[str, Any]) -> Table:
    """Per stencil and compiled path: the SASS instruction mix (instructions in the code)."""
    table = Table("stencil", "path", *GROUPS, "total", title="SASS instruction mix (static count)")
    for result in document["results"]:
        sass = result.get("sass")
        if sass is not None:
            table.add_row(
                result["stencil"], result["path"], *(str(sass[g]) for g in (*GROUPS, "total"))
            )
        elif result.get("sass_message"):
            table.add_row(result["stencil"], result["path"], result["sass_message"])
    return table


def markdown(table: Table) -> str:
    """`table` as a Markdown table (its title as a line above it), for the README."""
    headers = [str(column.header) for column in table.columns]
    cells = [[str(cell) for cell in column.cells] for column in table.columns]
    lines = [f"{table.title}:", "", "| " + " | ".join(headers) + " |"]
    lines.append("|" + "---|" * len(headers))
    lines += ["| " + " | ".join(row) + " |" for row in zip(*cells, strict=True)]
    return "\n".join(lines) + "\n"


def _by_stencil(document: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for result in document["results"]:
        groups.setdefault(result["stencil"], []).append(result)
    return groups


def _figure(result: dict[str, Any] | None) -> str:
    """A path's GStencil/s, or why it has none."""
    if result is None:
        return "-"
    timing = result.get("timing")
    if timing:
        mark = "*" if result["status"] == "reported" else ""
        return f"{timing['gstencil_per_s']:.2f}{mark}"
    return result["status"]


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"
