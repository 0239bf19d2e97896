"""Decoded instructions, and how they read and write operands.

An instruction decodes into an :class:`Op` whose ``run`` takes the machine state and an
active-thread mask (None: every thread) and updates registers and memory for the active
threads, vectorised with numpy. Registers hold raw bit patterns (uint16/32/64 arrays of shape
(threads,), bool for predicates); an instruction reads them through a view of its own type,
so ``.b32``, ``.u32``, ``.s32`` and ``.f32`` registers are interchangeable as in PTX. A
narrower type reads the low bits; a value written into a wider register is zero- or
sign-extended by its type.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from sparse_stencil.sim import numerics
from sparse_stencil.sim.errors import PtxParseError
from sparse_stencil.sim.numerics import BF16, F16, F32, TF32, FloatFormat
from sparse_stencil.sim.ptx_parser import (
    TYPE_BITS,
    Imm,
    Instruction,
    Kernel,
    Not,
    Operand,
    Reg,
    Special,
    Sym,
    Vec,
)

if TYPE_CHECKING:
    from sparse_stencil.sim.machine import State

Mask = npt.NDArray[np.bool_] | None
Reader = Callable[["State"], Any]
Writer = Callable[["State", Any, Mask], None]
Run = Callable[["State", Mask], None]

UINT: dict[int, type[np.unsignedinteger[Any]]] = {
    8: np.uint8,
    16: np.uint16,
    32: np.uint32,
    64: np.uint64,
}
SINT: dict[int, type[np.signedinteger[Any]]] = {
    8: np.int8,
    16: np.int16,
    32: np.int32,
    64: np.int64,
}
NUMPY_TYPES: dict[str, type[np.generic]] = {
    "pred": np.bool_,
    "b8": np.uint8, "u8": np.uint8, "s8": np.int8,
    "b16": np.uint16, "u16": np.uint16, "s16": np.int16, "f16": np.float16, "bf16": np.uint16,
    "b32": np.uint32, "u32": np.uint32, "s32": np.int32, "f32": np.float32, "tf32": np.float32,
    "f16x2": np.uint32, "bf16x2": np.uint32,
    "b64": np.uint64, "u64": np.uint64, "s64": np.int64, "f64": np.float64,
}  # fmt: skip
INT_TYPES = frozenset(t for t in NUMPY_TYPES if t[0] in "bus")
INT_NUMPY_TYPES: dict[str, type[np.integer[Any]]] = {
    t: (SINT if t[0] == "s" else UINT)[TYPE_BITS[t]] for t in INT_TYPES
}
"""The entries of NUMPY_TYPES for INT_TYPES, typed as integers for integer arithmetic."""
FLOAT_TYPES = frozenset({"f16", "bf16", "f32", "f64", "f16x2", "bf16x2", "tf32"})
FORMATS: dict[str, FloatFormat] = {"f16": F16, "bf16": BF16, "f32": F32, "tf32": TF32}
SPACES = {"global", "shared", "shared::cta", "const", "param", "local"}
CACHE_HINTS = {
    "ca",
    "cg",
    "cs",
    "lu",
    "cv",
    "wb",
    "wt",
    "nc",
    "weak",
    "volatile",
    "relaxed",
    "acquire",
    "release",
    "cta",
    "gpu",
    "sys",
    "cluster",
}


def container_of(type_name: str) -> type[np.generic]:
    """The numpy type a register of `type_name` is stored in (its raw bits)."""
    return np.bool_ if type_name == "pred" else UINT[max(TYPE_BITS[type_name], 8)]


class OpKind(Enum):
    NORMAL = "normal"
    BRANCH = "branch"
    EXIT = "exit"
    BARRIER = "barrier"


@dataclass
class Op:
    """A decoded instruction."""

    line: int
    name: str
    kind: OpKind
    run: Run | None = None
    target: int = -1
    """Index of the op a branch jumps to (branches only)."""
    collective: bool = False
    """Warp-collective (``.sync.aligned``): every lane of each warp must execute it together."""
    guard: int | None = None
    """Register slot of the guard predicate."""
    negate: bool = False
    barrier_threads: int | None = None
    counters: dict[str, int] = field(default_factory=dict)
    """Added to the run statistics per warp that executes it (e.g. ``mma.sp``)."""
    profile_class: str | None = None
    """Its class in the instruction profile (:mod:`sparse_stencil.sim.profile`); None for
    the synthetic end of the kernel, which is not an instruction."""


class DecodeContext:
    """What decoding one kernel needs: register slots and the addresses of symbols."""

    def __init__(self, kernel: Kernel, symbols: dict[str, tuple[str, int]]) -> None:
        self.kernel = kernel
        self.slots = {name: index for index, name in enumerate(kernel.registers)}
        self.types = kernel.registers
        self.symbols = symbols
        """Name -> (state space, address in it) of variables and kernel parameters."""

    def error(self, instruction: Instruction, message: str) -> PtxParseError:
        return PtxParseError(f"line {instruction.line}: {instruction.name}: {message}")


# ---------------------------------------------------------------------------------------------
# Operand access
# ---------------------------------------------------------------------------------------------


def _assign(register: np.ndarray, values: Any, mask: Mask) -> None:
    if mask is None:
        register[...] = values
    else:
        np.copyto(register, values, where=mask)


def immediate_value(ctx: DecodeContext, ins: Instruction, imm: Imm, type_name: str) -> Any:
    """`imm` as a numpy scalar of `type_name`."""
    if type_name == "pred":
        return np.bool_(bool(imm.value))
    bits = TYPE_BITS[type_name]
    if (
        type_name in INT_TYPES
        or type_name in ("f16x2", "bf16x2")
        or (imm.bits is not None and imm.bits == bits)
    ):
        if isinstance(imm.value, float):
            raise ctx.error(ins, f"float literal {imm.value} where {type_name} is expected")
        raw = np.array(int(imm.value) & ((1 << bits) - 1), dtype=UINT[max(bits, 8)])
        return raw.view(NUMPY_TYPES[type_name])[()]
    value = float(imm.number)
    if type_name == "bf16":
        return numerics.bf16_bits(numerics.round_exact(np.array(value), 0.0, BF16))[()]
    if type_name == "tf32":
        return np.float32(value)
    return NUMPY_TYPES[type_name](value)


def reader(ctx: DecodeContext, ins: Instruction, operand: Operand, type_name: str) -> Reader:
    """A function giving `operand`'s value per thread as `type_name` (array or scalar)."""
    if isinstance(operand, Reg):
        slot = ctx.slots[operand.name]
        register_type = ctx.types[operand.name]
        if (register_type == "pred") != (type_name == "pred"):
            raise ctx.error(ins, f"register {operand.name} is .{register_type}, not .{type_name}")
        return _convert_reader(
            lambda st: st.regs[slot], TYPE_BITS[register_type], type_name, ctx, ins
        )
    if isinstance(operand, Not):
        inner = reader(ctx, ins, operand.operand, "pred")
        if type_name != "pred":
            raise ctx.error(ins, "'!' only applies to predicates")
        return lambda st: ~inner(st)
    if isinstance(operand, Imm):
        value = immediate_value(ctx, ins, operand, type_name)
        return lambda st: value
    if isinstance(operand, Special):
        name = operand.name
        return _convert_reader(lambda st: st.special[name], 32, type_name, ctx, ins)
    if isinstance(operand, Sym):
        if operand.name not in ctx.symbols:
            raise ctx.error(ins, f"unknown symbol '{operand.name}'")
        address = ctx.symbols[operand.name][1]
        value = immediate_value(ctx, ins, Imm(address), type_name)
        return lambda st: value
    raise ctx.error(ins, f"operand {operand} cannot be read as .{type_name}")


def per_thread(read: Reader) -> Reader:
    """`read` with scalars (immediates, symbol addresses) spread to one value per thread."""
    return lambda st: np.broadcast_to(np.asarray(read(st)), (st.count,))


def _convert_reader(
    raw: Reader, width: int, type_name: str, ctx: DecodeContext, ins: Instruction
) -> Reader:
    numpy_type = NUMPY_TYPES[type_name]
    bits = TYPE_BITS[type_name]
    if type_name == "pred" or bits == width:
        return lambda st: raw(st).view(numpy_type)
    if bits < width:
        narrow = UINT[max(bits, 8)]
        return lambda st: raw(st).astype(narrow).view(numpy_type)
    if type_name in FLOAT_TYPES:
        raise ctx.error(ins, f"a {width}-bit register cannot be read as .{type_name}")
    source = SINT[width] if type_name.startswith("s") else UINT[width]
    return lambda st: raw(st).view(source).astype(numpy_type)


def writer(ctx: DecodeContext, ins: Instruction, operand: Operand, type_name: str) -> Writer:
    """A function storing values of `type_name` into register `operand` for active threads."""
    if not isinstance(operand, Reg):
        raise ctx.error(ins, f"destination {operand} is not a register")
    slot = ctx.slots[operand.name]
    register_type = ctx.types[operand.name]
    if (register_type == "pred") != (type_name == "pred"):
        raise ctx.error(ins, f"register {operand.name} is .{register_type}, not .{type_name}")
    if type_name == "pred":
        return lambda st, values, mask: _assign(st.regs[slot], values, mask)
    numpy_type = NUMPY_TYPES[type_name]
    container = container_of(register_type)
    bits = TYPE_BITS[type_name]
    width = TYPE_BITS[register_type]
    if bits == width:

        def convert(values: Any) -> Any:
            return np.asarray(values, dtype=numpy_type).view(container)
    elif bits > width:
        narrow = UINT[bits]

        def convert(values: Any) -> Any:
            return np.asarray(values, dtype=numpy_type).view(narrow).astype(container)
    elif type_name.startswith("s"):

        def convert(values: Any) -> Any:
            return np.asarray(values, dtype=numpy_type).astype(container)
    else:
        unsigned = UINT[max(bits, 8)]

        def convert(values: Any) -> Any:
            return np.asarray(values, dtype=numpy_type).view(unsigned).astype(container)

    return lambda st, values, mask: _assign(st.regs[slot], convert(values), mask)


def vector_items(operand: Operand) -> tuple[Operand, ...]:
    return operand.items if isinstance(operand, Vec) else (operand,)


# ---------------------------------------------------------------------------------------------
# Modifiers
# ---------------------------------------------------------------------------------------------


@dataclass
class Modifiers:
    """An instruction's modifiers sorted into what they mean."""

    types: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    rounding: str | None = None
    compare: str | None = None
    space: str | None = None
    vector: int = 1


_ROUNDING = {"rn", "rna", "rz", "rm", "rp", "rni", "rzi", "rmi", "rpi"}
_COMPARE = {
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "lo",
    "ls",
    "hi",
    "hs",
    "equ",
    "neu",
    "ltu",
    "leu",
    "gtu",
    "geu",
    "num",
    "nan",
}


def modifiers(ctx: DecodeContext, ins: Instruction, allowed: set[str]) -> Modifiers:
    """Sort `ins`'s modifiers; any not in `allowed` (types always allowed) is refused."""
    result = Modifiers()
    for modifier in ins.modifiers:
        if modifier in TYPE_BITS:
            result.types.append(modifier)
        elif modifier in _ROUNDING and "round" in allowed:
            result.rounding = modifier
        elif modifier in _COMPARE and "compare" in allowed:
            result.compare = modifier
        elif modifier in SPACES and "space" in allowed:
            result.space = "shared" if modifier == "shared::cta" else modifier
        elif modifier in ("v2", "v4") and "vector" in allowed:
            result.vector = int(modifier[1])
        elif "cache" in allowed and (modifier in CACHE_HINTS or "::" in modifier):
            continue
        elif modifier in allowed:
            result.flags.add(modifier)
        else:
            raise ctx.error(ins, f"unsupported modifier '.{modifier}'")
    return result


def one_type(
    ctx: DecodeContext, ins: Instruction, mods: Modifiers, allowed: frozenset[str] | set[str]
) -> str:
    if len(mods.types) != 1 or mods.types[0] not in allowed:
        raise ctx.error(ins, f"expected one type among {', '.join(sorted(allowed))}")
    return mods.types[0]


def expect_operands(ctx: DecodeContext, ins: Instruction, count: int | tuple[int, ...]) -> None:
    counts = (count,) if isinstance(count, int) else count
    if len(ins.operands) not in counts:
        expected = " or ".join(str(c) for c in counts)
        raise ctx.error(ins, f"expected {expected} operands, got {len(ins.operands)}")


def normal_op(
    ins: Instruction, run: Run, collective: bool = False, counters: dict[str, int] | None = None
) -> Op:
    return Op(
        ins.line, ins.name, OpKind.NORMAL, run, collective=collective, counters=counters or {}
    )
