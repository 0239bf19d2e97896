"""How the command-line tools end: bad input, Ctrl-C, a closed pipe; never with a traceback.

Bad input gets one ``error:`` line on stderr and exit status 1. Ctrl-C ends the tool at once
with exit status 130 (128 + SIGINT, what shells report). A reader that closes the pipe
early (``... | head -1``) ends it quietly with status 0: the reader asked for no more.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Generator
from contextlib import contextmanager

from xdsl.utils.exceptions import (
    ArgSpecParseError,
    DiagnosticException,
    ParseError,
    VerifyException,
)

from sparse_stencil.errors import StencilError

USER_ERRORS = (
    StencilError,
    ParseError,
    VerifyException,
    DiagnosticException,
    ArgSpecParseError,
    OSError,
    UnicodeDecodeError,
)

INTERRUPTED = 130
"""The exit status after Ctrl-C: 128 + SIGINT, as shells report a program it stopped."""


@contextmanager
def exit_on_user_error() -> Generator[None]:
    """Turn an error caused by the input into `error: ...` on stderr and exit status 1.

    Ctrl-C exits with status 130 and a closed standard output with status 0, both silently.
    """
    try:
        yield
    except KeyboardInterrupt:
        sys.exit(INTERRUPTED)
    except BrokenPipeError:
        _discard_stdout()
        sys.exit(0)
    except USER_ERRORS as error:
        print(f"error: {describe(error)}", file=sys.stderr)
        sys.exit(1)


def _discard_stdout() -> None:
    """Point standard output at the null device.

    What is still buffered for the closed pipe is flushed at exit, which would fail again.
    """
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, sys.stdout.fileno())
    os.close(null)


def describe(error: BaseException) -> str:
    """The message of `error` as a user should read it."""
    if isinstance(error, OSError) and error.filename is not None:
        return f"cannot read '{error.filename}': {error.strerror}"
    if isinstance(error, UnicodeDecodeError):
        return "the input is not a text file (invalid UTF-8)"
    if isinstance(error, ArgSpecParseError):
        return _pipeline_syntax(str(error))
    message = str(error).strip()
    if (op_line := _annotated_op(error)) is not None:
        message += f"\n  in: {_shortened(op_line)}"
    return message


def _pipeline_syntax(text: str) -> str:
    """xDSL's report of a malformed pass pipeline (or target), on one line.

    xDSL writes a heading, ``pass-pipeline:1:COLUMN``, the pipeline, a caret line and the
    message; the pipeline is the user's own argument, so its column says enough.
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) != 5:
        return " ".join(lines)
    _, place, pipeline, _, message = lines
    column = place.rpartition(":")[2]
    return f"cannot parse {pipeline!r} at column {column}: {message}"


def _shortened(line: str) -> str:
    """`line`, cut to what a terminal line shows: an op's properties can run to pages."""
    if len(line) <= _OP_LINE_WIDTH:
        return line
    return line[: _OP_LINE_WIDTH - 3] + "..."


_OP_LINE_WIDTH = 160


def _annotated_op(error: BaseException) -> str | None:
    """The op line that xDSL's diagnostic note marks with `^^^`, if the error has one."""
    for note in getattr(error, "__notes__", ()):
        lines = note.splitlines()
        for index, line in enumerate(lines[1:], start=1):
            if line.strip().startswith("^^^"):
                return lines[index - 1].strip()
    return None
