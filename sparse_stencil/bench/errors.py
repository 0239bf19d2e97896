"""The benchmark's error: one line that says what is wrong and what to do."""

from __future__ import annotations

from sparse_stencil.errors import StencilError


class BenchError(StencilError):
    """Bad benchmark input (a baseline, a peer, a JSON file), or a missing tool."""
