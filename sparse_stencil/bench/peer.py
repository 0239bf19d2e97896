"""Peer systems' binaries as baselines (``--baselines peer:PATH``).

**The protocol.** The benchmark runs the peer once per stencil as::

    PATH --stencil ID --shape 8192x8192 --steps 100 --dtype float16

(``ID``: the catalog id, or the MLIR file, the user named) and reads its standard output
for one line of the form::

    GStencil/s: 123.4

(the last such line counts; any other output is ignored). The peer times and checks its
own run: its figure is recorded as reported by the peer, not checked here. A peer that
exits with a non-zero status, prints no such line, or runs for more than
:data:`PEER_TIMEOUT` seconds gets a clear error in its result.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Sequence
from pathlib import Path

from sparse_stencil.bench.errors import BenchError
from sparse_stencil.layout.morphing import format_tile

PEER_LINE = re.compile(r"^\s*GStencil/s:\s*(\S+)\s*$", re.MULTILINE)
"""The line a peer prints: ``GStencil/s: <float>``."""
PEER_TIMEOUT = 600


def check_peer(path: Path) -> None:
    """Raise :class:`BenchError` unless `path` is an executable file."""
    if not path.is_file():
        raise BenchError(f"peer binary '{path}' does not exist")
    if not os.access(path, os.X_OK):
        raise BenchError(f"peer binary '{path}' is not executable (chmod +x it)")


def peer_command(
    path: Path, stencil: str, shape: Sequence[int], steps: int, dtype: str
) -> list[str]:
    """The command line the peer is run with."""
    return [
        str(path),
        "--stencil",
        stencil,
        "--shape",
        format_tile(tuple(shape)),
        "--steps",
        str(steps),
        "--dtype",
        dtype,
    ]


def run_peer(path: Path, stencil: str, shape: Sequence[int], steps: int, dtype: str) -> float:
    """The GStencil/s the peer reports for the run."""
    check_peer(path)
    command = peer_command(path, stencil, shape, steps, dtype)
    try:
        completed = subprocess.run(
            command, capture_output=True, text=True, timeout=PEER_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        raise BenchError(f"peer '{path}' ran for more than {PEER_TIMEOUT} s") from None
    if completed.returncode != 0:
        lines = completed.stderr.strip().splitlines() or ["(no output on stderr)"]
        raise BenchError(f"peer '{path}' exited with status {completed.returncode}: {lines[-1]}")
    return parse_peer_output(completed.stdout, path)


def parse_peer_output(text: str, path: Path) -> float:
    """The figure of the last ``GStencil/s: <float>`` line of `text`."""
    found = PEER_LINE.findall(text)
    if not found:
        raise BenchError(f"peer '{path}' printed no line 'GStencil/s: <float>'")
    try:
        value = float(found[-1])
    except ValueError:
        raise BenchError(f"peer '{path}' printed 'GStencil/s: {found[-1]}', not a number") from None
    if not value > 0:
        raise BenchError(f"peer '{path}' reported {value} GStencil/s, not a positive number")
    return value
