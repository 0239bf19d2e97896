"""Plots of a benchmark document (matplotlib, the ``plot`` extra), drawn off screen (Agg).

* GStencil/s per stencil per path (timed and peer-reported results);
* a roofline view: arithmetic intensity (useful flop per DRAM byte) against attained
  GFLOP/s, with the memory roof of the measured copy bandwidth;
* with profiles (``--emulate``): warp-instructions per updated point per path, counted on
  the PTX simulator.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sparse_stencil.bench.errors import BenchError
from sparse_stencil.bench.runner import EMULATE_NOTE


def plot(document: dict[str, Any], output: Path) -> list[str]:
    """Draw `document`'s panels into `output` (the format by its suffix); returns the panel
    titles. Raises :class:`BenchError` without matplotlib or with nothing to draw."""
    pyplot = _pyplot()
    results: list[dict[str, Any]] = document["results"]
    timed = [r for r in results if r.get("timing")]
    counted = [r for r in results if r.get("profile")]
    panels = (
        [("GStencil/s per stencil and path", _throughput), ("roofline", _roofline)] if timed else []
    )
    if counted:
        panels.append((f"warp-instructions per point ({EMULATE_NOTE})", _instructions))
    if not panels:
        raise BenchError("nothing to plot: the document has no timed or counted result")
    stencils = len({r["stencil"] for r in results})
    width = max(8.0, min(60.0, 0.35 * stencils * max(1, len(document["settings"]["paths"]))))
    figure, axes = pyplot.subplots(
        len(panels), 1, figsize=(width, 4.5 * len(panels)), squeeze=False
    )
    for (title, draw), axis in zip(panels, axes[:, 0], strict=True):
        draw(axis, document, timed if draw is not _instructions else counted)
        axis.set_title(title)
    figure.tight_layout()
    try:
        figure.savefig(output, dpi=100)
    except OSError as error:
        raise BenchError(f"cannot write '{output}': {error.strerror}") from None
    finally:
        pyplot.close(figure)
    return [title for title, _ in panels]


def _pyplot() -> Any:
    try:
        matplotlib: Any = importlib.import_module("matplotlib")
    except ImportError:
        raise BenchError("plots need matplotlib: pip install 'sparse-stencil[plot]'") from None
    matplotlib.use("Agg")
    return importlib.import_module("matplotlib.pyplot")


def _grouped_bars(
    axis: Any, rows: list[dict[str, Any]], value: Callable[[dict[str, Any]], float], label: str
) -> None:
    """One group of bars per stencil, one bar per path."""
    stencils = list(dict.fromkeys(r["stencil"] for r in rows))
    paths = list(dict.fromkeys(r["path"] for r in rows))
    width = 0.8 / len(paths)
    for index, path in enumerate(paths):
        mine = {r["stencil"]: value(r) for r in rows if r["path"] == path}
        positions = [i + index * width for i, s in enumerate(stencils) if s in mine]
        axis.bar(positions, [mine[s] for s in stencils if s in mine], width, label=path)
    axis.set_xticks([i + 0.4 - width / 2 for i in range(len(stencils))])
    axis.set_xticklabels(stencils, rotation=90, fontsize=7)
    axis.set_ylabel(label)
    axis.legend(fontsize=8)


def _throughput(axis: Any, document: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    del document
    _grouped_bars(axis, rows, _gstencil, "GStencil/s")


def _instructions(axis: Any, document: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    del document
    _grouped_bars(axis, rows, _total, "warp-instructions / point")


def _gstencil(result: dict[str, Any]) -> float:
    return result["timing"]["gstencil_per_s"]


def _total(result: dict[str, Any]) -> float:
    return result["profile"]["total"]


def _roofline(axis: Any, document: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    for path in dict.fromkeys(r["path"] for r in rows):
        mine = [r["timing"] for r in rows if r["path"] == path]
        axis.scatter(
            [t["intensity_flop_per_byte"] for t in mine],
            [t["gflop_per_s"] for t in mine],
            label=path,
            s=12,
        )
    bandwidth = document.get("bandwidth")
    if bandwidth:
        intensities = sorted(r["timing"]["intensity_flop_per_byte"] for r in rows)
        low, high = intensities[0] / 2, intensities[-1] * 2
        slope = bandwidth["gb_per_s"]
        axis.plot(
            [low, high], [slope * low, slope * high], "k--", label=f"{slope:.0f} GB/s copy roof"
        )
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.set_xlabel("arithmetic intensity (useful flop / DRAM byte)")
    axis.set_ylabel("GFLOP/s")
    axis.legend(fontsize=8)
