"""The `ptx` dialect (L3): one op per PTX instruction, printed as PTX text.

Values stay SSA, since ptxas allocates the physical registers: every result is a virtual
register of one class (`!ptx.reg<b32>`), which the printer names per kernel in order of
definition (`%r1`, `%r2`, ...) and declares at the top of the kernel (`.reg .b32 %r<3>;`).
Opcode modifiers (`.global`, `.v4`, `.wide`, ...) are properties. Where PTX accepts an
immediate, the source is either an operand or an `IntAttr` property named `<operand>_imm`.
Every instruction may be guarded by a predicate (`@%p1` or, with `negate`, `@!%p1`).

    "ptx.entry"() <{sym_name = "k", param_names = ["x"], param_types = ["u64"]}> ({
      %0 = "ptx.ld_param"() <{param = "x", type = "u64", ...}> : () -> !ptx.reg<b64>
      "ptx.ret"() <{operandSegmentSizes = array<i32: 0>}> : () -> ()
    }) : () -> ()

prints as

    .visible .entry k(
        .param .u64 x
    )
    {
        .reg .b64 %rd<2>;
        ld.param.u64 %rd1, [x];
        ret;
    }

:func:`sparse_stencil.backends.ptx_printer.print_ptx` prints a whole module.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Collection, Mapping, Sequence
from typing import IO, ClassVar, TypeAlias, cast

from xdsl.backend.assembly_printer import AssemblyPrintable, AssemblyPrinter
from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseArrayBase,
    IntAttr,
    ModuleOp,
    StringAttr,
    SymbolRefAttr,
    UnitAttr,
    i64,
)
from xdsl.dialects.func import FuncOp
from xdsl.ir import (
    Attribute,
    Block,
    Dialect,
    Operation,
    ParametrizedAttribute,
    Region,
    SSAValue,
    TypeAttribute,
)
from xdsl.irdl import (
    AttrSizedOperandSegments,
    IRDLOperation,
    irdl_attr_definition,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    opt_prop_def,
    prop_def,
    region_def,
    result_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.parser import AttrParser
from xdsl.printer import Printer
from xdsl.traits import HasParent, IsolatedFromAbove, NoTerminator, Pure, SymbolOpInterface
from xdsl.utils.exceptions import VerifyException

from sparse_stencil.errors import StencilError

# region Verification helpers


def _verify_choice(value: object, choices: Collection[object], what: str) -> None:
    if value not in choices:
        listed = ", ".join(str(choice) for choice in choices)
        raise VerifyException(f"{what} must be one of {listed}, got '{value}'")


def _verify_register(value: SSAValue, expected: RegType, what: str) -> None:
    if value.type != expected:
        raise VerifyException(f"{what} must be a {expected} register, got {value.type}")


def _verify_count(values: Sequence[SSAValue], count: int, what: str) -> None:
    if len(values) != count:
        raise VerifyException(f"{what} takes {count} registers, got {len(values)}")


def _fits(value: int, bits: int) -> bool:
    """Whether `value` is a `bits`-wide pattern, written signed or unsigned."""
    return -(1 << (bits - 1)) <= value < (1 << bits)


# endregion
# region Register classes and types

REGISTER_CLASSES = ("pred", "b16", "b32", "b64", "f32")
"""The register classes, in the order the printer declares them."""

_PREFIXES = {"pred": "%p", "b16": "%rs", "b32": "%r", "b64": "%rd", "f32": "%f"}

_INT_TYPES = frozenset({"s16", "u16", "s32", "u32", "s64", "u64"})
_BIT_TYPES = frozenset({"b16", "b32", "b64"})
_FLOAT_ROUNDINGS = frozenset({"rn", "rz", "rm", "rp"})
_INT_ROUNDINGS = frozenset({"rni", "rzi", "rmi", "rpi"})

_CLASS_OF_TYPE = {
    "pred": "pred",
    **dict.fromkeys(("b16", "u16", "s16", "f16", "bf16"), "b16"),
    **dict.fromkeys(("b32", "u32", "s32", "tf32"), "b32"),
    **dict.fromkeys(("b64", "u64", "s64"), "b64"),
    "f32": "f32",
}

_WIDENED = {"s16": "s32", "u16": "u32", "s32": "s64", "u32": "u64"}
"""The type of a `.wide` product of two values of the key type."""


@irdl_attr_definition
class RegType(ParametrizedAttribute, TypeAttribute):
    """A PTX virtual register of one class, `!ptx.reg<b32>`.

    `pred` holds predicates; `b16`, `b32` and `b64` hold integers and bit patterns (also f16
    and bf16 values in `b16`, tf32 and f16 pairs in `b32`); `f32` holds floats. The printer
    names registers of a class with its prefix: %p, %rs, %r, %rd, %f.
    """

    name = "ptx.reg"
    kind: StringAttr

    def __init__(self, kind: str) -> None:
        super().__init__(StringAttr(kind))

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        with parser.in_angle_brackets():
            return (StringAttr(parser.parse_identifier()),)

    def print_parameters(self, printer: Printer) -> None:
        printer.print_string(f"<{self.kind.data}>")

    def verify(self) -> None:
        _verify_choice(self.kind.data, REGISTER_CLASSES, "register class")

    @property
    def prefix(self) -> str:
        """How the printer's names of this class start, e.g. `%rd`."""
        return _PREFIXES[self.kind.data]


PRED = RegType("pred")
B16 = RegType("b16")
B32 = RegType("b32")
B64 = RegType("b64")
F32 = RegType("f32")


def register_for(type_name: str) -> RegType:
    """The register class that holds a value of PTX type `type_name` (e.g. `s64` -> B64)."""
    _verify_choice(type_name, _CLASS_OF_TYPE, "PTX type")
    return RegType(_CLASS_OF_TYPE[type_name])


def _bits(type_name: str) -> int:
    return 1 if type_name == "pred" else int(type_name.lstrip("bfstu"))


# region Immediates

Source: TypeAlias = SSAValue | int
"""An instruction source that PTX also accepts as an integer immediate (for f32: its bits)."""


def _source_operands(source: Source) -> list[SSAValue]:
    return [] if isinstance(source, int) else [source]


def _source_immediate(source: Source) -> IntAttr | None:
    return IntAttr(source) if isinstance(source, int) else None


def _immediate_text(value: int, type_name: str) -> str:
    # PTX writes an exact f32 immediate as its bit pattern.
    if type_name == "f32":
        return f"0f{value & 0xFFFFFFFF:08X}"
    return str(value)


def _verify_source(
    operand: SSAValue | None, immediate: IntAttr | None, type_name: str, what: str
) -> None:
    if (operand is None) == (immediate is None):
        raise VerifyException(f"{what} must be either a register or an immediate")
    if operand is not None:
        _verify_register(operand, register_for(type_name), what)
    elif immediate is not None and not _fits(immediate.data, _bits(type_name)):
        raise VerifyException(f"{what} immediate {immediate.data} does not fit .{type_name}")


# endregion
# region The printer


class PTXPrinter(AssemblyPrinter):
    """Prints a module of `ptx` ops as PTX text; names each kernel's values as registers."""

    def __init__(self, stream: IO[str]) -> None:
        super().__init__(stream=stream)
        self._names: dict[SSAValue, str] = {}
        self._counts: dict[str, int] = {}

    def print_module(self, module: ModuleOp) -> None:
        """Print the globals, then the kernels (each prints its own body).

        Host-side functions (`func.func`, which launch the kernels) are not part of the PTX
        module and are left out; any other op is refused.
        """
        for op in module.ops:
            if not isinstance(op, GlobalOp | EntryOp | FuncOp):
                raise StencilError(
                    f"'{op.name}' cannot be printed as PTX: a module holds only "
                    "ptx.global and ptx.entry ops (and host functions, left out)"
                )
        globals_ = [op for op in module.ops if isinstance(op, GlobalOp)]
        if globals_:
            self.print_string("\n")
        for op in globals_:
            op.print_assembly(self)
        for op in module.ops:
            if isinstance(op, EntryOp):
                self.print_string("\n")
                op.print_assembly(self)

    def name_registers(self, block: Block) -> None:
        """Name the values defined in `block` (one kernel), per class in order of definition."""
        self._names = {}
        self._counts = {}
        for op in block.ops:
            for result in op.results:
                kind = cast(RegType, result.type).kind.data
                self._counts[kind] = self._counts.get(kind, 0) + 1
                self._names[result] = f"{_PREFIXES[kind]}{self._counts[kind]}"

    def declarations(self) -> list[str]:
        """The `.reg` lines that declare the registers named by :meth:`name_registers`."""
        # Numbering starts at 1, so %r<N> (which declares %r0 .. %r(N-1)) needs N = count + 1.
        return [
            f".reg .{kind} {_PREFIXES[kind]}<{self._counts[kind] + 1}>;"
            for kind in REGISTER_CLASSES
            if kind in self._counts
        ]

    def register(self, value: SSAValue) -> str:
        """The name of register `value`, e.g. `%r3`."""
        return self._names[value]

    def vector(self, values: Sequence[SSAValue]) -> str:
        """A vector operand, e.g. `{%r1, %r2}`."""
        return "{" + ", ".join(self.register(value) for value in values) + "}"

    def address(self, base: SSAValue | str, offset: int) -> str:
        """A memory operand: `[%rd1+16]`, `[%r5+-4]` (valid PTX), `[%rd1]` or `[param]`."""
        name = base if isinstance(base, str) else self.register(base)
        return f"[{name}+{offset}]" if offset else f"[{name}]"

    def source(self, operand: SSAValue | None, immediate: IntAttr | None, type_name: str) -> str:
        """A source that is a register or an immediate (verified to be exactly one)."""
        if operand is not None:
            return self.register(operand)
        assert immediate is not None
        return _immediate_text(immediate.data, type_name)


# endregion
# region Module-level ops


def _string_array(names: Sequence[str]) -> ArrayAttr[StringAttr]:
    return ArrayAttr(StringAttr(name) for name in names)


@irdl_op_definition
class GlobalOp(IRDLOperation, AssemblyPrintable):
    """A module variable with an initializer, in `.const` or `.global` memory:

        .const .align 16 .b32 name[3] = {1, 2, 3};

    `values` are the raw bit patterns of the elements (either signedness is accepted).
    """

    name = "ptx.global"
    sym_name = prop_def(StringAttr)
    space = prop_def(StringAttr)
    element = prop_def(StringAttr)
    values = prop_def(DenseArrayBase.constr(i64))
    alignment = prop_def(IntAttr)
    traits = traits_def(SymbolOpInterface(), HasParent(ModuleOp))

    SPACES: ClassVar = ("const", "global")
    ELEMENTS: ClassVar = ("b16", "b32", "u32", "s32")
    VALUES_PER_LINE: ClassVar = 8

    def __init__(
        self, name: str, space: str, element: str, values: Sequence[int], align: int = 16
    ) -> None:
        super().__init__(
            properties={
                "sym_name": StringAttr(name),
                "space": StringAttr(space),
                "element": StringAttr(element),
                "values": DenseArrayBase.from_list(i64, list(values)),
                "alignment": IntAttr(align),
            }
        )

    def verify_(self) -> None:
        _verify_choice(self.space.data, self.SPACES, "global space")
        _verify_choice(self.element.data, self.ELEMENTS, "global element")
        _verify_alignment(self.alignment.data)
        if not self.values.get_values():
            raise VerifyException("a global needs at least one value")
        bits = _bits(self.element.data)
        for value in self.values.get_values():
            if not _fits(value, bits):
                raise VerifyException(f"value {value} does not fit .{self.element.data}")

    def initializer(self) -> list[int]:
        """The values as PTX writes them: signed for `s32`, unsigned otherwise."""
        bits = _bits(self.element.data)
        patterns = [value % (1 << bits) for value in self.values.get_values()]
        if self.element.data.startswith("s"):
            return [p - (1 << bits) if p >> (bits - 1) else p for p in patterns]
        return patterns

    def print_assembly(self, printer: AssemblyPrinter) -> None:
        values = [str(value) for value in self.initializer()]
        head = (
            f".{self.space.data} .align {self.alignment.data} .{self.element.data} "
            f"{self.sym_name.data}[{len(values)}] = "
        )
        if len(values) <= self.VALUES_PER_LINE:
            printer.print_string(head + "{" + ", ".join(values) + "};\n")
            return
        rows = [
            "\t" + ", ".join(values[start : start + self.VALUES_PER_LINE])
            for start in range(0, len(values), self.VALUES_PER_LINE)
        ]
        printer.print_string(head + "{\n" + ",\n".join(rows) + "\n};\n")


_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")


def _verify_identifier(name: str, what: str) -> None:
    if not _IDENTIFIER.fullmatch(name):
        raise VerifyException(f"{what} '{name}' is not a PTX identifier")


def _verify_alignment(alignment: int) -> None:
    if alignment <= 0 or alignment & (alignment - 1):
        raise VerifyException(f"alignment must be a power of two, got {alignment}")


@irdl_op_definition
class EntryOp(IRDLOperation, AssemblyPrintable):
    """A kernel, `.visible .entry name(.param .u64 p0, ...) { ... }`.

    Parameters are `.u64` (pointers) or `.u32` scalars, read with `ptx.ld_param`. The body is
    one block of `ptx` instructions and `.shared` declarations; the printer declares the
    registers its values need.
    """

    name = "ptx.entry"
    sym_name = prop_def(StringAttr)
    param_names = prop_def(ArrayAttr[StringAttr])
    param_types = prop_def(ArrayAttr[StringAttr])
    body = region_def("single_block")
    traits = traits_def(
        SymbolOpInterface(), IsolatedFromAbove(), NoTerminator(), HasParent(ModuleOp)
    )

    PARAM_TYPES: ClassVar = ("u64", "u32")

    def __init__(self, name: str, params: Sequence[tuple[str, str]], body: Region) -> None:
        super().__init__(
            properties={
                "sym_name": StringAttr(name),
                "param_names": _string_array([param for param, _ in params]),
                "param_types": _string_array([type_name for _, type_name in params]),
            },
            regions=[body],
        )

    @property
    def params(self) -> dict[str, str]:
        """Parameter name to type, in order."""
        return {
            name.data: type_name.data
            for name, type_name in zip(self.param_names, self.param_types, strict=True)
        }

    def verify_(self) -> None:
        if len(self.param_names) != len(self.param_types):
            raise VerifyException("every parameter needs one name and one type")
        if len(self.params) != len(self.param_names):
            raise VerifyException("parameter names must be distinct")
        for type_name in self.params.values():
            _verify_choice(type_name, self.PARAM_TYPES, "parameter type")
        if self.body.block.args:
            raise VerifyException("a kernel body takes no block arguments")
        shared = {op.sym_name.data for op in self.body.block.ops if isinstance(op, SharedOp)}
        for op in self.body.block.ops:
            self._verify_body_op(op, shared)
        self._verify_labels()

    def _verify_labels(self) -> None:
        labels = [op.label.data for op in self.body.block.ops if isinstance(op, LabelOp)]
        if len(set(labels)) != len(labels):
            raise VerifyException("a label is defined twice")
        for op in self.body.block.ops:
            if isinstance(op, BraOp) and op.target.data not in labels:
                raise VerifyException(f"branch to '{op.target.data}', which is no label")

    def _verify_body_op(self, op: Operation, shared: set[str]) -> None:
        if not isinstance(op, PTXInstruction | SharedOp | LabelOp):
            raise VerifyException(f"'{op.name}' cannot stand in a kernel: use ptx ops")
        if isinstance(op, LdParamOp) and self.params.get(op.param.data) != op.type.data:
            raise VerifyException(
                f"ld.param.{op.type.data} reads '{op.param.data}', which is no "
                f".{op.type.data} parameter of kernel '{self.sym_name.data}'"
            )
        if isinstance(op, AddressOfOp):
            self._verify_address_of(op, shared)

    def _verify_address_of(self, op: AddressOfOp, shared: set[str]) -> None:
        symbol = op.symbol.root_reference.data
        if symbol in shared:
            return
        if op.type.data == "u32":
            raise VerifyException(f"a 32-bit address names a .shared variable, not '{symbol}'")
        module = self.parent_op()
        if not isinstance(module, ModuleOp) or not any(
            isinstance(other, GlobalOp) and other.sym_name.data == symbol for other in module.ops
        ):
            raise VerifyException(f"'{symbol}' is neither a .shared nor a module variable")

    def print_assembly(self, printer: AssemblyPrinter) -> None:
        assert isinstance(printer, PTXPrinter)
        params = ",\n".join(f"\t.param .{t} {name}" for name, t in self.params.items())
        signature = f"(\n{params}\n)" if params else "()"
        printer.print_string(f".visible .entry {self.sym_name.data}{signature}\n{{\n")
        printer.name_registers(self.body.block)
        for line in printer.declarations():
            printer.print_string(f"\t{line}\n")
        # PTX declares shared variables before the code that uses them.
        ops = list(self.body.block.ops)
        for op in sorted(ops, key=lambda op: not isinstance(op, SharedOp)):
            assert isinstance(op, AssemblyPrintable)
            op.print_assembly(printer)
        printer.print_string("}\n")


@irdl_op_definition
class SharedOp(IRDLOperation, AssemblyPrintable):
    """A block's shared memory array, `.shared .align 16 .b8 name[size];`."""

    name = "ptx.shared"
    sym_name = prop_def(StringAttr)
    size = prop_def(IntAttr)
    alignment = prop_def(IntAttr)
    traits = traits_def(HasParent(EntryOp))

    def __init__(self, name: str, size: int, align: int = 16) -> None:
        super().__init__(
            properties={
                "sym_name": StringAttr(name),
                "size": IntAttr(size),
                "alignment": IntAttr(align),
            }
        )

    def verify_(self) -> None:
        if self.size.data <= 0:
            raise VerifyException(f"shared size must be positive, got {self.size.data}")
        _verify_alignment(self.alignment.data)

    def print_assembly(self, printer: AssemblyPrinter) -> None:
        printer.print_string(
            f"\t.shared .align {self.alignment.data} .b8 {self.sym_name.data}[{self.size.data}];\n"
        )


# endregion
# region Instructions: base classes


class PTXInstruction(IRDLOperation, AssemblyPrintable, ABC):
    """One PTX instruction, printed on one line as `@%p1 mnemonic arguments;`.

    With a `guard` predicate, only the threads where it holds (where it does not, with
    `negate`) execute the instruction.
    """

    guard = opt_operand_def(RegType)
    negate = opt_prop_def(UnitAttr)
    irdl_options = (AttrSizedOperandSegments(as_property=True),)

    def __init__(
        self,
        *,
        operands: Sequence[SSAValue | Sequence[SSAValue]] = (),
        properties: Mapping[str, Attribute | None] | None = None,
        result_types: Sequence[Attribute | Sequence[Attribute]] = (),
        guard: SSAValue | None = None,
        negate: bool = False,
    ) -> None:
        present = {k: v for k, v in (properties or {}).items() if v is not None}
        super().__init__(
            operands=[*operands, [] if guard is None else [guard]],
            properties=present | ({"negate": UnitAttr()} if negate else {}),
            result_types=result_types,
        )

    @abstractmethod
    def mnemonic(self) -> str:
        """The opcode with its modifiers, e.g. `ld.global.nc.v4.u32`."""

    @abstractmethod
    def arguments(self, printer: PTXPrinter) -> list[str]:
        """The printed operands, destinations first."""

    def verify_instruction(self) -> None:
        """Raise :class:`VerifyException` unless the operands fit the instruction."""

    def verify_(self) -> None:
        if self.guard is not None:
            _verify_register(self.guard, PRED, "guard")
        elif self.negate is not None:
            raise VerifyException("negate needs a guard")
        self.verify_instruction()

    def print_assembly(self, printer: AssemblyPrinter) -> None:
        assert isinstance(printer, PTXPrinter)
        guard = ""
        if self.guard is not None:
            guard = f"@{'!' if self.negate else ''}{printer.register(self.guard)} "
        arguments = ", ".join(self.arguments(printer))
        line = f"{self.mnemonic()} {arguments}" if arguments else self.mnemonic()
        printer.print_string(f"\t{guard}{line};\n")


class BinaryInstruction(PTXInstruction, ABC):
    """`op.type d, a, b` on two values of one type; `b` may be an immediate."""

    TYPES: ClassVar[frozenset[str]]

    type = prop_def(StringAttr)
    lhs = operand_def(RegType)
    rhs = opt_operand_def(RegType)
    rhs_imm = opt_prop_def(IntAttr)
    result = result_def(RegType)
    traits = traits_def(Pure())

    def __init__(
        self,
        type: str,
        lhs: SSAValue,
        rhs: Source,
        *,
        guard: SSAValue | None = None,
        negate: bool = False,
    ) -> None:
        self._build(type, lhs, rhs, None, guard, negate)

    def _build(
        self,
        type_name: str,
        lhs: SSAValue,
        rhs: Source,
        mode: str | None,
        guard: SSAValue | None,
        negate: bool,
    ) -> None:
        super().__init__(
            operands=[[lhs], _source_operands(rhs)],
            properties={
                "type": StringAttr(type_name),
                "rhs_imm": _source_immediate(rhs),
                "mode": None if mode is None else StringAttr(mode),
            },
            result_types=[self.result_register(type_name, mode)],
            guard=guard,
            negate=negate,
        )

    @classmethod
    def result_register(cls, type_name: str, mode: str | None) -> RegType:
        """The class of the result for operands of `type_name`."""
        return register_for(type_name)

    def opcode(self) -> str:
        """The instruction: the op name without the dialect, e.g. `add`."""
        return Dialect.split_name(self.name)[1]

    def rhs_type(self) -> str:
        """The PTX type of `rhs`."""
        return self.type.data

    def product_mode(self) -> str | None:
        """`lo`, `hi` or `wide` for an integer product (or a rounding mode); None otherwise."""
        return None

    def mnemonic(self) -> str:
        mode = self.product_mode()
        return f"{self.opcode()}{'' if mode is None else '.' + mode}.{self.type.data}"

    def arguments(self, printer: PTXPrinter) -> list[str]:
        return [
            printer.register(self.result),
            printer.register(self.lhs),
            printer.source(self.rhs, self.rhs_imm, self.rhs_type()),
        ]

    def verify_instruction(self) -> None:
        _verify_choice(self.type.data, sorted(self.TYPES), f"{self.opcode()} type")
        _verify_register(self.lhs, register_for(self.type.data), "lhs")
        _verify_source(self.rhs, self.rhs_imm, self.rhs_type(), "rhs")
        expected = self.result_register(self.type.data, self.product_mode())
        _verify_register(self.result, expected, "result")


_ARITHMETIC_TYPES = _INT_TYPES | {"f32"}


# endregion
# region Instructions: integer and float arithmetic


@irdl_op_definition
class AddOp(BinaryInstruction):
    """`add.type d, a, b`: d = a + b (integers wrap)."""

    name = "ptx.add"
    TYPES: ClassVar = _ARITHMETIC_TYPES


@irdl_op_definition
class SubOp(BinaryInstruction):
    """`sub.type d, a, b`: d = a - b (integers wrap)."""

    name = "ptx.sub"
    TYPES: ClassVar = _ARITHMETIC_TYPES


@irdl_op_definition
class MinOp(BinaryInstruction):
    """`min.type d, a, b`: the smaller of a and b."""

    name = "ptx.min"
    TYPES: ClassVar = _ARITHMETIC_TYPES


@irdl_op_definition
class MaxOp(BinaryInstruction):
    """`max.type d, a, b`: the larger of a and b."""

    name = "ptx.max"
    TYPES: ClassVar = _ARITHMETIC_TYPES


@irdl_op_definition
class AndOp(BinaryInstruction):
    """`and.type d, a, b`: bitwise (or, on predicates, logical) and."""

    name = "ptx.and"
    TYPES: ClassVar = _BIT_TYPES | {"pred"}


@irdl_op_definition
class OrOp(BinaryInstruction):
    """`or.type d, a, b`: bitwise (or, on predicates, logical) or."""

    name = "ptx.or"
    TYPES: ClassVar = _BIT_TYPES | {"pred"}


@irdl_op_definition
class XorOp(BinaryInstruction):
    """`xor.type d, a, b`: bitwise (or, on predicates, logical) exclusive or."""

    name = "ptx.xor"
    TYPES: ClassVar = _BIT_TYPES | {"pred"}


class ShiftInstruction(BinaryInstruction, ABC):
    """A shift of `lhs` by `rhs` bits; PTX takes the amount as a `.u32` at every width."""

    def rhs_type(self) -> str:
        return "u32"


@irdl_op_definition
class ShlOp(ShiftInstruction):
    """`shl.type d, a, b`: d = a << b."""

    name = "ptx.shl"
    TYPES: ClassVar = _BIT_TYPES


@irdl_op_definition
class ShrOp(ShiftInstruction):
    """`shr.type d, a, b`: d = a >> b, arithmetic for `.s` types, logical otherwise."""

    name = "ptx.shr"
    TYPES: ClassVar = _BIT_TYPES | _INT_TYPES


def _verify_mode(type_name: str, mode: str | None, opcode: str, float_rounding: bool) -> None:
    """Integers take `.lo`, `.hi` or `.wide` (not on 64-bit types); f32 a rounding mode,
    required when `float_rounding`."""
    if type_name == "f32":
        if mode is None and not float_rounding:
            return
        _verify_choice(mode, sorted(_FLOAT_ROUNDINGS), f"{opcode}.f32 rounding")
        return
    _verify_choice(mode, ("lo", "hi", "wide"), f"{opcode}.{type_name} mode")
    if mode == "wide" and type_name not in _WIDENED:
        raise VerifyException(f"{opcode}.wide takes 16- or 32-bit operands, not .{type_name}")


def _product_register(type_name: str, mode: str | None) -> RegType:
    if mode == "wide" and type_name in _WIDENED:
        return register_for(_WIDENED[type_name])
    return register_for(type_name)


@irdl_op_definition
class MulOp(BinaryInstruction):
    """`mul.mode.type d, a, b`: the low or high half, or (`wide`) all of the integer
    product; for f32, the product with an optional rounding mode."""

    name = "ptx.mul"
    TYPES: ClassVar = _ARITHMETIC_TYPES
    mode = opt_prop_def(StringAttr)

    def __init__(
        self,
        type: str,
        lhs: SSAValue,
        rhs: Source,
        mode: str | None = None,
        *,
        guard: SSAValue | None = None,
        negate: bool = False,
    ) -> None:
        self._build(type, lhs, rhs, mode, guard, negate)

    @classmethod
    def result_register(cls, type_name: str, mode: str | None) -> RegType:
        return _product_register(type_name, mode)

    def product_mode(self) -> str | None:
        return None if self.mode is None else self.mode.data

    def verify_instruction(self) -> None:
        _verify_mode(self.type.data, self.product_mode(), "mul", False)
        super().verify_instruction()


@irdl_op_definition
class MadOp(PTXInstruction):
    """`mad.mode.type d, a, b, c`: d = a * b + c, with the integer product's half (or `wide`
    product) chosen as in `mul`; f32 needs a rounding mode (`rn`, ...)."""

    name = "ptx.mad"
    type = prop_def(StringAttr)
    mode = opt_prop_def(StringAttr)
    a = operand_def(RegType)
    b = opt_operand_def(RegType)
    b_imm = opt_prop_def(IntAttr)
    c = opt_operand_def(RegType)
    c_imm = opt_prop_def(IntAttr)
    result = result_def(RegType)
    traits = traits_def(Pure())

    def __init__(
        self,
        type: str,
        a: SSAValue,
        b: Source,
        c: Source,
        mode: str | None = "lo",
        *,
        guard: SSAValue | None = None,
        negate: bool = False,
    ) -> None:
        super().__init__(
            operands=[[a], _source_operands(b), _source_operands(c)],
            properties={
                "type": StringAttr(type),
                "mode": None if mode is None else StringAttr(mode),
                "b_imm": _source_immediate(b),
                "c_imm": _source_immediate(c),
            },
            result_types=[_product_register(type, mode)],
            guard=guard,
            negate=negate,
        )

    def _mode(self) -> str | None:
        return None if self.mode is None else self.mode.data

    def _c_type(self) -> str:
        return _WIDENED[self.type.data] if self._mode() == "wide" else self.type.data

    def mnemonic(self) -> str:
        mode = "" if self.mode is None else f".{self.mode.data}"
        return f"mad{mode}.{self.type.data}"

    def arguments(self, printer: PTXPrinter) -> list[str]:
        return [
            printer.register(self.result),
            printer.register(self.a),
            printer.source(self.b, self.b_imm, self.type.data),
            printer.source(self.c, self.c_imm, self._c_type()),
        ]

    def verify_instruction(self) -> None:
        _verify_choice(self.type.data, sorted(_ARITHMETIC_TYPES), "mad type")
        _verify_mode(self.type.data, self._mode(), "mad", True)
        _verify_register(self.a, register_for(self.type.data), "a")
        _verify_source(self.b, self.b_imm, self.type.data, "b")
        _verify_source(self.c, self.c_imm, self._c_type(), "c")
        _verify_register(self.result, register_for(self._c_type()), "result")


# endregion
# region Instructions: moves, comparisons and conversions


@irdl_op_definition
class MovOp(PTXInstruction):
    """`mov.type d, a`: copy a register or an immediate (an f32 immediate is its bits)."""

    name = "ptx.mov"
    type = prop_def(StringAttr)
    source = opt_operand_def(RegType)
    source_imm = opt_prop_def(IntAttr)
    result = result_def(RegType)
    traits = traits_def(Pure())

    TYPES: ClassVar = _INT_TYPES | _BIT_TYPES | {"f32", "pred"}

    def __init__(
        self,
        type: str,
        source: Source,
        *,
        guard: SSAValue | None = None,
        negate: bool = False,
    ) -> None:
        super().__init__(
            operands=[_source_operands(source)],
            properties={"type": StringAttr(type), "source_imm": _source_immediate(source)},
            result_types=[register_for(type)],
            guard=guard,
            negate=negate,
        )

    def mnemonic(self) -> str:
        return f"mov.{self.type.data}"

    def arguments(self, printer: PTXPrinter) -> list[str]:
        source = printer.source(self.source, self.source_imm, self.type.data)
        return [printer.register(self.result), source]

    def verify_instruction(self) -> None:
        _verify_choice(self.type.data, sorted(self.TYPES), "mov type")
        _verify_source(self.source, self.source_imm, self.type.data, "source")
        _verify_register(self.result, register_for(self.type.data), "result")


@irdl_op_definition
class SpecialRegOp(PTXInstruction):
    """`mov.u32 d, %tid.x`: read a special register (thread, block and lane indices)."""

    name = "ptx.special_reg"
    register = prop_def(StringAttr)
    result = result_def(B32)
    traits = traits_def(Pure())

    REGISTERS: ClassVar = (
        *(f"{base}.{axis}" for base in ("tid", "ntid", "ctaid", "nctaid") for axis in "xyz"),
        "laneid",
        "warpid",
    )

    def __init__(
        self, register: str, *, guard: SSAValue | None = None, negate: bool = False
    ) -> None:
        super().__init__(
            properties={"register": StringAttr(register)},
            result_types=[B32],
            guard=guard,
            negate=negate,
        )

    def mnemonic(self) -> str:
        return "mov.u32"

    def arguments(self, printer: PTXPrinter) -> list[str]:
        return [printer.register(self.result), f"%{self.register.data}"]

    def verify_instruction(self) -> None:
        _verify_choice(self.register.data, self.REGISTERS, "special register")


@irdl_op_definition
class LdParamOp(PTXInstruction):
    """`ld.param.type d, [param]`: read a kernel parameter (`u64` pointer or `u32`)."""

    name = "ptx.ld_param"
    param = prop_def(StringAttr)
    type = prop_def(StringAttr)
    result = result_def(RegType)
    traits = traits_def(Pure())

    def __init__(
        self, param: str, type: str, *, guard: SSAValue | None = None, negate: bool = False
    ) -> None:
        super().__init__(
            properties={"param": StringAttr(param), "type": StringAttr(type)},
            result_types=[register_for(type)],
            guard=guard,
            negate=negate,
        )

    def mnemonic(self) -> str:
        return f"ld.param.{self.type.data}"

    def arguments(self, printer: PTXPrinter) -> list[str]:
        return [printer.register(self.result), printer.address(self.param.data, 0)]

    def verify_instruction(self) -> None:
        _verify_choice(self.type.data, EntryOp.PARAM_TYPES, "parameter type")
        _verify_register(self.result, register_for(self.type.data), "result")


@irdl_op_definition
class AddressOfOp(PTXInstruction):
    """`mov.u64 d, name`: the address of a `.global`, `.const` or `.shared` variable.

    `u32` gives the 32-bit address of a `.shared` variable in the shared window.
    """

    name = "ptx.address_of"
    symbol = prop_def(SymbolRefAttr)
    type = prop_def(StringAttr)
    result = result_def(RegType)
    traits = traits_def(Pure())

    def __init__(
        self, symbol: str, type: str, *, guard: SSAValue | None = None, negate: bool = False
    ) -> None:
        super().__init__(
            properties={"symbol": SymbolRefAttr(symbol), "type": StringAttr(type)},
            result_types=[register_for(type)],
            guard=guard,
            negate=negate,
        )

    def mnemonic(self) -> str:
        return f"mov.{self.type.data}"

    def arguments(self, printer: PTXPrinter) -> list[str]:
        return [printer.register(self.result), self.symbol.root_reference.data]

    def verify_instruction(self) -> None:
        _verify_choice(self.type.data, ("u64", "u32"), "address type")
        _verify_register(self.result, register_for(self.type.data), "result")


_STATE_SPACES = ("global", "shared", "const", "local")


@irdl_op_definition
class CvtaOp(PTXInstruction):
    """`cvta.to.space.u64 d, a`: a generic address as an address in a state space."""

    name = "ptx.cvta"
    space = prop_def(StringAttr)
    source = operand_def(B64)
    result = result_def(B64)
    traits = traits_def(Pure())

    def __init__(
        self,
        space: str,
        source: SSAValue,
        *,
        guard: SSAValue | None = None,
        negate: bool = False,
    ) -> None:
        super().__init__(
            operands=[source],
            properties={"space": StringAttr(space)},
            result_types=[B64],
            guard=guard,
            negate=negate,
        )

    def mnemonic(self) -> str:
        return f"cvta.to.{self.space.data}.u64"

    def arguments(self, printer: PTXPrinter) -> list[str]:
        return [printer.register(self.result), printer.register(self.source)]

    def verify_instruction(self) -> None:
        _verify_choice(self.space.data, _STATE_SPACES, "cvta space")


_COMPARISONS_SIGNED = ("eq", "ne", "lt", "le", "gt", "ge")
_COMPARISONS = {
    "b": ("eq", "ne"),
    "s": _COMPARISONS_SIGNED,
    "u": (*_COMPARISONS_SIGNED, "lo", "ls", "hi", "hs"),
    "f": (*_COMPARISONS_SIGNED, "equ", "neu", "ltu", "leu", "gtu", "geu", "num", "nan"),
}
"""The comparisons that ptxas accepts, by the first letter of the type."""


@irdl_op_definition
class SetpOp(PTXInstruction):
    """`setp.cmp.type p, a, b`: p = a cmp b; with a `combine` (`and`, `or`, `xor`) and a
    predicate q, `setp.cmp.and.type p, a, b, q` gives p = (a cmp b) and q."""

    name = "ptx.setp"
    compare = prop_def(StringAttr)
    type = prop_def(StringAttr)
    combine_op = opt_prop_def(StringAttr)
    lhs = operand_def(RegType)
    rhs = opt_operand_def(RegType)
    rhs_imm = opt_prop_def(IntAttr)
    combine_predicate = opt_operand_def(PRED)
    result = result_def(PRED)
    traits = traits_def(Pure())

    TYPES: ClassVar = _INT_TYPES | _BIT_TYPES | {"f32"}

    def __init__(
        self,
        compare: str,
        type: str,
        lhs: SSAValue,
        rhs: Source,
        combine: tuple[str, SSAValue] | None = None,
        *,
        guard: SSAValue | None = None,
        negate: bool = False,
    ) -> None:
        super().__init__(
            operands=[[lhs], _source_operands(rhs), [] if combine is None else [combine[1]]],
            properties={
                "compare": StringAttr(compare),
                "type": StringAttr(type),
                "combine_op": None if combine is None else StringAttr(combine[0]),
                "rhs_imm": _source_immediate(rhs),
            },
            result_types=[PRED],
            guard=guard,
            negate=negate,
        )

    def mnemonic(self) -> str:
        combine = "" if self.combine_op is None else f".{self.combine_op.data}"
        return f"setp.{self.compare.data}{combine}.{self.type.data}"

    def arguments(self, printer: PTXPrinter) -> list[str]:
        arguments = [
            printer.register(self.result),
            printer.register(self.lhs),
            printer.source(self.rhs, self.rhs_imm, self.type.data),
        ]
        if self.combine_predicate is not None:
            arguments.append(printer.register(self.combine_predicate))
        return arguments

    def verify_instruction(self) -> None:
        _verify_choice(self.type.data, sorted(self.TYPES), "setp type")
        comparisons = _COMPARISONS[self.type.data[0]]
        _verify_choice(self.compare.data, comparisons, f"comparison of .{self.type.data}")
        _verify_register(self.lhs, register_for(self.type.data), "lhs")
        _verify_source(self.rhs, self.rhs_imm, self.type.data, "rhs")
        if (self.combine_op is None) != (self.combine_predicate is None):
            raise VerifyException("combine needs both an operation and a predicate")
        if self.combine_op is not None:
            _verify_choice(self.combine_op.data, ("and", "or", "xor"), "combine operation")


@irdl_op_definition
class SelpOp(PTXInstruction):
    """`selp.type d, a, b, p`: d = p ? a : b."""

    name = "ptx.selp"
    type = prop_def(StringAttr)
    a = opt_operand_def(RegType)
    a_imm = opt_prop_def(IntAttr)
    b = opt_operand_def(RegType)
    b_imm = opt_prop_def(IntAttr)
    predicate = operand_def(PRED)
    result = result_def(RegType)
    traits = traits_def(Pure())

    TYPES: ClassVar = _INT_TYPES | _BIT_TYPES | {"f32"}

    def __init__(
        self,
        type: str,
        a: Source,
        b: Source,
        predicate: SSAValue,
        *,
        guard: SSAValue | None = None,
        negate: bool = False,
    ) -> None:
        super().__init__(
            operands=[_source_operands(a), _source_operands(b), [predicate]],
            properties={
                "type": StringAttr(type),
                "a_imm": _source_immediate(a),
                "b_imm": _source_immediate(b),
            },
            result_types=[register_for(type)],
            guard=guard,
            negate=negate,
        )

    def mnemonic(self) -> str:
        return f"selp.{self.type.data}"

    def arguments(self, printer: PTXPrinter) -> list[str]:
        return [
            printer.register(self.result),
            printer.source(self.a, self.a_imm, self.type.data),
            printer.source(self.b, self.b_imm, self.type.data),
            printer.register(self.predicate),
        ]

    def verify_instruction(self) -> None:
        _verify_choice(self.type.data, sorted(self.TYPES), "selp type")
        _verify_source(self.a, self.a_imm, self.type.data, "a")
        _verify_source(self.b, self.b_imm, self.type.data, "b")
        _verify_register(self.result, register_for(self.type.data), "result")


_CVT_FLOATS = ("f16", "bf16", "tf32", "f32")


def _cvt_roundings(to: str, frm: str) -> Collection[str | None]:
    """The rounding modes PTX allows (None: no modifier) converting `frm` to `to`."""
    if to in _CVT_FLOATS and frm in _CVT_FLOATS:
        narrowing = {"f16": ("rn", "rz"), "bf16": ("rn", "rz"), "tf32": ("rna",)}
        if frm == "f32":
            return narrowing.get(to, ())
        # Widening to f32 is exact; tf32 is no source and f16 <-> bf16 goes through f32.
        return (None,) if to == "f32" and frm != "tf32" else ()
    if to in _CVT_FLOATS:
        return () if to == "tf32" else sorted(_FLOAT_ROUNDINGS)
    if frm in _CVT_FLOATS:
        return () if frm == "tf32" else sorted(_INT_ROUNDINGS)
    return (None,)


@irdl_op_definition
class CvtOp(PTXInstruction):
    """`cvt.rnd.to.from d, a`: convert between integer and floating-point types.

    f16 and bf16 live in `b16` registers, tf32 in `b32`. Narrowing floats, integers to
    floats and floats to integers need a rounding mode (`rn`/`rz` to f16/bf16, `rna` to tf32,
    `rni`.. to integers); widening and integer conversions take none.
    """

    name = "ptx.cvt"
    to = prop_def(StringAttr)
    frm = prop_def(StringAttr)
    rounding = opt_prop_def(StringAttr)
    source = operand_def(RegType)
    result = result_def(RegType)
    traits = traits_def(Pure())

    TYPES: ClassVar = (*sorted(_INT_TYPES), *_CVT_FLOATS)

    def __init__(
        self,
        to: str,
        frm: str,
        source: SSAValue,
        rounding: str | None = None,
        *,
        guard: SSAValue | None = None,
        negate: bool = False,
    ) -> None:
        super().__init__(
            operands=[source],
            properties={
                "to": StringAttr(to),
                "frm": StringAttr(frm),
                "rounding": None if rounding is None else StringAttr(rounding),
            },
            result_types=[register_for(to)],
            guard=guard,
            negate=negate,
        )

    def mnemonic(self) -> str:
        rounding = "" if self.rounding is None else f".{self.rounding.data}"
        return f"cvt{rounding}.{self.to.data}.{self.frm.data}"

    def arguments(self, printer: PTXPrinter) -> list[str]:
        return [printer.register(self.result), printer.register(self.source)]

    def verify_instruction(self) -> None:
        to, frm = self.to.data, self.frm.data
        _verify_choice(to, self.TYPES, "cvt destination type")
        _verify_choice(frm, self.TYPES, "cvt source type")
        roundings = _cvt_roundings(to, frm)
        if not roundings:
            raise VerifyException(f"PTX has no cvt from .{frm} to .{to}")
        rounding = None if self.rounding is None else self.rounding.data
        _verify_choice(rounding, roundings, f"rounding of cvt.{to}.{frm}")
        _verify_register(self.source, register_for(frm), "source")
        _verify_register(self.result, register_for(to), "result")


@irdl_op_definition
class PackOp(PTXInstruction):
    """`mov.b32 d, {lo, hi}`: two 16-bit values as one 32-bit register (lo in bits 15:0)."""

    name = "ptx.pack"
    low = operand_def(B16)
    high = operand_def(B16)
    result = result_def(B32)
    traits = traits_def(Pure())

    def __init__(
        self,
        low: SSAValue,
        high: SSAValue,
        *,
        guard: SSAValue | None = None,
        negate: bool = False,
    ) -> None:
        super().__init__(operands=[low, high], result_types=[B32], guard=guard, negate=negate)

    def mnemonic(self) -> str:
        return "mov.b32"

    def arguments(self, printer: PTXPrinter) -> list[str]:
        return [printer.register(self.result), printer.vector([self.low, self.high])]


# endregion
# region Instructions: memory


_MEMORY_TYPES = _INT_TYPES | _BIT_TYPES | {"f32"}


def _verify_access(space: str, type_name: str, address: SSAValue, vector: int, op: str) -> None:
    """Check the state space, the element type, the address class and the vector width."""
    _verify_choice(type_name, sorted(_MEMORY_TYPES), f"{op} type")
    _verify_choice(vector, (1, 2, 4), f"{op} vector width")
    if vector * _bits(type_name) > 128:
        raise VerifyException(f"{op}.v{vector}.{type_name} moves more than 16 bytes")
    # Global addresses are 64-bit under `.address_size 64`; the windows of the other spaces
    # are also addressed with 32 bits.
    classes = (B64,) if space == "global" else (B32, B64)
    _verify_choice(address.type, classes, f"{op}.{space} address class")


def _vector_text(printer: PTXPrinter, values: Sequence[SSAValue]) -> str:
    return printer.register(values[0]) if len(values) == 1 else printer.vector(values)


def _vector_modifier(values: Sequence[SSAValue]) -> str:
    return "" if len(values) == 1 else f".v{len(values)}"


@irdl_op_definition
class LdOp(PTXInstruction):
    """`ld.space{.nc}{.vN}.type d, [a+offset]`: load one value or a vector of 2 or 4.

    `non_coherent` (global only) reads through the non-coherent cache: the data must not
    change while the kernel runs.
    """

    name = "ptx.ld"
    space = prop_def(StringAttr)
    type = prop_def(StringAttr)
    offset = prop_def(IntAttr)
    non_coherent = opt_prop_def(UnitAttr)
    address = operand_def(RegType)
    values = var_result_def(RegType)

    def __init__(
        self,
        space: str,
        type: str,
        address: SSAValue,
        offset: int = 0,
        vector: int = 1,
        non_coherent: bool = False,
        *,
        guard: SSAValue | None = None,
        negate: bool = False,
    ) -> None:
        super().__init__(
            operands=[address],
            properties={
                "space": StringAttr(space),
                "type": StringAttr(type),
                "offset": IntAttr(offset),
                "non_coherent": UnitAttr() if non_coherent else None,
            },
            result_types=[[register_for(type)] * vector],
            guard=guard,
            negate=negate,
        )

    def mnemonic(self) -> str:
        cache = ".nc" if self.non_coherent is not None else ""
        vector = _vector_modifier(self.values)
        return f"ld.{self.space.data}{cache}{vector}.{self.type.data}"

    def arguments(self, printer: PTXPrinter) -> list[str]:
        return [
            _vector_text(printer, self.values),
            printer.address(self.address, self.offset.data),
        ]

    def verify_instruction(self) -> None:
        _verify_choice(self.space.data, _STATE_SPACES, "ld space")
        _verify_access(self.space.data, self.type.data, self.address, len(self.values), "ld")
        if self.non_coherent is not None and self.space.data != "global":
            raise VerifyException("ld.nc reads global memory only")
        for result in self.values:
            _verify_register(result, register_for(self.type.data), "result")


@irdl_op_definition
class StOp(PTXInstruction):
    """`st.space{.vN}.type [a+offset], b`: store one value or a vector of 2 or 4."""

    name = "ptx.st"
    space = prop_def(StringAttr)
    type = prop_def(StringAttr)
    offset = prop_def(IntAttr)
    address = operand_def(RegType)
    values = var_operand_def(RegType)

    def __init__(
        self,
        space: str,
        type: str,
        address: SSAValue,
        values: Sequence[SSAValue],
        offset: int = 0,
        *,
        guard: SSAValue | None = None,
        negate: bool = False,
    ) -> None:
        super().__init__(
            operands=[address, values],
            properties={
                "space": StringAttr(space),
                "type": StringAttr(type),
                "offset": IntAttr(offset),
            },
            guard=guard,
            negate=negate,
        )

    def mnemonic(self) -> str:
        return f"st.{self.space.data}{_vector_modifier(self.values)}.{self.type.data}"

    def arguments(self, printer: PTXPrinter) -> list[str]:
        return [
            printer.address(self.address, self.offset.data),
            _vector_text(printer, self.values),
        ]

    def verify_instruction(self) -> None:
        _verify_choice(self.space.data, ("global", "shared", "local"), "st space")
        _verify_access(self.space.data, self.type.data, self.address, len(self.values), "st")
        for value in self.values:
            _verify_register(value, register_for(self.type.data), "value")


@irdl_op_definition
class LdmatrixOp(PTXInstruction):
    """`ldmatrix.sync.aligned.m8n8.xN{.trans}.shared.b16 {d..}, [a]`: the warp loads N
    (1, 2 or 4) 8x8 matrices of 16-bit values from shared memory, one b32 register each,
    as `mma` fragments; lanes 8i..8i+7 give the row addresses of matrix i."""

    name = "ptx.ldmatrix"
    trans = opt_prop_def(UnitAttr)
    address = operand_def(RegType)
    values = var_result_def(B32)

    def __init__(
        self,
        count: int,
        trans: bool,
        address: SSAValue,
        *,
        guard: SSAValue | None = None,
        negate: bool = False,
    ) -> None:
        super().__init__(
            operands=[address],
            properties={"trans": UnitAttr() if trans else None},
            result_types=[[B32] * count],
            guard=guard,
            negate=negate,
        )

    def mnemonic(self) -> str:
        trans = ".trans" if self.trans is not None else ""
        return f"ldmatrix.sync.aligned.m8n8.x{len(self.values)}{trans}.shared.b16"

    def arguments(self, printer: PTXPrinter) -> list[str]:
        return [printer.vector(self.values), printer.address(self.address, 0)]

    def verify_instruction(self) -> None:
        _verify_choice(len(self.values), (1, 2, 4), "ldmatrix count")
        _verify_choice(self.address.type, (B32, B64), "ldmatrix address class")


# endregion
# region Instructions: tensor cores and control


class MatrixInstruction(PTXInstruction, ABC):
    """A warp-wide `m16n8kK` tensor-core product D = A B + C, f32 accumulate; A row-major,
    B column-major, each a vector of b32 registers, C and D four f32 registers per lane."""

    shape = prop_def(StringAttr)
    a_type = prop_def(StringAttr)
    a = var_operand_def(B32)
    b = var_operand_def(B32)
    c = var_operand_def(F32)
    d = var_result_def(F32)

    FRAGMENTS: ClassVar[Mapping[tuple[str, str], tuple[int, int]]]
    """(A registers, B registers) for each legal (A type, shape)."""

    def fragment_sizes(self) -> tuple[int, int]:
        """How many registers A and B take, verified to be a legal shape and type."""
        key = (self.a_type.data, self.shape.data)
        fragments = self.FRAGMENTS.get(key)
        if fragments is None:
            legal = ", ".join(f"{t} {s}" for t, s in self.FRAGMENTS)
            raise VerifyException(
                f"{self.name} supports {legal}, got {self.a_type.data} {self.shape.data}"
            )
        return fragments

    def verify_instruction(self) -> None:
        a_count, b_count = self.fragment_sizes()
        _verify_count(self.a, a_count, "A")
        _verify_count(self.b, b_count, "B")
        _verify_count(self.c, 4, "C")
        _verify_count(self.d, 4, "D")

    def types_suffix(self) -> str:
        """`.row.col.f32.f16.f16.f32`: the layouts and the D, A, B, C types."""
        a_type = self.a_type.data
        return f"{self.shape.data}.row.col.f32.{a_type}.{a_type}.f32"

    def fragments(self, printer: PTXPrinter) -> list[str]:
        """D, A, B and C, as brace vectors."""
        return [printer.vector(values) for values in (self.d, self.a, self.b, self.c)]


@irdl_op_definition
class MmaSpOp(MatrixInstruction):
    """`mma.sp::ordered_metadata.sync.aligned` with a 2:4 (f16, bf16) or 1:2 (tf32) sparse
    A: `metadata` holds 4-bit position codes with increasing indices, supplied by the
    lanes that `selector` names (one per quad, or a pair for the k32 / tf32 k16 shapes)."""

    name = "ptx.mma_sp"
    metadata = operand_def(B32)
    selector = prop_def(IntAttr)

    FRAGMENTS: ClassVar = {
        ("f16", "m16n8k16"): (2, 2),
        ("bf16", "m16n8k16"): (2, 2),
        ("f16", "m16n8k32"): (4, 4),
        ("bf16", "m16n8k32"): (4, 4),
        ("tf32", "m16n8k8"): (2, 2),
        ("tf32", "m16n8k16"): (4, 4),
    }

    def __init__(
        self,
        shape: str,
        a_type: str,
        a: Sequence[SSAValue],
        b: Sequence[SSAValue],
        c: Sequence[SSAValue],
        metadata: SSAValue,
        selector: int,
        *,
        guard: SSAValue | None = None,
        negate: bool = False,
    ) -> None:
        super().__init__(
            operands=[metadata, a, b, c],
            properties={
                "shape": StringAttr(shape),
                "a_type": StringAttr(a_type),
                "selector": IntAttr(selector),
            },
            result_types=[[F32] * 4],
            guard=guard,
            negate=negate,
        )

    def mnemonic(self) -> str:
        return f"mma.sp::ordered_metadata.sync.aligned.{self.types_suffix()}"

    def arguments(self, printer: PTXPrinter) -> list[str]:
        return [*self.fragments(printer), printer.register(self.metadata), str(self.selector.data)]

    def verify_instruction(self) -> None:
        super().verify_instruction()
        # One metadata lane per quad selects among 4; a pair of lanes among 2.
        a_count, _ = self.fragment_sizes()
        largest = 3 if a_count == 2 else 1
        _verify_choice(self.selector.data, range(largest + 1), "sparsity selector")


@irdl_op_definition
class MmaOp(MatrixInstruction):
    """`mma.sync.aligned`: the dense product (f16/bf16 m16n8k16, tf32 m16n8k8)."""

    name = "ptx.mma"

    FRAGMENTS: ClassVar = {
        ("f16", "m16n8k16"): (4, 2),
        ("bf16", "m16n8k16"): (4, 2),
        ("tf32", "m16n8k8"): (4, 2),
    }

    def __init__(
        self,
        shape: str,
        a_type: str,
        a: Sequence[SSAValue],
        b: Sequence[SSAValue],
        c: Sequence[SSAValue],
        *,
        guard: SSAValue | None = None,
        negate: bool = False,
    ) -> None:
        super().__init__(
            operands=[a, b, c],
            properties={"shape": StringAttr(shape), "a_type": StringAttr(a_type)},
            result_types=[[F32] * 4],
            guard=guard,
            negate=negate,
        )

    def mnemonic(self) -> str:
        return f"mma.sync.aligned.{self.types_suffix()}"

    def arguments(self, printer: PTXPrinter) -> list[str]:
        return self.fragments(printer)


@irdl_op_definition
class BarSyncOp(PTXInstruction):
    """`bar.sync n`: wait until every thread of the block arrives at barrier n (0..15)."""

    name = "ptx.bar_sync"
    barrier = prop_def(IntAttr)

    def __init__(
        self, barrier: int = 0, *, guard: SSAValue | None = None, negate: bool = False
    ) -> None:
        super().__init__(properties={"barrier": IntAttr(barrier)}, guard=guard, negate=negate)

    def mnemonic(self) -> str:
        return "bar.sync"

    def arguments(self, printer: PTXPrinter) -> list[str]:
        return [str(self.barrier.data)]

    def verify_instruction(self) -> None:
        _verify_choice(self.barrier.data, range(16), "barrier")


@irdl_op_definition
class LabelOp(IRDLOperation, AssemblyPrintable):
    """`name:`, a point in the kernel that branches jump to."""

    name = "ptx.label"
    label = prop_def(StringAttr)
    traits = traits_def(HasParent(EntryOp))

    def __init__(self, label: str) -> None:
        super().__init__(properties={"label": StringAttr(label)})

    def verify_(self) -> None:
        _verify_identifier(self.label.data, "label")

    def print_assembly(self, printer: AssemblyPrinter) -> None:
        printer.print_string(f"{self.label.data}:\n")


@irdl_op_definition
class BraOp(PTXInstruction):
    """`bra.uni target`: the threads (with a guard, those where it holds) continue at the
    label `target`; `uni` says that every thread of the warp takes the same way."""

    name = "ptx.bra"
    target = prop_def(StringAttr)

    def __init__(self, target: str, *, guard: SSAValue | None = None, negate: bool = False) -> None:
        super().__init__(properties={"target": StringAttr(target)}, guard=guard, negate=negate)

    def mnemonic(self) -> str:
        return "bra.uni"

    def arguments(self, printer: PTXPrinter) -> list[str]:
        return [self.target.data]

    def verify_instruction(self) -> None:
        _verify_identifier(self.target.data, "branch target")


@irdl_op_definition
class RetOp(PTXInstruction):
    """`ret`: the thread leaves the kernel."""

    name = "ptx.ret"

    def __init__(self, *, guard: SSAValue | None = None, negate: bool = False) -> None:
        super().__init__(guard=guard, negate=negate)

    def mnemonic(self) -> str:
        return "ret"

    def arguments(self, printer: PTXPrinter) -> list[str]:
        return []


# endregion

PTX = Dialect(
    "ptx",
    [
        GlobalOp,
        EntryOp,
        SharedOp,
        LdParamOp,
        SpecialRegOp,
        AddressOfOp,
        MovOp,
        CvtaOp,
        AddOp,
        SubOp,
        AndOp,
        OrOp,
        XorOp,
        ShlOp,
        ShrOp,
        MinOp,
        MaxOp,
        MulOp,
        MadOp,
        SetpOp,
        SelpOp,
        CvtOp,
        PackOp,
        LdOp,
        StOp,
        LdmatrixOp,
        MmaSpOp,
        MmaOp,
        BarSyncOp,
        LabelOp,
        BraOp,
        RetOp,
    ],
    [RegType],
)
