"""Errors that passes raise about one op: one line for users, a diagnostic for xDSL."""

from __future__ import annotations

from typing import NoReturn

from xdsl.dialects.builtin import FileLineColLoc
from xdsl.ir import Operation
from xdsl.utils.diagnostic import Diagnostic
from xdsl.utils.exceptions import PassFailedException

from sparse_stencil.errors import StencilError


def source_location(op: Operation) -> str | None:
    """`file:line:column` where the parser read `op`, if it recorded it (LocatingParser)."""
    location = op.location
    if not isinstance(location, FileLineColLoc):
        return None
    return f"{location.filename.data}:{location.line.data}:{location.column.data}"


class OpError(StencilError, PassFailedException):
    """Input that a pass cannot handle, about `op` if given.

    The message is `reason`, after the op's name if `named`, and after the op's source
    location where the parser recorded one. Raised through :func:`raise_at`, it also carries
    xDSL's diagnostic note (the IR with `reason` under the op), which
    ``--verify-diagnostics`` prints.
    """

    def __init__(self, reason: str, op: Operation | None = None, named: bool = False) -> None:
        self.op = op
        self.reason = reason
        message = f"{op.name}: {reason}" if op is not None and named else reason
        where = source_location(op) if op is not None else None
        super().__init__(message if where is None else f"{where}: {message}")


def raise_at(op: Operation, error: OpError) -> NoReturn:
    """Raise `error`, with its reason marked under `op` in the printed IR."""
    diagnostic = Diagnostic()
    diagnostic.add_message(op, error.reason)
    diagnostic.raise_exception(op, error)
