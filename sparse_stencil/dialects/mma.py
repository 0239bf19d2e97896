"""The `mma` dialect (L2): a stencil layout as a tiled tensor-core kernel for one grid.

A kernel computes one step of one layout on one grid shape. Its body says, in order, what
every block does (docs/design.md, "Kernel generation"):

    mma.kernel @heat_f16 grid !lstencil.grid<64x64xf16> halo [1, 1] tile [4, 4]
        instruction "mma.sp.m16n8k32.f16" warps 4 groups 2 arrangement [4, 8] pad 8 {
      mma.stage box [34, 66] pitch 74 vector 1
      mma.tile_product steps 1 last "mma.sp.m16n8k32.f16" fragments [
        [...]        // K step 0: 32 lanes x 16 words
        ...
      ] tile_bases [...]
      mma.store points [
        [...]        // thread 0
        ...
      ]
    }

An f32 grid in a split precision mode (:mod:`sparse_stencil.kernel.precision`) says so in
the header, after the pad (and overhang and lead): ``... pad 8 compute "split-f16" {``; its
instruction is then the 16-bit one and its fragment table has 20 words per lane and step.
A kernel that applies k > 1 steps per launch (temporal fusion,
:mod:`sparse_stencil.kernel.fusion`) says so last: ``... pad 8 fuse 2 {``; its box is then
the output box widened by k halos per side, staged into two buffers.

- ``mma.stage``: the block copies its input box (output box, halo and overhang) from global
  to shared memory, zero-filled beyond the grid, each row padded to `pitch` elements; then a
  barrier.
- ``mma.tile_product``: each warp accumulates its groups of 8 output tiles over `steps` K
  steps of the instruction: per step a lane loads its A fragment (and metadata) and the
  offsets of its B elements from the fragment table (:mod:`sparse_stencil.kernel.tables`),
  gathers B from shared memory at its tile base plus those offsets, and issues the MMA once
  per group. `tile_bases` gives each thread's tile origin in shared memory.
- ``mma.store``: each thread rounds its accumulators to the grid's type and stores those that
  are interior points of the grid; `points` gives, per thread and accumulator value, the
  point's element offset and coordinates relative to the block's output origin.

A CUDA-core kernel (the baseline, and the fallback where tensor cores do not pay) has the
same header with the instruction ``"fma.rn.f32"``, `tile` the run of outputs a thread
computes (``[1, ..., P]``), `arrangement` the threads per axis and `groups` the runs per
thread (:mod:`sparse_stencil.kernel.direct`), and a body of two phases:

    mma.kernel @heat_f16_cuda_core grid !lstencil.grid<64x64xf16> halo [1, 1] tile [1, 8]
        instruction "fma.rn.f32" warps 2 groups 2 arrangement [8, 8] pad 2 {
      mma.stage box [34, 66] pitch 68
      mma.direct offsets [[-1, 0], [0, -1], [0, 0], [0, 1], [1, 0]]
          coefficients [0.25, 0.25, -1.0, 0.25, 0.25]
    }

- ``mma.stage``: as above, the box staged as f32;
- ``mma.direct``: each thread computes its runs of outputs as the stencil's terms (offsets
  and f32 coefficients) in f32 FMAs, reusing every input it loads across the outputs of a
  run that read it, then rounds each output to the grid's type and stores the interior
  ones.

On the host side, ``mma.launch`` applies a kernel `steps` times to a grid (ping-pong buffers;
both start as the input, so the boundary band is copied once and never written).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import ClassVar, TypeVar

import numpy as np
from xdsl.dialects.builtin import (
    DenseArrayBase,
    IntAttr,
    IntegerType,
    StringAttr,
    SymbolRefAttr,
    f64,
    i32,
    i64,
)
from xdsl.ir import Block, Dialect, Operation, Region, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    region_def,
    result_def,
    traits_def,
)
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.traits import HasParent, IsolatedFromAbove, NoTerminator, SymbolOpInterface
from xdsl.utils.exceptions import VerifyException

from sparse_stencil.dialects.lstencil import GridType
from sparse_stencil.errors import StencilError
from sparse_stencil.kernel.direct import (
    DIRECT_INSTRUCTION,
    DirectGeometry,
    ThreadLayout,
    element_bytes,
)
from sparse_stencil.kernel.geometry import WARP, BlockLayout, Geometry
from sparse_stencil.kernel.instruction import INSTRUCTIONS, MmaInstruction
from sparse_stencil.kernel.precision import SPLIT_PLANES, SPLIT_TYPES
from sparse_stencil.kernel.tables import FRAGMENT_WORDS, SPLIT_FRAGMENT_WORDS

_PhaseT = TypeVar("_PhaseT", bound=Operation)


def _ints(values: Sequence[int], kind: IntegerType = i64) -> DenseArrayBase[IntegerType]:
    return DenseArrayBase.from_list(kind, [int(v) for v in values])


def _values(array: DenseArrayBase[IntegerType]) -> tuple[int, ...]:
    return tuple(array.get_values())


@irdl_op_definition
class KernelOp(IRDLOperation):
    """One step of a stencil on grids of one type and shape, as a tensor-core kernel, or, with
    the instruction ``fma.rn.f32``, as a CUDA-core one.

    `grid` is the grid type, `halo` the fixed boundary band, `tile` the layout's output tile
    (CUDA cores: the run of outputs of a thread), `instruction` the tensor-core instruction
    (e.g. ``mma.sp.m16n8k16.f16``) or ``fma.rn.f32``; `warps`, `groups`, `arrangement` and
    `pad` the block layout (:class:`~.geometry.BlockLayout`, CUDA cores:
    :class:`~sparse_stencil.kernel.direct.ThreadLayout`); `overhang`, when present, the
    elements staged past the halo at the high end of the innermost axis (gathers of 16-byte
    runs reach that far, :mod:`sparse_stencil.layout.runs`); `lead`, when present, the
    output points that blocks compute before the interior on the innermost axis (to put the
    tiles where their runs are aligned); `fuse`, when present, the
    steps one launch applies (more than one, :mod:`sparse_stencil.kernel.fusion`).
    """

    name = "mma.kernel"
    sym_name = prop_def(StringAttr)
    grid = prop_def(GridType)
    halo = prop_def(DenseArrayBase.constr(i64))
    tile = prop_def(DenseArrayBase.constr(i64))
    instruction = prop_def(StringAttr)
    warps = prop_def(IntAttr)
    groups = prop_def(IntAttr)
    arrangement = prop_def(DenseArrayBase.constr(i64))
    pad = prop_def(IntAttr)
    overhang = opt_prop_def(IntAttr)
    lead = opt_prop_def(IntAttr)
    compute = opt_prop_def(StringAttr)
    fuse = opt_prop_def(IntAttr)
    body = region_def("single_block")
    traits = traits_def(IsolatedFromAbove(), NoTerminator(), SymbolOpInterface())

    def __init__(
        self,
        name: str,
        grid: GridType,
        geometry: Geometry | DirectGeometry,
        instruction: MmaInstruction | str,
        body: Sequence[Operation],
        compute: str | None = None,
    ) -> None:
        """`instruction` is a tensor-core instruction, or ``fma.rn.f32`` with a
        :class:`DirectGeometry`; `compute` a split precision mode, or None."""
        block = geometry.block
        name_of = instruction if isinstance(instruction, str) else instruction.name
        super().__init__(
            properties={
                "sym_name": StringAttr(name),
                "grid": grid,
                "halo": _ints(geometry.halo),
                "tile": _ints(geometry.tile),
                "instruction": StringAttr(name_of),
                "warps": IntAttr(block.warps),
                "groups": IntAttr(block.groups),
                "arrangement": _ints(block.arrangement),
                "pad": IntAttr(block.pad),
                **_overhang(geometry),
                **({"lead": IntAttr(geometry.lead)} if geometry.lead else {}),
                **({} if compute is None else {"compute": StringAttr(compute)}),
                **({"fuse": IntAttr(geometry.fuse)} if geometry.fuse > 1 else {}),
            },
            regions=[Region(Block(list(body)))],
        )

    @property
    def mma_instruction(self) -> MmaInstruction:
        """The tensor-core instruction the kernel issues (:class:`StencilError` if unknown)."""
        name = self.instruction.data
        if name not in INSTRUCTIONS:
            raise StencilError(
                f"unknown instruction '{name}': expected one of {', '.join(INSTRUCTIONS)}"
            )
        return INSTRUCTIONS[name]

    @property
    def split(self) -> str | None:
        """The kernel's split precision mode, or None."""
        return None if self.compute is None else self.compute.data

    @property
    def fragment_words(self) -> int:
        """Words per lane per K step of the fragment table."""
        return SPLIT_FRAGMENT_WORDS if self.compute is not None else FRAGMENT_WORDS

    @property
    def is_direct(self) -> bool:
        """Whether this is a CUDA-core kernel (``mma.stage`` then ``mma.direct``)."""
        return self.instruction.data == DIRECT_INSTRUCTION

    @property
    def geometry(self) -> Geometry | DirectGeometry:
        """The block tiling of the grid (raises :class:`StencilError` if inconsistent)."""
        if self.is_direct:
            return self._direct_geometry()
        layout = BlockLayout(
            self.warps.data, self.groups.data, _values(self.arrangement), self.pad.data
        )
        return Geometry(
            self.grid.dims,
            _values(self.halo),
            _values(self.tile),
            layout,
            self.mma_instruction.element_bytes,
            self.overhang.data if self.overhang is not None else 0,
            SPLIT_PLANES if self.compute is not None else 1,
            self.fuse.data if self.fuse is not None else 1,
            self.lead.data if self.lead is not None else 0,
        )

    def _direct_geometry(self) -> DirectGeometry:
        *outer, run = _values(self.tile)
        if any(t != 1 for t in outer):
            raise StencilError(
                f"a CUDA-core kernel's tile is a run along the innermost axis, [1, ..., P], "
                f"not {list(_values(self.tile))}"
            )
        layout = ThreadLayout(
            self.warps.data, self.groups.data, _values(self.arrangement), self.pad.data
        )
        return DirectGeometry(
            self.grid.dims, _values(self.halo), run, layout, element_bytes(self.grid.storage)
        )

    def phase(self, kind: type[_PhaseT]) -> _PhaseT:
        """The body's op of `kind` (the verifier checks there is exactly one)."""
        return next(op for op in self.body.ops if isinstance(op, kind))

    def verify_(self) -> None:
        if self.is_direct:
            if self.compute is not None:
                raise VerifyException(f"a {DIRECT_INSTRUCTION} kernel has no compute mode")
            if self.fuse is not None:
                raise VerifyException(f"a {DIRECT_INSTRUCTION} kernel applies one step")
            self._verify_direct()
            return
        try:
            instruction = self.mma_instruction
        except StencilError as error:
            raise VerifyException(str(error)) from error
        self._verify_compute(instruction)
        try:
            _ = self.geometry
        except StencilError as error:
            raise VerifyException(str(error)) from error
        kinds = [type(op) for op in self.body.ops]
        if kinds != [StageOp, TileProductOp, StoreOp]:
            raise VerifyException(
                "a kernel's body is mma.stage, mma.tile_product and mma.store, in order"
            )

    def _verify_compute(self, instruction: MmaInstruction) -> None:
        """The instruction multiplies the grid's type, or the parts of a split mode."""
        storage = self.grid.storage
        split = self.split
        if split is None:
            if (instruction.a_type == "tf32") != (storage.name == "float32"):
                raise VerifyException(
                    f"{self.instruction.data} cannot multiply a {storage.mlir_name} grid"
                )
            return
        if split not in SPLIT_TYPES:
            raise VerifyException(
                f"unknown compute '{split}': a kernel's compute is one of {', '.join(SPLIT_TYPES)}"
            )
        if storage.name != "float32":
            raise VerifyException(f"compute '{split}' splits f32 grids, not {storage.mlir_name}")
        if instruction.a_type != SPLIT_TYPES[split].mlir_name:
            raise VerifyException(f"compute '{split}' issues {SPLIT_TYPES[split].mlir_name} MMAs")

    def _verify_direct(self) -> None:
        try:
            _ = self.geometry
        except StencilError as error:
            raise VerifyException(str(error)) from error
        if [type(op) for op in self.body.ops] != [StageOp, DirectOp]:
            raise VerifyException(
                f"a {DIRECT_INSTRUCTION} kernel's body is mma.stage and mma.direct, in order"
            )

    @classmethod
    def parse(cls, parser: Parser) -> KernelOp:
        name = parser.parse_symbol_name().data
        parser.parse_keyword("grid")
        grid = parser.parse_type()
        if not isinstance(grid, GridType):
            parser.raise_error(f"expected a !lstencil.grid type, got {grid}")
        halo = _parse_list(parser, "halo")
        tile = _parse_list(parser, "tile")
        parser.parse_keyword("instruction")
        instruction = parser.parse_str_literal()
        warps = _parse_int(parser, "warps")
        groups = _parse_int(parser, "groups")
        arrangement = _parse_list(parser, "arrangement")
        pad = _parse_int(parser, "pad")
        overhang = _parse_optional_int(parser, "overhang")
        lead = _parse_optional_int(parser, "lead")
        compute = (
            {"compute": StringAttr(parser.parse_str_literal())}
            if parser.parse_optional_keyword("compute") is not None
            else {}
        )
        fuse = _parse_optional_int(parser, "fuse")
        body = parser.parse_region()
        op = cls.__new__(cls)
        IRDLOperation.__init__(
            op,
            properties={
                "sym_name": StringAttr(name),
                "grid": grid,
                "halo": _ints(halo),
                "tile": _ints(tile),
                "instruction": StringAttr(instruction),
                "warps": IntAttr(warps),
                "groups": IntAttr(groups),
                "arrangement": _ints(arrangement),
                "pad": IntAttr(pad),
                **overhang,
                **lead,
                **compute,
                **fuse,
            },
            regions=[body],
        )
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_symbol_name(self.sym_name.data)
        printer.print_string(" grid ")
        printer.print_attribute(self.grid)
        printer.print_string(
            f" halo {list(_values(self.halo))} tile {list(_values(self.tile))}"
            f' instruction "{self.instruction.data}" warps {self.warps.data}'
            f" groups {self.groups.data} arrangement {list(_values(self.arrangement))}"
            f" pad {self.pad.data} "
        )
        if self.overhang is not None:
            printer.print_string(f"overhang {self.overhang.data} ")
        if self.lead is not None:
            printer.print_string(f"lead {self.lead.data} ")
        if self.compute is not None:
            printer.print_string(f'compute "{self.compute.data}" ')
        if self.fuse is not None:
            printer.print_string(f"fuse {self.fuse.data} ")
        printer.print_region(self.body, print_entry_block_args=False, print_empty_block=False)


def _parse_optional_int(parser: Parser, keyword: str) -> dict[str, IntAttr]:
    """``keyword N`` as the property `keyword`, where present (else none)."""
    if parser.parse_optional_keyword(keyword) is None:
        return {}
    return {keyword: IntAttr(parser.parse_integer(allow_boolean=False))}


def _overhang(geometry: Geometry | DirectGeometry) -> dict[str, IntAttr]:
    """The `overhang` property of a geometry that stages past its halo (else none)."""
    return {"overhang": IntAttr(geometry.overhang)} if geometry.overhang else {}


class _PhaseOp(IRDLOperation):
    """An op of a kernel's body: it checks itself against the kernel's geometry."""

    traits = traits_def(HasParent(KernelOp))
    CUDA_CORES: ClassVar[bool | None] = None
    """Whether the op belongs to CUDA-core kernels (True), tensor-core ones (False) or both."""

    @property
    def kernel(self) -> KernelOp:
        """The kernel this phase belongs to."""
        parent = self.parent_op()
        assert isinstance(parent, KernelOp)
        return parent

    def verify_(self) -> None:
        direct = self.kernel.is_direct
        if self.CUDA_CORES is not None and self.CUDA_CORES != direct:
            form = "a CUDA-core" if self.CUDA_CORES else "a tensor-core"
            raise VerifyException(f"{self.name} belongs to {form} kernel")
        try:
            geometry = self.kernel.geometry
        except StencilError:
            return  # the kernel's own verifier reports it
        self._verify_against(geometry)

    def _verify_against(self, geometry: Geometry | DirectGeometry) -> None:
        """Raise :class:`VerifyException` unless the op's properties fit `geometry`."""
        raise NotImplementedError


@irdl_op_definition
class StageOp(_PhaseOp):
    """The block copies its input `box` (extents per axis) to shared memory, `pitch` elements
    per innermost row, zero-filled beyond the grid, and waits at a barrier."""

    name = "mma.stage"
    box = prop_def(DenseArrayBase.constr(i64))
    pitch = prop_def(IntAttr)

    def __init__(self, geometry: Geometry | DirectGeometry) -> None:
        super().__init__(properties={"box": _ints(geometry.box), "pitch": IntAttr(geometry.pitch)})

    def _verify_against(self, geometry: Geometry | DirectGeometry) -> None:
        if _values(self.box) != geometry.box or self.pitch.data != geometry.pitch:
            raise VerifyException(
                f"the block stages a box of {list(geometry.box)} with pitch {geometry.pitch}, "
                f"not {list(_values(self.box))} with pitch {self.pitch.data}"
            )

    @classmethod
    def parse(cls, parser: Parser) -> StageOp:
        box = _parse_list(parser, "box")
        pitch = _parse_int(parser, "pitch")
        op = cls.__new__(cls)
        IRDLOperation.__init__(op, properties={"box": _ints(box), "pitch": IntAttr(pitch)})
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(f" box {list(_values(self.box))} pitch {self.pitch.data}")


@irdl_op_definition
class TileProductOp(_PhaseOp):
    """Each warp's MMA columns accumulated over `steps` K steps of the kernel's instruction.

    Every step issues the kernel's instruction but the first `dense` ones, which issue its
    dense form (a split layout's dense columns, :mod:`sparse_stencil.layout.split`), and the
    last, which issues `last` (the single-chunk-step form of a sparse instruction where the
    converted K leaves an odd chunk step). `fragments` is the fragment table (steps x 32
    lanes x 16 words: A registers, metadata, B byte offsets from the tile base),
    `tile_bases` the shared-memory byte offset of each thread's B tile origin.
    """

    name = "mma.tile_product"
    CUDA_CORES: ClassVar[bool | None] = False
    steps = prop_def(IntAttr)
    dense = prop_def(IntAttr)
    last = prop_def(StringAttr)
    fragments = prop_def(DenseArrayBase.constr(i32))
    tile_bases = prop_def(DenseArrayBase.constr(i32))

    def __init__(
        self,
        steps: Sequence[MmaInstruction],
        fragments: Sequence[int],
        tile_bases: Sequence[int],
    ) -> None:
        sparse = any(step.sparse for step in steps)
        dense = sum(1 for step in steps if not step.sparse) if sparse else 0
        super().__init__(
            properties={
                "steps": IntAttr(len(steps)),
                "dense": IntAttr(dense),
                "last": StringAttr(steps[-1].name),
                "fragments": _ints(fragments, i32),
                "tile_bases": _ints(tile_bases, i32),
            }
        )

    @property
    def instructions(self) -> list[MmaInstruction]:
        """The instruction of each K step."""
        main = self.kernel.mma_instruction
        dense, steps = self.dense.data, self.steps.data
        middle = [main] * (steps - dense - 1)
        return [main.dense()] * dense + middle + [INSTRUCTIONS[self.last.data]]

    def _verify_against(self, geometry: Geometry | DirectGeometry) -> None:
        main = self.kernel.mma_instruction  # valid: the geometry was built from it
        if self.steps.data < 1:
            raise VerifyException("a tile product needs at least one K step")
        if self.dense.data and (not main.sparse or self.dense.data >= self.steps.data):
            raise VerifyException(
                "dense steps lead a sparse kernel's product and leave at least one sparse step"
            )
        if self.last.data not in (main.name, main.single().name):
            raise VerifyException(
                f"the last step issues {main.name} or {main.single().name}, not {self.last.data}"
            )
        words = self.kernel.fragment_words
        _check_length(self.fragments, self.steps.data * WARP * words, "fragment words")
        _check_length(self.tile_bases, geometry.block.threads, "tile bases")

    @classmethod
    def parse(cls, parser: Parser) -> TileProductOp:
        steps = _parse_int(parser, "steps")
        dense = parser.parse_integer() if parser.parse_optional_keyword("dense") else 0
        parser.parse_keyword("last")
        last = parser.parse_str_literal()
        fragments = _parse_table(parser, "fragments")
        bases = _parse_table(parser, "tile_bases")
        op = cls.__new__(cls)
        IRDLOperation.__init__(
            op,
            properties={
                "steps": IntAttr(steps),
                "dense": IntAttr(dense),
                "last": StringAttr(last),
                "fragments": _ints(fragments, i32),
                "tile_bases": _ints(bases, i32),
            },
        )
        return op

    def print(self, printer: Printer) -> None:
        dense = f" dense {self.dense.data}" if self.dense.data else ""
        printer.print_string(f' steps {self.steps.data}{dense} last "{self.last.data}"')
        kernel = self.parent_op()
        words = kernel.fragment_words if isinstance(kernel, KernelOp) else FRAGMENT_WORDS
        _print_table(printer, "fragments", _values(self.fragments), WARP * words)
        _print_table(printer, "tile_bases", _values(self.tile_bases), WARP)


@irdl_op_definition
class StoreOp(_PhaseOp):
    """Each thread rounds its accumulator values to the grid's type and stores the interior
    ones. `points` holds, per thread and value c0..c3, the element offset and the coordinates
    of its point relative to the block's output origin (1 + rank words)."""

    name = "mma.store"
    CUDA_CORES: ClassVar[bool | None] = False
    points = prop_def(DenseArrayBase.constr(i32))

    def __init__(self, points: Sequence[int]) -> None:
        super().__init__(properties={"points": _ints(points, i32)})

    def _verify_against(self, geometry: Geometry | DirectGeometry) -> None:
        _check_length(self.points, geometry.block.threads * 4 * (1 + geometry.dims), "words")

    @classmethod
    def parse(cls, parser: Parser) -> StoreOp:
        return cls(_parse_table(parser, "points"))

    def print(self, printer: Printer) -> None:
        kernel = self.parent_op()
        rank = len(kernel.tile) if isinstance(kernel, KernelOp) else 1
        _print_table(printer, "points", _values(self.points), 4 * (1 + rank))


@irdl_op_definition
class DirectOp(_PhaseOp):
    """Each thread computes its runs of outputs on the CUDA cores and stores them.

    The stencil's terms are `offsets` (rank words each, outermost axis first) and
    `coefficients` (f32 values, as float64), one per offset; a zero coefficient adds no term.
    Per run, a thread loads each input its outputs read once and accumulates every output
    in f32 (a multiply, then FMAs), rounds it once to the grid's type and stores it where it
    is an interior point (:mod:`sparse_stencil.kernel.direct`).
    """

    name = "mma.direct"
    CUDA_CORES: ClassVar[bool | None] = True
    offsets = prop_def(DenseArrayBase.constr(i64))
    coefficients = prop_def(DenseArrayBase.constr(f64))

    def __init__(self, offsets: Sequence[Sequence[int]], coefficients: Sequence[float]) -> None:
        super().__init__(
            properties={
                "offsets": _ints([v for offset in offsets for v in offset]),
                "coefficients": DenseArrayBase.from_list(f64, [float(c) for c in coefficients]),
            }
        )

    @property
    def terms(self) -> list[tuple[tuple[int, ...], float]]:
        """(offset, coefficient) per term."""
        values = _values(self.offsets)
        rank = len(values) // max(len(self.coefficients), 1)
        offsets = [values[i : i + rank] for i in range(0, len(values), rank)] if rank else []
        return list(zip(offsets, self.coefficients.get_values(), strict=True))

    def _verify_against(self, geometry: Geometry | DirectGeometry) -> None:
        count = len(self.coefficients)
        _check_length(self.offsets, count * geometry.dims, "offset words")
        if count == 0 or not any(self.coefficients.get_values()):
            raise VerifyException("a stencil needs at least one non-zero coefficient")
        for offset, c in self.terms:
            if any(abs(o) > r for o, r in zip(offset, geometry.halo, strict=True)):
                raise VerifyException(
                    f"offset {list(offset)} reaches beyond the halo {list(geometry.halo)}"
                )
            if not math.isfinite(c) or float(np.float32(c)) != c:
                raise VerifyException(f"coefficient {c!r} is not an f32 value")

    @classmethod
    def parse(cls, parser: Parser) -> DirectOp:
        parser.parse_keyword("offsets")
        offsets = parser.parse_comma_separated_list(
            parser.Delimiter.SQUARE,
            lambda: parser.parse_comma_separated_list(
                parser.Delimiter.SQUARE, lambda: parser.parse_integer(allow_boolean=False)
            ),
        )
        parser.parse_keyword("coefficients")
        coefficients = parser.parse_comma_separated_list(
            parser.Delimiter.SQUARE, lambda: float(parser.parse_number())
        )
        return cls(offsets, coefficients)

    def print(self, printer: Printer) -> None:
        offsets = ", ".join(str(list(offset)) for offset, _ in self.terms)
        coefficients = ", ".join(repr(c) for _, c in self.terms)  # an f32 reads back exactly
        printer.print_string(f" offsets [{offsets}] coefficients [{coefficients}]")


@irdl_op_definition
class LaunchOp(IRDLOperation):
    """Applies the kernel `kernel` `steps` times to a grid (host side).

    %y = mma.launch @heat_f16(%x) steps 10
           : !lstencil.grid<64x64xf16> -> !lstencil.grid<64x64xf16>
    """

    name = "mma.launch"
    kernel = prop_def(SymbolRefAttr)
    steps = prop_def(IntAttr)
    input = operand_def(GridType)
    output = result_def(GridType)

    def __init__(self, kernel: str, grid: SSAValue, steps: int) -> None:
        super().__init__(
            operands=[grid],
            properties={"kernel": SymbolRefAttr(kernel), "steps": IntAttr(steps)},
            result_types=[grid.type],
        )

    @classmethod
    def parse(cls, parser: Parser) -> LaunchOp:
        kernel = parser.parse_symbol_name().data
        parser.parse_punctuation("(")
        unresolved = parser.parse_unresolved_operand()
        parser.parse_punctuation(")")
        steps = _parse_int(parser, "steps")
        attributes = parser.parse_optional_attr_dict()
        parser.parse_punctuation(":")
        grid = parser.resolve_operand(unresolved, parser.parse_type())
        parser.parse_punctuation("->")
        output = parser.parse_type()
        op = cls.__new__(cls)
        IRDLOperation.__init__(
            op,
            operands=[grid],
            properties={"kernel": SymbolRefAttr(kernel), "steps": IntAttr(steps)},
            attributes=attributes,
            result_types=[output],
        )
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_symbol_name(self.kernel.root_reference.data)
        printer.print_string("(")
        printer.print_operand(self.input)
        printer.print_string(f") steps {self.steps.data}")
        printer.print_op_attributes(self.attributes)
        printer.print_string(" : ")
        printer.print_attribute(self.input.type)
        printer.print_string(" -> ")
        printer.print_attribute(self.output.type)

    def verify_(self) -> None:
        if self.steps.data < 1:
            raise VerifyException(f"steps must be at least 1, got {self.steps.data}")
        if self.output.type != self.input.type:
            raise VerifyException("the output grid type must equal the input grid type")


MMA = Dialect("mma", [KernelOp, StageOp, TileProductOp, StoreOp, DirectOp, LaunchOp], [])


def _check_length(array: DenseArrayBase[IntegerType], expected: int, what: str) -> None:
    if len(array) != expected:
        raise VerifyException(f"expected {expected} {what}, got {len(array)}")


def _parse_int(parser: Parser, keyword: str) -> int:
    parser.parse_keyword(keyword)
    return parser.parse_integer(allow_boolean=False)


def _parse_list(parser: Parser, keyword: str) -> list[int]:
    parser.parse_keyword(keyword)
    return parser.parse_comma_separated_list(
        parser.Delimiter.SQUARE, lambda: parser.parse_integer(allow_boolean=False)
    )


def _parse_table(parser: Parser, keyword: str) -> list[int]:
    """A table printed by :func:`_print_table`: ``keyword [[...], [...]]``, rows flattened."""
    parser.parse_keyword(keyword)
    rows = parser.parse_comma_separated_list(
        parser.Delimiter.SQUARE,
        lambda: parser.parse_comma_separated_list(
            parser.Delimiter.SQUARE, lambda: parser.parse_integer(allow_boolean=False)
        ),
    )
    return [v for row in rows for v in row]


def _print_table(printer: Printer, keyword: str, values: Sequence[int], width: int) -> None:
    """`` keyword [`` then one row of `width` values a line, indented, then ``]``."""
    printer.print_string(f" {keyword} [")
    rows = [values[i : i + width] for i in range(0, len(values), width)]
    with printer.indented():
        for index, row in enumerate(rows):
            separator = "," if index + 1 < len(rows) else ""
            printer.print_string(f"\n[{', '.join(str(v) for v in row)}]{separator}")
    printer.print_string("\n]" if rows else "]")
