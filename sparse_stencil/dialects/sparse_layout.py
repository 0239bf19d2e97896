"""The `sparse_layout` dialect (L1): a stencil as a tiled GEMM, before and after 2:4 conversion.

A layout computes one *output tile* (a box of m <= 16 grid points, the rows of one
tensor-core instruction) as ``C = A @ B``: A (m x K) holds the coefficients, column n of B
gathers the inputs ``x[origin_n + inputs[k]]`` of one tile origin, and column n of C is
scattered to ``out[origin_n + outputs[i]]``. A is the same for every tile, so B's columns
are N independent tiles (8 per `mma.sp`). Built by ``morph-stencil-layout`` from L0:

    %l = sparse_layout.gemm <14x16> tile [14] halo [1]
        outputs [[0], [1], [2], [3], [4], [5], [6], [7], [8], [9], [10], [11], [12], [13]]
        inputs [
          [-1],
          ...
          [14]
        ]
        matrix [
          [0.25, 0.5, 0.25, 0.0, ...],
          ...
        ] : !sparse_layout.layout<1>
    %y = sparse_layout.apply %l to %x steps 4 : !lstencil.grid<128xf16>

``convert-structured-sparsity`` permutes K (padding with zero columns where it must) so
that A is 2:4 (f16, bf16) or 1:2 (tf32) sparse, and stores it compressed: the kept values
of each chunk and one metadata nibble per chunk (:mod:`sparse_stencil.sparsity`). Slot j
of the converted A gathers ``inputs[permutation[j]]``; a ``pad`` slot gathers nothing.

    %l = sparse_layout.sparse_gemm <2:4> <14x16 -> 14x16> tile [14] halo [1]
        outputs [[0], [1], [2], [3], [4], [5], [6], [7], [8], [9], [10], [11], [12], [13]]
        inputs [[-1], [0], [1], [2], [3], [4], [5], [6], [7], [8], [9], [10], [11], [12], ...]
        permutation [0, 1, 14, 15, 2, 5, 8, 11, 3, 6, 9, 12, 4, 7, 10, 13]
        values [
          [0.25, 0.5, 0.25, 0.0, 0.0, 0.0, 0.0, 0.0],
          ...
        ]
        metadata [
          [0x4, 0x4, 0x4, 0x4],
          ...
        ] : !sparse_layout.layout<1>

How the ops print: the sizes, tile and halo come first. An op whose arrays (outputs,
inputs, matrix; permutation, values, metadata) hold at most 16 numbers each prints on one
line. Otherwise each array starts a line of its own, indented under the op, and an array of
more than 16 numbers prints its rows one a line between a ``[`` line and a ``]`` line (the
permutation, one flat list, 16 slots a line). The parser reads both forms: whitespace and
line breaks carry no meaning. Printing reads the properties as they are, so an op that
fails verification prints too: an array whose size does not fit the maps prints flat, and
a size that the maps do not determine prints as ``?`` (that text need not parse back; the
generic form does). Floats print as the shortest text that reads back bit-exact.

The verifiers check that the maps and the matrix are one stencil (every row the same
coefficients at the same offsets from its output, within the halo), that the permutation
places every column once, that the metadata names valid ordered positions (so the matrix is
n:m sparse by construction) and that padding slots hold zeros.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar, TypeVar, cast

import numpy as np
import numpy.typing as npt
from xdsl.dialects.builtin import DenseArrayBase, IntAttr, IntegerType, f64, i8, i64
from xdsl.ir import Attribute, Dialect, ParametrizedAttribute
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

from sparse_stencil.dialects.lstencil import GridApplyOp, GridType, format_float
from sparse_stencil.dialects.ranked_type import RankedType
from sparse_stencil.errors import StencilError
from sparse_stencil.layout.matching import SparseGemm
from sparse_stencil.layout.morphing import MMA_M, TiledGemm, check_grid
from sparse_stencil.sparsity import SPARSITIES, Sparsity, sparsity_of

_T = TypeVar("_T")


@irdl_attr_definition
class LayoutType(RankedType):
    """A tiled-GEMM layout of a stencil over grids of the given rank: `!sparse_layout.layout<2>`."""

    name = "sparse_layout.layout"
    rank: IntAttr


@irdl_attr_definition
class SparsityAttr(ParametrizedAttribute):
    """An n:m structured-sparsity rule, `#sparse_layout.sparsity<2:4>` (2:4 or 1:2)."""

    name = "sparse_layout.sparsity"
    kept: IntAttr
    group: IntAttr

    def __init__(self, sparsity: Sparsity) -> None:
        super().__init__(IntAttr(sparsity.kept), IntAttr(sparsity.group))

    @property
    def rule(self) -> Sparsity:
        """The :class:`Sparsity` this attribute names."""
        return _supported_rule(self.kept.data, self.group.data)

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        with parser.in_angle_brackets():
            kept = parser.parse_integer(allow_negative=False, allow_boolean=False)
            parser.parse_punctuation(":")
            group = parser.parse_integer(allow_negative=False, allow_boolean=False)
        return (IntAttr(kept), IntAttr(group))

    def print_parameters(self, printer: Printer) -> None:
        printer.print_string(f"<{self.kept.data}:{self.group.data}>")

    def verify(self) -> None:
        _supported_rule(self.kept.data, self.group.data)


class LayoutOp(IRDLOperation, ABC):
    """What `gemm` and `sparse_gemm` share: the maps of one output tile, a layout result.

    `tile` is the output box (its points are the rows, in row-major order), `halo` the fixed
    boundary band, `outputs` the scatter map (one offset per row) and `inputs` the gather
    map (one offset per column of the morphed matrix).
    """

    tile = prop_def(DenseArrayBase.constr(i64))
    halo = prop_def(DenseArrayBase.constr(i64))
    outputs = prop_def(DenseArrayBase.constr(i64))
    inputs = prop_def(DenseArrayBase.constr(i64))
    result = result_def(LayoutType)
    traits = traits_def(Pure())

    def __init__(
        self,
        tile: Sequence[int],
        halo: Sequence[int],
        outputs: Sequence[Sequence[int]],
        inputs: Sequence[Sequence[int]],
        properties: dict[str, Attribute],
    ) -> None:
        super().__init__(
            properties={
                "tile": DenseArrayBase.from_list(i64, list(tile)),
                "halo": DenseArrayBase.from_list(i64, list(halo)),
                "outputs": DenseArrayBase.from_list(i64, [v for row in outputs for v in row]),
                "inputs": DenseArrayBase.from_list(i64, [v for row in inputs for v in row]),
            }
            | properties,
            result_types=[LayoutType(IntAttr(len(tile)))],
        )

    @abstractmethod
    def to_layout(self) -> TiledGemm | SparseGemm:
        """The layout this op holds (unchecked: see :meth:`verify_`)."""

    @abstractmethod
    def _verify_sizes(self) -> None:
        """Raise :class:`VerifyException` unless the flat arrays fit the maps."""

    @abstractmethod
    def _print_body(self, printer: Printer) -> None:
        """Prints the custom form up to the attributes, from the properties as they are."""

    def verify_(self) -> None:
        self._verify_maps()
        self._verify_sizes()
        try:
            self.to_layout().check()
        except StencilError as error:
            raise VerifyException(str(error)) from error

    @property
    def rank(self) -> int:
        """Rank of the grids the layout applies to."""
        return self.result.type.rank.data

    @property
    def rows(self) -> int:
        """Output points of the tile: rows of the coefficient matrix."""
        return len(self.outputs) // self.rank

    def _maps(
        self,
    ) -> tuple[tuple[int, ...], tuple[int, ...], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        outputs = np.array(self.outputs.get_values(), dtype=np.int64).reshape(-1, self.rank)
        inputs = np.array(self.inputs.get_values(), dtype=np.int64).reshape(-1, self.rank)
        return self.tile.get_values(), self.halo.get_values(), outputs, inputs

    def _verify_maps(self) -> None:
        for name, array in (("tile", self.tile), ("halo", self.halo)):
            if len(array) != self.rank:
                raise VerifyException(
                    f"{name} has {len(array)} entries, the layout rank is {self.rank}"
                )
        for name, array in (("outputs", self.outputs), ("inputs", self.inputs)):
            if len(array) % self.rank:
                raise VerifyException(
                    f"{name} holds {len(array)} values, not offsets of rank {self.rank}"
                )
        if not 1 <= self.rows <= MMA_M:
            raise VerifyException(f"a layout has 1 to {MMA_M} output rows, got {self.rows}")

    def _print_head(self, printer: Printer, sizes: str) -> None:
        """Prints `` <sizes> tile [...] halo [...]``: what fits on the op's first line."""
        printer.print_string(
            f" <{sizes}> tile {list(self.tile.get_values())} halo {list(self.halo.get_values())}"
        )

    def _offset_count(self, offsets: DenseArrayBase) -> int | None:
        """How many offsets `offsets` holds; None if its length is no multiple of the rank."""
        return _count(len(offsets), self.rank)

    def _map_arrays(self) -> list[_PrintedArray]:
        """The scatter and gather maps as printed: one offset a row."""
        return [self._offsets("outputs", self.outputs), self._offsets("inputs", self.inputs)]

    def _offsets(self, keyword: str, offsets: DenseArrayBase[IntegerType]) -> _PrintedArray:
        """`offsets` as printed: a table of one offset a row, or flat if they do not fill one."""
        items = [str(v) for v in offsets.get_values()]
        return _table(keyword, items, (self._offset_count(offsets), self.rank))

    def _has_declared_kinds(self) -> bool:
        """Whether the properties and the result are of the kinds the op declares.

        The generic parser builds ops without checking them (until verification); the
        custom form needs them, and without them an op prints the generic form's body.
        """
        try:
            self.get_irdl_definition().verify(self)
        except VerifyException:
            return False
        return True

    def print(self, printer: Printer) -> None:
        if not self._has_declared_kinds():
            printer.print_op_with_default_format(self)
            return
        self._print_body(printer)
        printer.print_op_attributes(self.attributes)
        printer.print_string(" : ")
        printer.print_attribute(self.result.type)


@irdl_op_definition
class GemmOp(LayoutOp):
    """The morphed layout: a staircase coefficient matrix with its gather and scatter maps.

    ``<m x K>`` restates the matrix size; the maps are those of :class:`LayoutOp`, and
    `matrix` holds A row by row. Small enough to print on one line:

        %l = sparse_layout.gemm <2x4> tile [2] halo [1] outputs [[0], [1]]
               inputs [[-1], [0], [1], [2]]
               matrix [[1.0, -2.0, 1.0, 0.0], [0.0, 1.0, -2.0, 1.0]] : !sparse_layout.layout<1>
    """

    name = "sparse_layout.gemm"
    matrix = prop_def(DenseArrayBase.constr(f64))

    def __init__(
        self,
        tile: Sequence[int],
        halo: Sequence[int],
        outputs: Sequence[Sequence[int]],
        inputs: Sequence[Sequence[int]],
        matrix: Sequence[Sequence[float]],
    ) -> None:
        super().__init__(tile, halo, outputs, inputs, {"matrix": _floats(matrix)})

    @classmethod
    def from_layout(cls, gemm: TiledGemm) -> GemmOp:
        """The op that holds `gemm`."""
        return cls(
            gemm.tile, gemm.halo, gemm.outputs.tolist(), gemm.inputs.tolist(), gemm.matrix.tolist()
        )

    def to_layout(self) -> TiledGemm:
        """The :class:`TiledGemm` this op holds (unchecked: see :meth:`verify_`)."""
        tile, halo, outputs, inputs = self._maps()
        matrix = np.array(self.matrix.get_values(), dtype=np.float64)
        return TiledGemm(
            tile, halo, outputs, inputs, matrix.reshape(outputs.shape[0], inputs.shape[0])
        )

    def _verify_sizes(self) -> None:
        _check_size(self.matrix, self.rows * (len(self.inputs) // self.rank), "matrix entries")

    @classmethod
    def parse(cls, parser: Parser) -> GemmOp:
        with parser.in_angle_brackets():
            rows, columns = _parse_dims(parser)
        tile, halo, outputs, inputs = _parse_maps(parser)
        parser.parse_keyword("matrix")
        matrix = _parse_rows(parser, parser.parse_float)
        _check_parsed_size(parser, (rows, columns), (len(matrix), len(inputs)), matrix)
        op = cls(tile, halo, outputs, inputs, matrix)
        _parse_tail(parser, op)
        return op

    def _print_body(self, printer: Printer) -> None:
        rows, columns = self._offset_count(self.outputs), self._offset_count(self.inputs)
        self._print_head(printer, f"{_dim(rows)}x{_dim(columns)}")
        matrix = [format_float(v) for v in self.matrix.get_values()]
        _print_arrays(printer, [*self._map_arrays(), _table("matrix", matrix, (rows, columns))])


@irdl_op_definition
class SparseGemmOp(LayoutOp):
    """The converted layout: A permuted along K, padded, and stored n:m compressed.

    ``<m x K before -> m x K after>`` restates the sizes. Slot j of the converted matrix
    holds column ``permutation[j]`` of the morphed one (gathering ``inputs[permutation[j]]``)
    or is a zero ``pad`` slot; `values` holds each row's kept coefficients chunk by chunk,
    `metadata` one nibble per row and chunk naming their positions (2:4: ``i0 | i1 << 2``;
    1:2: 0x4 even, 0xE odd). K after is a multiple of the `mma.sp` K (16 for 2:4, 8 for 1:2).
    Small enough to print on one line:

        %l = sparse_layout.sparse_gemm <1:2> <1x3 -> 1x8> tile [1] halo [1] outputs [[0]]
               inputs [[-1], [0], [1]] permutation [0, pad, 1, pad, 2, pad, pad, pad]
               values [[1.0, -2.0, 1.0, 0.0]] metadata [[0x4, 0x4, 0x4, 0x4]]
               : !sparse_layout.layout<1>
    """

    name = "sparse_layout.sparse_gemm"
    sparsity = prop_def(SparsityAttr)
    permutation = prop_def(DenseArrayBase.constr(i64))
    values = prop_def(DenseArrayBase.constr(f64))
    metadata = prop_def(DenseArrayBase.constr(i8))

    def __init__(
        self,
        sparsity: Sparsity,
        tile: Sequence[int],
        halo: Sequence[int],
        outputs: Sequence[Sequence[int]],
        inputs: Sequence[Sequence[int]],
        permutation: Sequence[int],
        values: Sequence[Sequence[float]],
        metadata: Sequence[Sequence[int]],
    ) -> None:
        super().__init__(
            tile,
            halo,
            outputs,
            inputs,
            {
                "sparsity": SparsityAttr(sparsity),
                "permutation": DenseArrayBase.from_list(i64, list(permutation)),
                "values": _floats(values),
                "metadata": DenseArrayBase.from_list(i8, [v for row in metadata for v in row]),
            },
        )

    @classmethod
    def from_layout(cls, sparse: SparseGemm) -> SparseGemmOp:
        """The op that holds `sparse`."""
        return cls(
            sparse.sparsity,
            sparse.tile,
            sparse.halo,
            sparse.outputs.tolist(),
            sparse.inputs.tolist(),
            sparse.permutation.tolist(),
            sparse.values.tolist(),
            sparse.metadata.tolist(),
        )

    @property
    def rule(self) -> Sparsity:
        """The n:m rule of the converted matrix."""
        return self.sparsity.rule

    def to_layout(self) -> SparseGemm:
        """The :class:`SparseGemm` this op holds (unchecked: see :meth:`verify_`)."""
        tile, halo, outputs, inputs = self._maps()
        rows, chunks = outputs.shape[0], self._chunks()
        values = np.array(self.values.get_values(), dtype=np.float64)
        metadata = np.array(self.metadata.get_values(), dtype=np.int64) & 0xFF
        return SparseGemm(
            sparsity=self.rule,
            tile=tile,
            halo=halo,
            outputs=outputs,
            inputs=inputs,
            permutation=np.array(self.permutation.get_values(), dtype=np.int64),
            values=values.reshape(rows, chunks * self.rule.kept),
            metadata=metadata.astype(np.uint8).reshape(rows, chunks),
        )

    def _verify_sizes(self) -> None:
        rule = self.rule
        if len(self.permutation) % rule.group:
            raise VerifyException(
                f"the permutation has {len(self.permutation)} slots, not a "
                f"multiple of the chunk width {rule.group}"
            )
        _check_size(self.values, self.rows * self._chunks() * rule.kept, "values")
        _check_size(self.metadata, self.rows * self._chunks(), "metadata nibbles")

    def _chunks(self) -> int:
        return len(self.permutation) // self.rule.group

    @classmethod
    def parse(cls, parser: Parser) -> SparseGemmOp:
        sparsity = _parse_sparsity(parser)
        with parser.in_angle_brackets():
            before = _parse_dims(parser)
            parser.parse_punctuation("->")
            after = _parse_dims(parser)
        tile, halo, outputs, inputs = _parse_maps(parser)
        parser.parse_keyword("permutation")
        permutation = parser.parse_comma_separated_list(
            parser.Delimiter.SQUARE, lambda: _parse_slot(parser)
        )
        parser.parse_keyword("values")
        values = _parse_rows(parser, parser.parse_float)
        parser.parse_keyword("metadata")
        metadata = _parse_rows(parser, lambda: parser.parse_integer(allow_boolean=False))
        _check_parsed_size(parser, before, (len(outputs), len(inputs)), outputs)
        _check_parsed_size(parser, after, (len(values), len(permutation)), values)
        op = cls(sparsity, tile, halo, outputs, inputs, permutation, values, metadata)
        _parse_tail(parser, op)
        return op

    def _print_body(self, printer: Printer) -> None:
        kept, group = self.sparsity.kept.data, self.sparsity.group.data
        rows, columns = self._offset_count(self.outputs), self._offset_count(self.inputs)
        slots = len(self.permutation)
        printer.print_string(f" <{kept}:{group}>")
        self._print_head(printer, f"{_dim(rows)}x{_dim(columns)} -> {_dim(rows)}x{slots}")
        chunks = _count(slots, group)
        values = [format_float(v) for v in self.values.get_values()]
        # i8 stores a nibble such as 0xE as a signed byte: print it unsigned.
        metadata = [hex(v & 0xFF) for v in self.metadata.get_values()]
        permutation = ["pad" if s < 0 else str(s) for s in self.permutation.get_values()]
        arrays = [
            *self._map_arrays(),
            _flat("permutation", permutation),
            _table("values", values, (rows, None if chunks is None else chunks * kept)),
            _table("metadata", metadata, (rows, chunks)),
        ]
        _print_arrays(printer, arrays)


@irdl_op_definition
class ApplyOp(GridApplyOp):
    """Applies a layout `steps` times to a grid under the fixed boundary rule.

    Same meaning as ``lstencil.apply``: interior points (at least the halo away from every
    edge) get the layout's value, the boundary band keeps its input; each step rounds to
    the grid's element type. A converted layout's n:m rule must be the one of that element
    type (2:4 for f16 and bf16, 1:2 for f32 computed as tf32).

        %y = sparse_layout.apply %l to %x steps 4 : !lstencil.grid<64x64xf16>
    """

    name = "sparse_layout.apply"
    SOURCE_TYPE: ClassVar[type[RankedType]] = LayoutType
    layout = operand_def(LayoutType)

    def _verify_source(self, grid: GridType) -> None:
        definition = self.layout.owner
        if isinstance(definition, LayoutOp):
            check_grid(definition.halo.get_values(), grid.dims)
        if isinstance(definition, SparseGemmOp):
            expected = sparsity_of(grid.storage)
            if definition.rule != expected:
                raise VerifyException(
                    f"a {definition.rule.name} layout cannot apply to {grid}: its element "
                    f"type needs {expected.name}"
                )


SparseLayout = Dialect("sparse_layout", [GemmOp, SparseGemmOp, ApplyOp], [LayoutType, SparsityAttr])


def _floats(rows: Sequence[Sequence[float]]) -> DenseArrayBase:
    return DenseArrayBase.from_list(f64, [float(v) for row in rows for v in row])


def _check_size(array: DenseArrayBase, expected: int, what: str) -> None:
    if len(array) != expected:
        raise VerifyException(f"expected {expected} {what}, got {len(array)}")


def _parse_dims(parser: Parser) -> tuple[int, int]:
    """``<rows>x<columns>``, read as a shape is (``16x112``)."""
    rows = parser.parse_shape_dimension(allow_dynamic=False)
    parser.parse_shape_delimiter()
    return rows, parser.parse_shape_dimension(allow_dynamic=False)


def _parse_maps(
    parser: Parser,
) -> tuple[list[int], list[int], list[list[int]], list[list[int]]]:
    def integer() -> int:
        return parser.parse_integer(allow_boolean=False)

    parser.parse_keyword("tile")
    tile = parser.parse_comma_separated_list(parser.Delimiter.SQUARE, integer)
    parser.parse_keyword("halo")
    halo = parser.parse_comma_separated_list(parser.Delimiter.SQUARE, integer)
    parser.parse_keyword("outputs")
    outputs = _parse_rows(parser, integer)
    parser.parse_keyword("inputs")
    inputs = _parse_rows(parser, integer)
    return tile, halo, outputs, inputs


def _parse_rows(parser: Parser, item: Callable[[], _T]) -> list[list[_T]]:
    return parser.parse_comma_separated_list(
        parser.Delimiter.SQUARE,
        lambda: parser.parse_comma_separated_list(parser.Delimiter.SQUARE, item),
    )


def _supported_rule(kept: int, group: int) -> Sparsity:
    """The n:m rule with n = `kept` and m = `group`; :class:`VerifyException` if it is not
    one of :data:`SPARSITIES`."""
    name = f"{kept}:{group}"
    if name not in SPARSITIES:
        raise VerifyException(
            f"unsupported sparsity {name}: expected one of {', '.join(SPARSITIES)}"
        )
    return SPARSITIES[name]


def _parse_sparsity(parser: Parser) -> Sparsity:
    pos = parser.pos
    kept, group = SparsityAttr.parse_parameters(parser)
    try:
        return _supported_rule(cast(IntAttr, kept).data, cast(IntAttr, group).data)
    except VerifyException as error:
        parser.raise_error(str(error), pos, parser.pos)


def _parse_slot(parser: Parser) -> int:
    if parser.parse_optional_keyword("pad") is not None:
        return -1
    return parser.parse_integer(allow_negative=False, allow_boolean=False)


def _check_parsed_size(
    parser: Parser,
    stated: tuple[int, int],
    found: tuple[int, int],
    rows: Sequence[Sequence[object]],
) -> None:
    widths = {len(row) for row in rows}
    if stated != found:
        parser.raise_error(
            f"the stated size {stated[0]}x{stated[1]} does not match the {found[0]} rows and "
            f"{found[1]} columns listed"
        )
    if len(widths) > 1:
        parser.raise_error(f"rows of different lengths {sorted(widths)}")


def _parse_tail(parser: Parser, op: LayoutOp) -> None:
    op.attributes.update(parser.parse_optional_attr_dict())
    parser.parse_punctuation(":")
    layout_type = parser.parse_type()
    if layout_type != op.result.type:
        parser.raise_error(f"expected result type {op.result.type}, got {layout_type}")


_LINE_ITEMS = 16
"""An array of at most this many numbers prints inline; a longer flat list prints this many
a line."""

_CONTINUATION = 2
"""Indentation levels of an op's continuation lines under the op."""


def _count(length: int, width: int) -> int | None:
    """How many rows of `width` items `length` items fill; None if they fill no whole rows."""
    if width < 1 or length % width:
        return None
    return length // width


def _dim(size: int | None) -> str:
    """A size in an op's header; ``?`` where the op's arrays do not determine it."""
    return "?" if size is None else str(size)


@dataclass(frozen=True)
class _PrintedArray:
    """An array property as the custom format prints it after its keyword.

    `pieces` are the rows of a table (``[1.0, -2.0]``) or, for a flat list, runs of
    `_LINE_ITEMS` items: an array of more than `_LINE_ITEMS` items prints one piece a line.
    """

    keyword: str
    pieces: list[str]
    items: int

    @property
    def long(self) -> bool:
        """Whether the array prints one piece a line."""
        return self.items > _LINE_ITEMS


def _flat(keyword: str, items: list[str]) -> _PrintedArray:
    """`items` as a flat list, in runs of `_LINE_ITEMS`."""
    runs = [", ".join(items[i : i + _LINE_ITEMS]) for i in range(0, len(items), _LINE_ITEMS)]
    return _PrintedArray(keyword, runs, len(items))


def _table(keyword: str, items: list[str], shape: tuple[int | None, int | None]) -> _PrintedArray:
    """`items` as a table of `shape` (rows, width), or flat where they do not fill it: an
    op that fails verification prints what it holds."""
    rows, width = shape
    if rows is None or width is None or rows * width != len(items):
        return _flat(keyword, items)
    pieces = ["[" + ", ".join(items[r * width : (r + 1) * width]) + "]" for r in range(rows)]
    return _PrintedArray(keyword, pieces, len(items))


def _print_arrays(printer: Printer, arrays: Sequence[_PrintedArray]) -> None:
    """Prints `arrays` on the op's line if none is long, else each on a line of its own,
    a long one a piece a line between a ``[`` line and a ``]`` line."""
    separator = "\n" if any(array.long for array in arrays) else " "
    with printer.indented(_CONTINUATION):
        for array in arrays:
            printer.print_string(f"{separator}{array.keyword} [")
            if not array.long:
                printer.print_string(", ".join(array.pieces) + "]")
                continue
            with printer.indented():
                printer.print_string("\n" + ",\n".join(array.pieces))
            printer.print_string("\n]")
