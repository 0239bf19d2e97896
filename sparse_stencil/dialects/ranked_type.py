"""A base for our types whose one parameter is the rank of the grids they concern."""

from __future__ import annotations

from abc import ABC
from collections.abc import Sequence
from typing import TYPE_CHECKING

from xdsl.dialects.builtin import IntAttr
from xdsl.ir import Attribute, ParametrizedAttribute, TypeAttribute
from xdsl.parser import AttrParser
from xdsl.printer import Printer
from xdsl.utils.exceptions import VerifyException

from sparse_stencil.stencil import MAX_DIMS


class RankedType(ParametrizedAttribute, TypeAttribute, ABC):
    """A type parametrised by a grid rank from 1 to 3, printed as `<rank>`.

    Each subclass declares ``rank: IntAttr`` itself: a parameter declared only here would
    not take part in the generated equality, and every rank would compare equal.
    """

    if TYPE_CHECKING:
        rank: IntAttr

    def __init__(self, rank: int | IntAttr) -> None:
        super().__init__(IntAttr(rank) if isinstance(rank, int) else rank)

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        with parser.in_angle_brackets():
            return (IntAttr(parser.parse_integer(allow_negative=False)),)

    def print_parameters(self, printer: Printer) -> None:
        printer.print_string(f"<{self.rank.data}>")

    @property
    def kind(self) -> str:
        """What the type stands for, as messages name it: the last part of its name."""
        return self.name.rpartition(".")[2]

    def verify(self) -> None:
        if not 1 <= self.rank.data <= MAX_DIMS:
            raise VerifyException(f"{self.kind} rank must be 1 to {MAX_DIMS}, got {self.rank.data}")
