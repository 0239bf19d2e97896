"""Reading stencils from MLIR text, in our `lstencil` dialect or xDSL's upstream `stencil`.

Every failure is a :class:`StencilError` with a one-line message that starts with
``file:line:column`` where the input has one:

    >>> stencil_from_mlir("%s = lstencil.stencil [[0] = 1.0] : !lstencil.stencil<1>").offsets
    ((0,),)
"""

from __future__ import annotations

import os
import re
from bisect import bisect_right
from pathlib import Path
from typing import NoReturn

from xdsl.context import Context
from xdsl.dialects.builtin import FileLineColLoc, IntAttr, ModuleOp, StringAttr, UnknownLoc
from xdsl.ir import Attribute, AttributeInvT, Operation, SSAValue
from xdsl.parser import ForwardDeclaredValue, Parser, UnresolvedOperand
from xdsl.utils.exceptions import DiagnosticException, ParseError
from xdsl.utils.lexer import Span

from sparse_stencil.context import make_context
from sparse_stencil.dialects.lstencil import StencilOp
from sparse_stencil.errors import StencilError
from sparse_stencil.passes.convert_stencil_to_lstencil import (
    StencilImportError,
    find_applies,
    import_apply,
)
from sparse_stencil.passes.op_error import source_location
from sparse_stencil.stencil import Stencil


class LocatingParser(Parser):
    """A parser that gives every op without a `loc(...)` the place where its text starts.

    xDSL's parser keeps no source positions; with these, diagnostics can say
    ``file:line:column``. Locations are printed only with ``--print-debuginfo``.

    It also reads what a user's editor may leave: a leading byte-order mark is skipped, and
    text with nothing but comments is an empty module (as in MLIR). An op whose text xDSL
    cannot build (a literal out of its type's range, a type that breaks an op's constraint)
    raises :class:`ParseError` at that op, with its name, instead of a bare Python error.
    So does a value that is never defined, at its first use (xDSL reports it at the end of
    the input), and an operand defined only inside its own op's region (as in
    ``scf.for ... iter_args(%a = %x, %b = %a)``), which xDSL leaves without an owner.
    """

    def __init__(
        self, ctx: Context, text: str, name: str = "<input>", line_offset: int = 0
    ) -> None:
        text = text.removeprefix(_BYTE_ORDER_MARK)
        super().__init__(ctx, text, name)
        self._text = text
        self._name = StringAttr(name)
        self._line_starts = [0, *(i + 1 for i, c in enumerate(text) if c == "\n")]
        self._line_offset = line_offset
        self._first_uses: dict[SSAValue, Span] = {}
        """Where each value used before its definition is first used."""

    def parse_module(self, allow_implicit_module: bool = True) -> ModuleOp:
        if _only_comments(self._text):
            return ModuleOp([])
        try:
            return super().parse_module(allow_implicit_module)
        except ParseError as error:
            if error.msg.startswith(_UNDEFINED_VALUES):
                self._raise_at_first_undefined_use()
            raise

    def resolve_operand(
        self, operand: UnresolvedOperand, type: AttributeInvT
    ) -> SSAValue[AttributeInvT]:
        value = super().resolve_operand(operand, type)
        if isinstance(value, ForwardDeclaredValue):
            self._first_uses.setdefault(value, operand.span)
        return value

    def parse_operation(self) -> Operation:
        start = self.pos
        try:
            op = super().parse_operation()
        except ParseError:
            raise
        except Exception as error:  # xDSL raises several kinds on malformed ops: all are the user's
            line_end = self._text.find("\n", start)
            end = self.pos if line_end < 0 else min(self.pos, line_end)
            self.raise_error(self._malformed(start, error), start, end)
        if isinstance(op.location, UnknownLoc):
            line = bisect_right(self._line_starts, start)
            column = start - self._line_starts[line - 1] + 1
            op.location = FileLineColLoc(
                self._name, IntAttr(line + self._line_offset), IntAttr(column)
            )
        self._check_operands_resolved(op)
        return op

    def _pending(self) -> list[ForwardDeclaredValue[Attribute]]:
        """The values used so far whose names are not defined yet."""
        return [v for values in self.forward_ssa_references.values() for v in values.values()]

    def _check_operands_resolved(self, op: Operation) -> None:
        """Refuse an operand of `op` whose name only a region of `op` defines.

        xDSL's parser binds the name to the region's value after the operand was resolved,
        too late to update `op`, so the operand would stay a placeholder without an owner.
        """
        stale = [v for v in op.operands if isinstance(v, ForwardDeclaredValue)]
        if not stale:
            return
        pending = self._pending()
        for value in stale:
            if value not in pending:
                use = self._first_uses[value]
                self.raise_error(
                    f"{op.name} uses {use.text}, which is defined only inside its own region",
                    use,
                )

    def _raise_at_first_undefined_use(self) -> NoReturn:
        uses = sorted(
            (self._first_uses[value] for value in self._pending()), key=lambda span: span.start
        )
        names = list(dict.fromkeys(use.text for use in uses))
        verb = "is" if len(names) == 1 else "are"
        self.raise_error(f"{', '.join(names)} {verb} used but never defined", uses[0])

    def _malformed(self, start: int, error: Exception) -> str:
        """The message for `error`, raised while building the op whose text starts at `start`."""
        found = _OP_NAME.match(self._text, start)
        name = found.group(1) if found else "an operation"
        detail = _one_line(str(error))
        if isinstance(error, OverflowError):
            return f"{name}: a number is out of the range of its type ({detail})"
        if "stencil.bounds" in detail:
            detail += (
                "; a stencil field of unknown bounds (?) must be cast to a sized field "
                "(stencil.cast) before it is loaded or stored"
            )
        return f"{name}: {detail}"


_BYTE_ORDER_MARK = "\ufeff"

_UNDEFINED_VALUES = "values used but not defined"
"""How xDSL's parser starts the error about names never defined, raised at the input's end."""


_OP_NAME = re.compile(r"\s*(?:%[^=]*=\s*)?\"?([A-Za-z_][\w.$]*)")
"""An op's name at the start of its text, after its results (``%a, %b = "name"``)."""


def _only_comments(text: str) -> bool:
    """Whether `text` holds nothing but whitespace and `//` comments."""
    return all(not line.strip() or line.lstrip().startswith("//") for line in text.splitlines())


def parse_module(text: str, name: str = "<input>") -> ModuleOp:
    """The verified module that `text` holds, its ops located in `name`.

    Raises :class:`StencilError` for text that does not parse (with line and column), for
    unknown ops, and for ops that fail their verifier.
    """
    try:
        module = LocatingParser(make_context(), text, name).parse_module()
    except ParseError as error:
        message = _one_line(error.msg)
        if not text[error.span.start :].strip():
            message = f"unexpected end of input ({message})"
        raise StencilError(f"{error.span.get_location()}: {message}") from error
    except Exception as error:  # xDSL raises several kinds on malformed input: all are the user's
        raise StencilError(f"{name}: malformed MLIR: {_one_line(str(error))}") from error
    for op in module.walk():
        try:
            op.verify(verify_nested_ops=False)
        except (DiagnosticException, ValueError) as error:
            raise StencilError(
                f"{source_location(op) or name}: {op.name} does not verify: {_one_line(str(error))}"
            ) from error
    return module


def read_mlir_file(path: str | os.PathLike[str]) -> str:
    """The text of the MLIR file at `path`; :class:`StencilError` if it cannot be read."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise StencilError(f"{path}: no such file") from error
    except IsADirectoryError as error:
        raise StencilError(f"{path}: is a directory, not an MLIR file") from error
    except UnicodeDecodeError as error:
        raise StencilError(f"{path}: not a text file (invalid UTF-8)") from error
    except OSError as error:
        raise StencilError(f"{path}: cannot read: {error.strerror}") from error


def stencil_from_mlir(text: str, name: str = "<input>") -> Stencil:
    """The one stencil in `text`: an ``lstencil.stencil`` op or an upstream ``stencil.apply``.

    An upstream apply goes through the analysis of ``convert-stencil-to-lstencil``, so it is
    refused for the same reasons (nonlinear body, unsupported surroundings), with the
    location and source line of the op at fault; its element type may be anything, f64 too.
    """
    module = parse_module(text, name)
    ours = [op for op in module.walk() if isinstance(op, StencilOp)]
    upstream = find_applies(module)
    found = len(ours) + len(upstream)
    if found != 1:
        what = "no stencil" if found == 0 else f"{found} stencils"
        raise StencilError(
            f"{name}: holds {what}; expected exactly one lstencil.stencil or upstream stencil.apply"
        )
    if ours:
        return ours[0].to_stencil()
    try:
        return import_apply(upstream[0]).stencil
    except StencilImportError as error:
        source = _source_line(text, error.op)
        shown = f" (`{source}`)" if source else ""
        raise StencilError(f"{error}{shown}") from error


def _source_line(text: str, op: Operation | None) -> str:
    """The stripped source line where `op` starts; empty if `op` has no location in `text`."""
    location = op.location if op is not None else None
    if not isinstance(location, FileLineColLoc):
        return ""
    lines = text.splitlines()
    line = location.line.data
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def _one_line(message: str) -> str:
    """`message` on one line, control characters escaped."""
    joined = " ".join(part.strip() for part in message.splitlines() if part.strip())
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in joined)
