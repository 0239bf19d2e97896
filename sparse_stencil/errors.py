"""The one exception type that users of sparse-stencil see for bad input."""

from __future__ import annotations


class StencilError(ValueError):
    """Bad user input: an unsupported stencil, a malformed file, a grid that does not fit.

    The message is one line that names the problem; the command-line tools print it as
    ``error: <message>`` and exit with status 1 instead of showing a traceback.
    """
