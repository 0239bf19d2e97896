"""How the command-line tools report bad input: a diagnostic and exit code 1, no traceback."""

from __future__ import annotations

import sys
from collections.abc import Generator
from contextlib import contextmanager

from xdsl.utils.exceptions import DiagnosticException, ParseError, VerifyException

from sparse_stencil.errors import StencilError

USER_ERRORS = (
    StencilError,
    ParseError,
    VerifyException,
    DiagnosticException,
    OSError,
    UnicodeDecodeError,
)


@contextmanager
def exit_on_user_error() -> Generator[None]:
    """Turn an error caused by the input into `error: ...` on stderr and exit status 1."""
    try:
        yield
    except USER_ERRORS as error:
        print(f"error: {describe(error)}", file=sys.stderr)
        sys.exit(1)


def describe(error: BaseException) -> str:
    """The message of `error` as a user should read it."""
    if isinstance(error, OSError) and error.filename is not None:
        return f"cannot read '{error.filename}': {error.strerror}"
    if isinstance(error, UnicodeDecodeError):
        return "the input is not a text file (invalid UTF-8)"
    message = str(error).strip()
    if (op_line := _annotated_op(error)) is not None:
        message += f"\n  in: {_shortened(op_line)}"
    return message


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
