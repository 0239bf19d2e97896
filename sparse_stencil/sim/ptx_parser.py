"""Parser for the PTX subset that the simulator runs.

It reads a PTX module (``.version``, ``.target``, ``.address_size``), module-level
``.global``/``.const``/``.shared`` variables and ``.entry`` kernels with their parameters,
``.reg``, ``.shared`` and ``.local`` declarations (register ranges such as ``%r<32>``
included; registers declared in nested ``{ }`` blocks are scoped to them), labels, and
instructions with an optional predicate guard. Instructions are kept as opcode, modifiers
and operands; what they mean is decided by :mod:`sparse_stencil.sim.instructions`, which refuses
any opcode outside the subset. Every error names the PTX line.

Example::

    .version 8.5
    .target sm_80
    .address_size 64
    .visible .entry add(.param .u64 x, .param .u32 n) {
        .reg .b32 %r<4>;
        ...
    }
"""

from __future__ import annotations

import collections
import re
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field

from sparse_stencil.sim.errors import PtxParseError

SPECIAL_REGISTERS = frozenset(
    [f"%{name}.{axis}" for name in ("tid", "ntid", "ctaid", "nctaid") for axis in "xyz"]
    + ["%laneid", "%warpid"]
)

TYPE_BITS = {
    "pred": 1,
    "b8": 8, "u8": 8, "s8": 8,
    "b16": 16, "u16": 16, "s16": 16, "f16": 16, "bf16": 16,
    "b32": 32, "u32": 32, "s32": 32, "f32": 32, "tf32": 32, "f16x2": 32, "bf16x2": 32,
    "b64": 64, "u64": 64, "s64": 64, "f64": 64,
}  # fmt: skip
"""Width in bits of every PTX fundamental type the simulator knows."""


def type_bytes(type_name: str) -> int:
    """Bytes one element of `type_name` takes in memory (a ``.pred`` counts as one)."""
    return max(TYPE_BITS[type_name] // 8, 1)


# ---------------------------------------------------------------------------------------------
# Operands
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reg:
    """A register such as ``%r1`` or ``%p0``."""

    name: str


@dataclass(frozen=True)
class Special:
    """A special register such as ``%tid.x`` or ``%laneid``."""

    name: str


@dataclass(frozen=True)
class Imm:
    """An immediate: an integer, a float given by value, or float bits (``0f3F800000``)."""

    value: int | float
    bits: int | None = None
    """32 or 64 when the literal is raw float bits (``0f``/``0d``); None otherwise."""

    @property
    def number(self) -> int | float:
        """The value the literal denotes: for raw float bits, the float they encode."""
        if self.bits is None:
            return self.value
        layout = ("<I", "<f") if self.bits == 32 else ("<Q", "<d")
        return struct.unpack(layout[1], struct.pack(layout[0], int(self.value)))[0]


@dataclass(frozen=True)
class Sym:
    """A name: a label, a variable, a kernel parameter."""

    name: str


@dataclass(frozen=True)
class Not:
    """A negated predicate operand ``!%p``."""

    operand: Reg


@dataclass(frozen=True)
class PredPair:
    """The two destinations ``%p|%q`` of ``setp``."""

    first: Reg
    second: Reg


@dataclass(frozen=True)
class Vec:
    """A brace vector ``{%r0, %r1}``."""

    items: tuple[Operand, ...]


@dataclass(frozen=True)
class Addr:
    """A memory address ``[base+offset]``: base is a register, a symbol or None (absolute)."""

    base: Reg | Sym | None
    offset: int


Operand = Reg | Special | Imm | Sym | Not | PredPair | Vec | Addr


# ---------------------------------------------------------------------------------------------
# Module structure
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    """One PTX instruction: ``@guard opcode.modifiers operands``."""

    line: int
    opcode: str
    modifiers: tuple[str, ...]
    operands: tuple[Operand, ...]
    guard: Reg | Not | None
    text: str

    @property
    def name(self) -> str:
        """The full instruction name, e.g. ``ld.global.v2.f32``."""
        return ".".join((self.opcode, *self.modifiers))


@dataclass(frozen=True)
class Variable:
    """A ``.global``, ``.const`` or ``.shared`` variable (an array of `count` elements)."""

    line: int
    space: str
    name: str
    type: str
    align: int
    count: int | None
    """Number of elements; None for an unsized ``.extern .shared`` array."""
    init: tuple[int | float, ...] | None

    @property
    def nbytes(self) -> int:
        return type_bytes(self.type) * (self.count or 0)


@dataclass(frozen=True)
class Param:
    """A kernel parameter: a scalar or a ``.b8`` array (a struct passed by value)."""

    name: str
    type: str
    align: int
    count: int

    @property
    def nbytes(self) -> int:
        return type_bytes(self.type) * self.count


@dataclass
class Kernel:
    """An ``.entry`` function."""

    name: str
    line: int
    params: list[Param] = field(default_factory=list)
    registers: dict[str, str] = field(default_factory=dict)
    """Register name -> declared type."""
    shared: list[Variable] = field(default_factory=list)
    local: list[Variable] = field(default_factory=list)
    """Per-thread ``.local`` arrays (nvcc's ``__local_depot``: indexed arrays and spills)."""
    body: list[Instruction] = field(default_factory=list)
    labels: dict[str, int] = field(default_factory=dict)
    """Label -> index in :attr:`body` of the instruction that follows it."""


@dataclass
class Module:
    """A parsed PTX module."""

    version: str | None = None
    target: tuple[str, ...] = ()
    address_size: int = 64
    variables: list[Variable] = field(default_factory=list)
    kernels: dict[str, Kernel] = field(default_factory=dict)

    def kernel(self, name: str) -> Kernel:
        if name not in self.kernels:
            known = ", ".join(self.kernels) or "none"
            raise PtxParseError(f"no .entry kernel named '{name}' in the module (kernels: {known})")
        return self.kernels[name]


# ---------------------------------------------------------------------------------------------
# Statements
# ---------------------------------------------------------------------------------------------

_IDENT = r"[A-Za-z_$%][\w$]*"
"""A register name (``%`` allowed first)."""
_NAME = r"[A-Za-z_$][\w$]*"
"""A label, variable or parameter name."""
_LABEL = re.compile(_NAME)
_IGNORED_DIRECTIVES = (".file", ".loc", ".pragma", ".section")
"""Debug information and hints: skipped (a ``.section`` block's contents are never parsed)."""
_LINE_DIRECTIVES = (".version", ".target", ".address_size", ".file", ".loc")
"""Directives that end at the end of their line rather than at a ';'."""


def _strip_comments(text: str) -> str:
    """Comments become spaces, newlines are kept so that line numbers stay right."""
    return re.sub(
        r"//[^\n]*|/\*.*?\*/",
        lambda m: re.sub(r"[^\n]", " ", m.group(0)),
        text,
        flags=re.DOTALL,
    )


def _is_function_header(statement: str) -> bool:
    return re.search(r"(^|\s)\.(entry|func)\b", statement) is not None


def split_statements(text: str) -> list[tuple[int, str]]:
    """The statements of `text` with their first line: ``;``-terminated statements,
    ``label:``, and the braces ``{``/``}`` that open and close scopes. The body of a
    ``.section`` (DWARF data that nvcc -lineinfo emits) is dropped."""
    source = _strip_comments(text)
    statements: list[tuple[int, str]] = []
    buffer: list[str] = []
    start = 0
    line = 1
    depth = 0  # nesting of (), [] and operand braces inside one statement

    def emit(statement: str, at: int) -> None:
        statement = " ".join(statement.split())
        if statement:
            statements.append((at, statement))

    skipping = 0  # brace depth inside a skipped .section block (debug information)
    for index, char in enumerate(source):
        if skipping:
            line += char == "\n"
            skipping += {"{": 1, "}": -1}.get(char, 0)
            continue
        current = "".join(buffer).strip() if char in "\n;{}:" else ""
        if char == "\n":
            if depth == 0 and current and current.split()[0] in _LINE_DIRECTIVES:
                emit(current, start)
                buffer = []
            line += 1
        if not buffer and not char.isspace():
            start = line
        if char.isspace() and not buffer:
            continue
        if depth == 0 and char == ";":
            emit(current, start)
            buffer = []
            continue
        if depth == 0 and char == "{" and current.startswith(".section"):
            emit(current, start)
            buffer = []
            skipping = 1
            continue
        if depth == 0 and char == "{" and (not current or _is_function_header(current)):
            emit(current, start)
            emit("{", line)
            buffer = []
            continue
        if depth == 0 and char == "}":
            if current:
                raise PtxParseError(f"line {start}: statement not terminated by ';'")
            emit("}", line)
            buffer = []
            continue
        if depth == 0 and char == ":":
            is_scope = source[index + 1 : index + 2] == ":" or source[index - 1] == ":"
            if not is_scope and _LABEL.fullmatch(current):
                emit(current + ":", start)
                buffer = []
                continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        buffer.append(char)
    if "".join(buffer).strip():
        raise PtxParseError(f"line {start}: statement not terminated by ';'")
    return statements


def split_top_level(text: str) -> list[str]:
    """Split at commas outside brackets and braces."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for char in text:
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    tail = "".join(current).strip()
    if tail or parts:
        parts.append(tail)
    return parts


# ---------------------------------------------------------------------------------------------
# Literals and operands
# ---------------------------------------------------------------------------------------------


def parse_integer(token: str) -> int | None:
    """A PTX integer literal (decimal, 0x hex, 0b binary, 0-prefixed octal, U suffix); or None."""
    text = token.replace(" ", "")
    negative = text.startswith("-")
    text = text.lstrip("+-")
    if text.endswith(("U", "u")):
        text = text[:-1]
    if re.fullmatch(r"0[xX][0-9a-fA-F]+", text):
        value = int(text, 16)
    elif re.fullmatch(r"0[bB][01]+", text):
        value = int(text[2:], 2)
    elif re.fullmatch(r"0[0-7]+", text):
        value = int(text, 8)
    elif re.fullmatch(r"\d+", text):
        value = int(text)
    else:
        return None
    return -value if negative else value


def parse_immediate(token: str) -> Imm | None:
    """An integer or float literal, or None when `token` is not one."""
    integer = parse_integer(token)
    if integer is not None:
        return Imm(integer)
    text = token.replace(" ", "")
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-")
    if re.fullmatch(r"0[fF][0-9a-fA-F]{8}", body):
        return Imm(int(body[2:], 16) ^ (0x80000000 if sign < 0 else 0), bits=32)
    if re.fullmatch(r"0[dD][0-9a-fA-F]{16}", body):
        return Imm(int(body[2:], 16) ^ (1 << 63 if sign < 0 else 0), bits=64)
    if re.fullmatch(r"(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?", body):
        return Imm(sign * float(body))
    return None


Scope = Mapping[str, str]
"""Register names visible at a statement -> the kernel-wide name they stand for (registers
declared in a nested ``{ }`` block, such as the ``.reg .f16 low, high;`` of cuda_fp16.h's
inline assembly, get a name of their own, so that sibling blocks may reuse them)."""


def parse_operand(token: str, line: int, scope: Scope | None = None) -> Operand:
    """One operand of an instruction; names declared as registers in `scope` become
    :class:`Reg` (PTX register names need not start with ``%``)."""
    scope = scope or {}
    token = token.strip()
    if not token:
        raise PtxParseError(f"line {line}: empty operand")
    if token.startswith("{"):
        if not token.endswith("}"):
            raise PtxParseError(f"line {line}: unbalanced braces in operand '{token}'")
        items = split_top_level(token[1:-1])
        return Vec(tuple(parse_operand(item, line, scope) for item in items))
    if token.startswith("["):
        if not token.endswith("]"):
            raise PtxParseError(f"line {line}: unbalanced brackets in address '{token}'")
        return _parse_address(token[1:-1], line, scope)
    if token.startswith("!"):
        inner = parse_operand(token[1:], line, scope)
        if not isinstance(inner, Reg):
            raise PtxParseError(f"line {line}: '!' applies to a predicate register, got '{token}'")
        return Not(inner)
    if "|" in token:
        first, second = (parse_operand(part, line, scope) for part in token.split("|", 1))
        if not isinstance(first, Reg) or not isinstance(second, Reg):
            raise PtxParseError(f"line {line}: bad predicate pair '{token}'")
        return PredPair(first, second)
    if token in scope:
        return Reg(scope[token])
    if token.startswith("%"):
        if token in SPECIAL_REGISTERS:
            return Special(token)
        if not re.fullmatch(_IDENT, token):
            raise PtxParseError(f"line {line}: bad register '{token}'")
        return Reg(token)
    immediate = parse_immediate(token)
    if immediate is not None:
        return immediate
    if _LABEL.fullmatch(token):
        return Sym(token)
    raise PtxParseError(f"line {line}: cannot parse operand '{token}'")


def _parse_address(inner: str, line: int, scope: Scope) -> Addr:
    text = inner.replace(" ", "")
    match = re.fullmatch(r"([%A-Za-z_$][\w$.]*)?(?:([+-])(-?(?:0[xX][0-9a-fA-F]+|\d+)))?", text)
    if match is None:
        absolute = parse_integer(text)
        if absolute is None:
            raise PtxParseError(f"line {line}: cannot parse address '[{inner}]'")
        return Addr(None, absolute)
    base_text, sign, offset_text = match.groups()
    offset = 0
    if offset_text is not None:
        parsed = parse_integer(offset_text)
        assert parsed is not None  # the regular expression only admits integers
        offset = -parsed if sign == "-" else parsed
    if base_text is None:
        raise PtxParseError(f"line {line}: cannot parse address '[{inner}]'")
    if base_text in scope:
        return Addr(Reg(scope[base_text]), offset)
    if base_text.startswith("%"):
        if base_text in SPECIAL_REGISTERS:
            raise PtxParseError(f"line {line}: a special register cannot be an address")
        return Addr(Reg(base_text), offset)
    return Addr(Sym(base_text), offset)


# ---------------------------------------------------------------------------------------------
# Declarations
# ---------------------------------------------------------------------------------------------


def _parse_register_declaration(statement: str, line: int) -> list[tuple[str, str]]:
    """``.reg .b32 %r<4>, %x;`` -> [(name, type)]."""
    match = re.fullmatch(r"\.reg\s+(?:\.v[248]\s+)?\.(\w+)\s+(.+)", statement)
    if match is None or match.group(1) not in TYPE_BITS:
        raise PtxParseError(f"line {line}: cannot parse register declaration '{statement}'")
    if re.match(r"\.reg\s+\.v[248]", statement):
        raise PtxParseError(f"line {line}: vector registers (.reg .v2/.v4) are not supported")
    type_name = match.group(1)
    declared: list[tuple[str, str]] = []
    for item in split_top_level(match.group(2)):
        ranged = re.fullmatch(rf"({_IDENT})<(\d+)>", item)
        if ranged:
            declared += [(f"{ranged.group(1)}{i}", type_name) for i in range(int(ranged.group(2)))]
        elif re.fullmatch(_IDENT, item):
            declared.append((item, type_name))
        else:
            raise PtxParseError(f"line {line}: bad register name '{item}'")
    return declared


_VARIABLE = re.compile(r"((?:\.(?:visible|extern|weak)\s+)*)\.(global|const|shared|local)\s+(.*)")


def _parse_variable(statement: str, line: int) -> Variable:
    """``.shared .align 16 .b8 sA[512];``, ``.const .u32 t[2] = {1, 2};`` and the like."""
    match = _VARIABLE.fullmatch(statement)
    if match is None:
        raise PtxParseError(f"line {line}: cannot parse declaration '{statement}'")
    linkage, space, rest = match.groups()
    init: tuple[int | float, ...] | None = None
    if "=" in rest:
        rest, init_text = (part.strip() for part in rest.split("=", 1))
        init = _parse_initializer(init_text, line)
    align = 0
    type_name = None
    name_text = None
    tokens = rest.split()
    position = 0
    while position < len(tokens):
        token = tokens[position]
        if token == ".align":
            align = _alignment(tokens, position, line)
            position += 2
            continue
        if token.startswith(".") and token[1:] in TYPE_BITS:
            type_name = token[1:]
        elif token.startswith("."):
            raise PtxParseError(f"line {line}: unsupported variable attribute '{token}'")
        else:
            name_text = " ".join(tokens[position:])
            break
        position += 1
    if type_name is None or name_text is None:
        raise PtxParseError(f"line {line}: cannot parse declaration '{statement}'")
    named = re.fullmatch(rf"({_NAME})\s*((?:\[\s*\d*\s*\])*)", name_text)
    if named is None:
        raise PtxParseError(f"line {line}: bad variable name '{name_text}'")
    name, dims_text = named.groups()
    dims = re.findall(r"\[\s*(\d*)\s*\]", dims_text)
    count: int | None = 1
    for dim in dims:
        if dim == "":
            if ".extern" not in linkage or space != "shared":
                raise PtxParseError(f"line {line}: only .extern .shared arrays may be unsized")
            count = None
        elif count is not None:
            count *= int(dim)
    if init is not None and count is not None and len(init) > count:
        raise PtxParseError(f"line {line}: {len(init)} initializers for {count} elements")
    return Variable(line, space, name, type_name, align or type_bytes(type_name), count, init)


def _alignment(tokens: list[str], position: int, line: int) -> int:
    """The value of the ``.align N`` at `position` of `tokens`."""
    value = tokens[position + 1] if position + 1 < len(tokens) else ""
    if not value.isdecimal():
        raise PtxParseError(f"line {line}: .align needs a byte count, got '{value}'")
    return int(value)


def _parse_initializer(text: str, line: int) -> tuple[int | float, ...]:
    flat = text.replace("{", " ").replace("}", " ")
    values: list[int | float] = []
    for token in split_top_level(flat):
        immediate = parse_immediate(token)
        if immediate is None:
            raise PtxParseError(f"line {line}: unsupported initializer '{token}'")
        values.append(immediate.number)
    return tuple(values)


def _parse_params(text: str, line: int) -> list[Param]:
    params: list[Param] = []
    for item in split_top_level(text):
        tokens = item.split()
        if not tokens or tokens[0] != ".param":
            raise PtxParseError(f"line {line}: cannot parse kernel parameter '{item}'")
        align = 0
        type_name = None
        name = None
        position = 1
        while position < len(tokens):
            token = tokens[position]
            if token == ".align":
                align = _alignment(tokens, position, line)
                position += 2
                continue
            if token.startswith(".ptr"):
                # ".ptr.global.align 16" is an optimisation hint: skip its alignment value
                if token.endswith(".align"):
                    position += 1
            elif token.startswith(".") and token[1:] in TYPE_BITS and token != ".pred":
                type_name = token[1:]
            else:
                name = token
            position += 1
        if type_name is None or name is None:
            raise PtxParseError(f"line {line}: cannot parse kernel parameter '{item}'")
        named = re.fullmatch(rf"({_NAME})(?:\[(\d+)\])?", name)
        if named is None:
            raise PtxParseError(f"line {line}: bad parameter name '{name}'")
        count = int(named.group(2)) if named.group(2) else 1
        params.append(Param(named.group(1), type_name, align or type_bytes(type_name), count))
    return params


# ---------------------------------------------------------------------------------------------
# Module
# ---------------------------------------------------------------------------------------------


def parse_instruction(statement: str, line: int, scope: Scope | None = None) -> Instruction:
    """``@!%p bra LOOP`` -> Instruction (register names resolved through `scope`)."""
    guard: Reg | Not | None = None
    text = statement
    if text.startswith("@"):
        guard_text, _, text = text[1:].partition(" ")
        parsed = parse_operand(guard_text, line, scope)
        if not isinstance(parsed, Reg | Not):
            raise PtxParseError(f"line {line}: bad guard '@{guard_text}'")
        guard = parsed
        text = text.strip()
    name, _, operand_text = text.partition(" ")
    if not re.fullmatch(r"[a-z][\w:.]*", name):
        raise PtxParseError(f"line {line}: cannot parse instruction '{statement}'")
    opcode, *modifiers = name.split(".")
    tokens = split_top_level(operand_text)
    if opcode == "call":  # kept only to be refused: the callee, without the argument lists
        return Instruction(
            line,
            opcode,
            tuple(modifiers),
            tuple(Sym(t) for t in tokens if t[:1] != "("),
            guard,
            statement,
        )
    operands = tuple(parse_operand(token, line, scope) for token in tokens)
    return Instruction(line, opcode, tuple(modifiers), operands, guard, statement)


def parse_ptx(text: str) -> Module:
    """Parse a PTX module; raises :class:`PtxParseError` naming the line of the first problem."""
    module = Module()
    statements = split_statements(text)
    position = 0
    while position < len(statements):
        line, statement = statements[position]
        position += 1
        if statement.startswith(".version"):
            module.version = statement.split()[1]
        elif statement.startswith(".target"):
            module.target = tuple(t.strip() for t in statement[len(".target") :].split(","))
        elif statement.startswith(".address_size"):
            module.address_size = int(statement.split()[1])
            if module.address_size != 64:
                raise PtxParseError(f"line {line}: only .address_size 64 is supported")
        elif statement.split()[0] in _IGNORED_DIRECTIVES:
            continue
        elif re.search(r"(^|\s)\.func\b", statement):
            position = _skip_function(statements, position, line)
        elif _is_function_header(statement):
            kernel, position = _parse_kernel(statements, position - 1)
            if kernel.name in module.kernels:
                raise PtxParseError(f"line {line}: kernel '{kernel.name}' defined twice")
            module.kernels[kernel.name] = kernel
        elif _VARIABLE.fullmatch(statement):
            variable = _parse_variable(statement, line)
            if variable.space == "local":
                raise PtxParseError(f"line {line}: .local variables must be declared in a kernel")
            module.variables.append(variable)
        else:
            raise PtxParseError(f"line {line}: unexpected statement at module level: '{statement}'")
    return module


def _skip_function(statements: list[tuple[int, str]], position: int, line: int) -> int:
    """The position after a ``.func`` prototype or definition. Device functions are not
    simulated: a kernel that calls one is refused when it is decoded, the others run."""
    if position >= len(statements) or statements[position][1] != "{":
        return position
    depth = 0
    while position < len(statements):
        depth += {"{": 1, "}": -1}.get(statements[position][1], 0)
        position += 1
        if depth == 0:
            return position
    raise PtxParseError(f"line {line}: .func body is not closed by '}}'")


def _parse_kernel(statements: list[tuple[int, str]], position: int) -> tuple[Kernel, int]:
    line, header = statements[position]
    match = re.fullmatch(
        r"((?:\.(?:visible|weak|extern)\s+)*)\.entry\s+([\w$]+)\s*(?:\((.*)\))?\s*(.*)",
        header,
    )
    if match is None:
        raise PtxParseError(f"line {line}: cannot parse kernel header '{header}'")
    _, name, params_text, _performance_directives = match.groups()
    kernel = Kernel(name, line, _parse_params(params_text or "", line))
    position += 1
    if position >= len(statements) or statements[position][1] != "{":
        raise PtxParseError(f"line {line}: kernel '{name}' has no body")
    scopes: list[dict[str, str]] = []  # one per open '{': declared name -> kernel-wide name
    while position < len(statements):
        line, statement = statements[position]
        position += 1
        if statement == "{":
            scopes.append({})
        elif statement == "}":
            scopes.pop()
            if not scopes:
                _check_kernel(kernel)
                return kernel, position
        elif statement.endswith(":") and _LABEL.fullmatch(statement[:-1]):
            label = statement[:-1]
            if label in kernel.labels:
                raise PtxParseError(f"line {line}: label '{label}' defined twice")
            kernel.labels[label] = len(kernel.body)
        elif statement.startswith(".reg"):
            for register, type_name in _parse_register_declaration(statement, line):
                _declare(kernel, scopes, register, type_name, line)
        elif statement.split()[0] in _IGNORED_DIRECTIVES:
            continue
        elif _VARIABLE.fullmatch(statement):
            variable = _parse_variable(statement, line)
            if variable.space == "shared":
                kernel.shared.append(variable)
            elif variable.space == "local":
                kernel.local.append(variable)
            else:
                raise PtxParseError(
                    f"line {line}: only .shared and .local variables may be declared in a kernel"
                )
        elif statement.startswith(".param"):
            continue  # the arguments of a call sequence; the call itself is refused
        elif statement.startswith("."):
            raise PtxParseError(f"line {line}: unsupported directive '{statement.split()[0]}'")
        else:
            scope = collections.ChainMap(*reversed(scopes))
            kernel.body.append(parse_instruction(statement, line, scope))
    raise PtxParseError(f"line {kernel.line}: kernel '{name}' is not closed by '}}'")


def _declare(
    kernel: Kernel, scopes: list[dict[str, str]], register: str, type_name: str, line: int
) -> None:
    """Declare `register` in the innermost scope. The kernel-wide name is the declared one,
    unless an enclosing or earlier block already used it: then ``name'2``, ``name'3`` ..."""
    if register in scopes[-1]:
        raise PtxParseError(f"line {line}: register '{register}' declared twice")
    unique = register
    copies = 1
    while unique in kernel.registers:
        copies += 1
        unique = f"{register}'{copies}"
    scopes[-1][register] = unique
    kernel.registers[unique] = type_name


def _check_kernel(kernel: Kernel) -> None:
    """Every register used is declared and every branch target is a label."""
    for instruction in kernel.body:
        for operand in _walk(instruction):
            if isinstance(operand, Reg) and operand.name not in kernel.registers:
                raise PtxParseError(
                    f"line {instruction.line}: register '{operand.name}' is not declared"
                )
        if instruction.opcode == "bra":
            target = instruction.operands[0] if instruction.operands else None
            if not isinstance(target, Sym) or target.name not in kernel.labels:
                raise PtxParseError(
                    f"line {instruction.line}: branch target is not a label of '{kernel.name}'"
                )


def _walk(instruction: Instruction) -> list[Operand]:
    pending: list[Operand] = list(instruction.operands)
    if instruction.guard is not None:
        pending.append(instruction.guard)
    found: list[Operand] = []
    while pending:
        operand = pending.pop()
        found.append(operand)
        if isinstance(operand, Vec):
            pending.extend(operand.items)
        elif isinstance(operand, Not):
            pending.append(operand.operand)
        elif isinstance(operand, PredPair):
            pending += [operand.first, operand.second]
        elif isinstance(operand, Addr) and operand.base is not None:
            pending.append(operand.base)
    return found
