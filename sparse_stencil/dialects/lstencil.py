"""The `lstencil` dialect (L0): constant-coefficient linear stencils and their application.

It is the entry level of the pipeline. It is named `lstencil` ("linear stencil") so that it
never clashes with xDSL's upstream `stencil` dialect, which
``convert-stencil-to-lstencil`` imports from.

    func.func @apply(%x: !lstencil.grid<64x64xf16>) -> !lstencil.grid<64x64xf16> {
      %s = lstencil.stencil [[-1, 0] = 0.25, [1, 0] = 0.25, [0, 0] = 0.5] : !lstencil.stencil<2>
      %y = lstencil.apply %s to %x steps 4 : !lstencil.grid<64x64xf16>
      func.return %y : !lstencil.grid<64x64xf16>
    }
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Self, cast

from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    BFloat16Type,
    DenseArrayBase,
    Float16Type,
    Float32Type,
    IntAttr,
    ModuleOp,
    StringAttr,
    f64,
    i64,
)
from xdsl.ir import Attribute, Dialect, Operation, ParametrizedAttribute, SSAValue, TypeAttribute
from xdsl.irdl import (
    IRDLOperation,
    irdl_attr_definition,
    irdl_op_definition,
    operand_def,
    prop_def,
    result_def,
    traits_def,
)
from xdsl.parser import AttrParser, Parser
from xdsl.printer import Printer
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from sparse_stencil.dialects.ranked_type import RankedType
from sparse_stencil.dtypes import BFLOAT16, FLOAT16, FLOAT32, StorageType, storage_type
from sparse_stencil.errors import StencilError
from sparse_stencil.stencil import MAX_DIMS, Stencil

_ELEMENT_TYPES: dict[type[Attribute], StorageType] = {
    Float16Type: FLOAT16,
    BFloat16Type: BFLOAT16,
    Float32Type: FLOAT32,
}
"""The element types a grid may have, and the storage type each one is."""


def element_storage(element_type: Attribute) -> StorageType | None:
    """The storage type that the element type `element_type` is (f16, bf16, f32); None for
    any other type."""
    return _ELEMENT_TYPES.get(type(element_type))


@irdl_attr_definition
class StencilType(RankedType):
    """A linear stencil over grids of the given rank: `!lstencil.stencil<2>`."""

    name = "lstencil.stencil"
    rank: IntAttr


@irdl_attr_definition
class GridType(ParametrizedAttribute, TypeAttribute):
    """A grid of f16, bf16 or f32 values with a static shape: `!lstencil.grid<64x64xf16>`."""

    name = "lstencil.grid"
    shape: ArrayAttr[IntAttr]
    element_type: Attribute

    def __init__(self, shape: Sequence[int], element_type: Attribute) -> None:
        super().__init__(ArrayAttr(IntAttr(n) for n in shape), element_type)

    @classmethod
    def of(cls, shape: Sequence[int], dtype: str | StorageType) -> GridType:
        """The grid type of `shape` whose elements have storage type `dtype`."""
        storage = storage_type(dtype)
        element_type = next(kind for kind, known in _ELEMENT_TYPES.items() if known == storage)
        return cls(shape, element_type())

    @property
    def dims(self) -> tuple[int, ...]:
        """The grid's extent on each axis, outermost first."""
        return tuple(n.data for n in self.shape.data)

    @property
    def storage(self) -> StorageType:
        """The storage type of the grid's elements."""
        storage = element_storage(self.element_type)
        if storage is None:
            raise StencilError(
                f"unsupported element type '{self.element_type}': expected f16, bf16 or f32"
            )
        return storage

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        with parser.in_angle_brackets():
            shape, element_type = parser.parse_ranked_shape()
        return (ArrayAttr(IntAttr(n) for n in shape), element_type)

    def print_parameters(self, printer: Printer) -> None:
        printer.print_string("<" + "".join(f"{n}x" for n in self.dims))
        printer.print_attribute(self.element_type)
        printer.print_string(">")

    def verify(self) -> None:
        if not 1 <= len(self.dims) <= MAX_DIMS:
            raise VerifyException(f"grid rank must be 1 to {MAX_DIMS}, got {len(self.dims)}")
        if any(n < 1 for n in self.dims):
            raise VerifyException(f"grid extents must be positive, got {list(self.dims)}")
        if element_storage(self.element_type) is None:
            raise VerifyException(
                f"grid element type must be f16, bf16 or f32, got {self.element_type}"
            )


@irdl_op_definition
class StencilOp(IRDLOperation):
    """A constant-coefficient linear stencil: a list of offsets, each with its coefficient.

    Applied at a point p it yields ``sum_o c_o * x[p + o]`` (a correlation). Offsets are
    listed outermost axis first; `nan` and `inf` parse, so that the verifier can refuse them.

        %s = lstencil.stencil [[-1] = 1.0, [0] = -2.0, [1] = 1.0] : !lstencil.stencil<1>
    """

    name = "lstencil.stencil"
    offsets = prop_def(DenseArrayBase.constr(i64))
    coefficients = prop_def(DenseArrayBase.constr(f64))
    result = result_def(StencilType)
    traits = traits_def(Pure())

    def __init__(
        self, offsets: Sequence[Sequence[int]], coefficients: Sequence[float], rank: int
    ) -> None:
        super().__init__(
            properties={
                "offsets": DenseArrayBase.from_list(i64, [o for off in offsets for o in off]),
                "coefficients": DenseArrayBase.from_list(f64, list(coefficients)),
            },
            result_types=[StencilType(IntAttr(rank))],
        )

    @classmethod
    def from_stencil(cls, stencil: Stencil) -> StencilOp:
        """The op that holds `stencil`."""
        return cls(stencil.offsets, stencil.coefficients, stencil.dims)

    @property
    def rank(self) -> int:
        """The rank of the grids this stencil applies to."""
        return self.result.type.rank.data

    def points(self) -> list[tuple[tuple[int, ...], float]]:
        """The (offset, coefficient) pairs in order."""
        flat = self.offsets.get_values()
        coefficients = self.coefficients.get_values()
        rank = self.rank
        return [(flat[i * rank : (i + 1) * rank], c) for i, c in enumerate(coefficients)]

    def to_stencil(self) -> Stencil:
        """The :class:`Stencil` this op holds; raises :class:`StencilError` if invalid."""
        return Stencil(self.points())

    def verify_(self) -> None:
        flat = self.offsets.get_values()
        if len(flat) != len(self.coefficients.get_values()) * self.rank:
            raise VerifyException(
                f"{len(flat)} offset values do not make "
                f"{len(self.coefficients.get_values())} offsets of rank {self.rank}"
            )
        try:
            self.to_stencil()
        except StencilError as error:
            raise VerifyException(str(error)) from error

    @classmethod
    def parse(cls, parser: Parser) -> StencilOp:
        points = parser.parse_comma_separated_list(
            parser.Delimiter.SQUARE, lambda: _parse_point(parser)
        )
        parser.parse_punctuation(":")
        stencil_type = parser.parse_type()
        if not isinstance(stencil_type, StencilType):
            parser.raise_error(f"expected !lstencil.stencil<rank>, got {stencil_type}")
        rank = stencil_type.rank.data
        for point in points:
            if len(point.offset) != rank:
                parser.raise_error(
                    f"offset {list(point.offset)} has {len(point.offset)} entries, but the "
                    f"stencil type {stencil_type} has rank {rank}",
                    point.start,
                    point.end,
                )
        return cls([p.offset for p in points], [p.coefficient for p in points], rank)

    def print(self, printer: Printer) -> None:
        points = ", ".join(
            f"[{', '.join(str(o) for o in offset)}] = {format_float(c)}"
            for offset, c in self.points()
        )
        printer.print_string(f" [{points}] : ")
        printer.print_attribute(self.result.type)


class GridApplyOp(IRDLOperation, ABC):
    """Applies a stencil or a layout, its first operand, `steps` times to a grid.

    What ``lstencil.apply`` and ``sparse_layout.apply`` share: the form
    ``%source to %grid steps N {attributes} : <grid type>``, a result of the grid's type, and
    the checks of the steps, of the result type and of the source's rank. Each op declares
    its source operand (xDSL orders a subclass's operands before the inherited grid) and
    sets `SOURCE_TYPE` to that operand's type.
    """

    SOURCE_TYPE: ClassVar[type[RankedType]]

    input = operand_def(GridType)
    steps = prop_def(IntAttr)
    output = result_def(GridType)
    traits = traits_def(Pure())

    def __init__(self, source: SSAValue | Operation, grid: SSAValue, steps: int) -> None:
        super().__init__(
            operands=[source, grid],
            properties={"steps": IntAttr(steps)},
            result_types=[grid.type],
        )

    @property
    def source(self) -> SSAValue:
        """The applied stencil or layout."""
        return self.operands[0]

    @property
    def grid_type(self) -> GridType:
        """The type of the input and output grid."""
        return cast(GridType, self.input.type)

    @abstractmethod
    def _verify_source(self, grid: GridType) -> None:
        """Raise :class:`StencilError` or :class:`VerifyException` unless the op that defines
        the source fits `grid`."""

    def verify_(self) -> None:
        if self.steps.data < 1:
            raise VerifyException(f"steps must be at least 1, got {self.steps.data}")
        if self.output.type != self.input.type:
            raise VerifyException("the output grid type must equal the input grid type")
        source = cast(RankedType, self.source.type)
        grid = self.grid_type
        if source.rank.data != len(grid.dims):
            raise VerifyException(
                f"a rank-{source.rank.data} {source.kind} cannot apply to the "
                f"rank-{len(grid.dims)} grid {grid}"
            )
        try:
            self._verify_source(grid)
        except StencilError as error:
            raise VerifyException(str(error)) from error

    @classmethod
    def parse(cls, parser: Parser) -> Self:
        source = parser.parse_unresolved_operand()
        parser.parse_keyword("to")
        grid = parser.parse_unresolved_operand()
        parser.parse_keyword("steps")
        steps = parser.parse_integer(allow_negative=True, allow_boolean=False)
        attributes = parser.parse_optional_attr_dict()
        parser.parse_punctuation(":")
        grid_type = parser.parse_type()
        if not isinstance(grid_type, GridType):
            parser.raise_error(f"expected !lstencil.grid<...>, got {grid_type}")
        op = cls(
            parser.resolve_operand(source, cls.SOURCE_TYPE(len(grid_type.dims))),
            parser.resolve_operand(grid, grid_type),
            steps,
        )
        op.attributes.update(attributes)
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_operand(self.source)
        printer.print_string(" to ")
        printer.print_operand(self.input)
        printer.print_string(f" steps {self.steps.data}")
        printer.print_op_attributes(self.attributes)
        printer.print_string(" : ")
        printer.print_attribute(self.input.type)


@irdl_op_definition
class ApplyOp(GridApplyOp):
    """Applies a stencil `steps` times to a grid under the fixed boundary rule.

    Interior points (at least the stencil's radius away from every edge on each axis) get
    the stencil's value; the boundary band keeps its input value. Each step rounds to the
    grid's element type.

        %y = lstencil.apply %s to %x steps 4 : !lstencil.grid<64x64xf16>
    """

    name = "lstencil.apply"
    SOURCE_TYPE: ClassVar[type[RankedType]] = StencilType
    stencil = operand_def(StencilType)

    def _verify_source(self, grid: GridType) -> None:
        definition = self.stencil.owner
        if isinstance(definition, StencilOp):
            definition.to_stencil().check_grid(grid.dims)


@dataclass(frozen=True)
class _ParsedPoint:
    offset: tuple[int, ...]
    coefficient: float
    start: int
    """Source position of the offset, for diagnostics."""
    end: int


def _parse_point(parser: Parser) -> _ParsedPoint:
    start = parser.pos
    offset = parser.parse_comma_separated_list(
        parser.Delimiter.SQUARE, lambda: parser.parse_integer(allow_negative=True)
    )
    end = parser.pos
    parser.parse_punctuation("=")
    return _ParsedPoint(tuple(offset), _parse_coefficient(parser), start, end)


def _parse_coefficient(parser: Parser) -> float:
    negative = parser.parse_optional_punctuation("-") is not None
    special = parser.parse_optional_keyword_in(("nan", "inf"))
    if special is not None:
        value = float(special)
    else:
        start = parser.pos
        if parser.lexer.input.content[start : start + 2].lower() == "0x":
            parser.raise_error(
                "write coefficients in decimal: MLIR reads a hex literal as a bit pattern",
                start,
                start + 2,
            )
        value = float(parser.parse_number(context_msg=" (a coefficient, e.g. 0.25 or 1.0e-3)"))
        content = parser.lexer.input.content
        if content[parser.pos : parser.pos + 1] in ("e", "E") and content[parser.pos - 1].isdigit():
            parser.raise_error(
                "a coefficient with an exponent needs a decimal point, e.g. 1.0e-3",
                start,
                parser.pos + 1,
            )
    return -value if negative else value


def format_float(value: float) -> str:
    """Shortest text that reads back to the same float64, always with a decimal point
    (as MLIR's float literals need); `nan` and `inf` as they are."""
    if not math.isfinite(value):
        return str(value)
    text = repr(value)
    if "." in text:
        return text
    mantissa, _, exponent = text.partition("e")
    return f"{mantissa}.0" + (f"e{exponent}" if exponent else "")


def apply_function(
    name: str,
    stencil: Stencil,
    grid: GridType,
    steps: int,
    visibility: StringAttr | None = None,
) -> func.FuncOp:
    """The function ``@name`` from `grid` to `grid` that applies `stencil` `steps` times."""
    function = func.FuncOp(name, ((grid,), (grid,)), visibility=visibility)
    stencil_op = StencilOp.from_stencil(stencil)
    apply_op = ApplyOp(stencil_op.result, function.args[0], steps)
    function.body.block.add_ops([stencil_op, apply_op, func.ReturnOp(apply_op.output)])
    return function


def build_module(
    stencil: Stencil,
    shape: Sequence[int] | None = None,
    dtype: str | StorageType = "float16",
    steps: int = 1,
) -> ModuleOp:
    """A module that holds `stencil`, applied `steps` times to a grid of `shape` if given."""
    if steps < 1:
        raise StencilError(f"steps must be at least 1, got {steps}")
    if shape is None:
        return ModuleOp([StencilOp.from_stencil(stencil)])
    grid = GridType.of(stencil.check_grid(shape), dtype)
    return ModuleOp([apply_function("apply", stencil, grid, steps)])


LStencil = Dialect("lstencil", [StencilOp, ApplyOp], [StencilType, GridType])
