"""Temporal fusion on a representative set of stencils: what k steps per launch cost.

For each stencil (float16, sparse tensor cores) the kernel the cost model chooses
(``fuse_steps`` not given, what ``compile`` builds by default) and the kernels forced to 1,
2 and 3 steps per launch: k, the cost model's score per point per step (warp-instructions
plus 0.12 per staged byte, scaled for occupancy: what the search minimises), the global
bytes per point per original step, the redundancy per step (MACs issued over useful ones,
the recomputed halo included) and the simulator's instruction profile per point per step
(:meth:`~sparse_stencil.compiler.Kernel.profile`, one block). No GPU has been lent, so
GStencil/s is not measured. Writes docs/fusion.md and the README's table
(between its `fusion` markers).

    .venv/bin/python scripts/fusion_table.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from readme_blocks import write_block

from sparse_stencil import catalog
from sparse_stencil.compiler import Kernel, compile
from sparse_stencil.layout.morphing import format_tile

ROOT = Path(__file__).resolve().parent.parent
CASES = (
    ("star1d1r", (1 << 22,)),
    ("star2d1r", (4096, 4096)),
    ("box2d1r", (4096, 4096)),
    ("star2d2r", (4096, 4096)),
    ("box2d3r", (4096, 4096)),
    ("star3d1r", (256, 256, 256)),
)
FUSIONS = (None, 1, 2, 3)
"""None: the cost model's choice."""


def main() -> None:
    start = time.perf_counter()
    rows: list[tuple[str, str, str, Kernel]] = []
    for name, shape in CASES:
        for fuse in FUSIONS:
            kernel = compile(catalog.get(name), shape, "float16", fuse_steps=fuse, profile=True)
            chosen = "model" if fuse is None else "forced"
            rows.append((name, format_tile(shape), chosen, kernel))
            print(f"{name} {chosen} k={kernel.fuse}", file=sys.stderr)
    table = _table(rows)
    (ROOT / "docs" / "fusion.md").write_text(_document(table))
    write_block("fusion", "fusion_table.py", table)
    print(f"{time.perf_counter() - start:.0f} s", file=sys.stderr)


def _table(rows: list[tuple[str, str, str, Kernel]]) -> str:
    lines = [
        "| stencil | grid (f16) | k | chosen | model score / point / step | "
        "global B / point / step | redundancy / step | instructions / point / step | "
        "MMA / point / step | GStencil/s |",
        "|---|---|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for name, shape, chosen, kernel in rows:
        s = kernel.stats
        profile = s["profile"]
        lines.append(
            f"| {name} | {shape} | {kernel.fuse} | {chosen} | {kernel.choice.cost.total:.3f} | "
            f"{s['global_bytes_per_point_step']:.2f} | {s['redundancy']:.2f} | "
            f"{profile['total']:.3f} | {profile.get('mma', 0.0):.3f} | "
            "not measured (no GPU) |"
        )
    return "\n".join(lines) + "\n"


def _document(table: str) -> str:
    return (
        "# Temporal fusion\n\n"
        "Written by `scripts/fusion_table.py`; see docs/design.md, section 4.9.\n\n" + table
    )


if __name__ == "__main__":
    main()
