"""Decoding of integer, floating-point, compare, select, move and convert instructions.

Floating point: f32 ``.rn`` add/sub/mul/div/sqrt use numpy's IEEE float32; every other rounded
operation (fma, f16/bf16 arithmetic, directed rounding, cvt) is computed exactly and rounded
once (:mod:`sparse_stencil.sim.numerics`); ``fma.rn.f64`` is exact too. ``.approx`` and
``.full`` variants of div, rcp and sqrt return the correctly rounded result (the hardware's
approximations are within 2 ulp of it), except where the ISA documents another result:
``div.approx.f32`` computes a * (1/b), and for 2**126 < |b| < 2**128 the reciprocal is zero,
so it returns a zero with the sign of a*b (NaN for an infinite or NaN a). NaN results are
the canonical NaN. ``.ftz`` flushes subnormal inputs and results.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from sparse_stencil.sim import numerics
from sparse_stencil.sim.bits import bit_length
from sparse_stencil.sim.numerics import FloatFormat
from sparse_stencil.sim.operands import (
    FLOAT_TYPES,
    FORMATS,
    INT_NUMPY_TYPES,
    INT_TYPES,
    NUMPY_TYPES,
    UINT,
    DecodeContext,
    Mask,
    Modifiers,
    Op,
    Reader,
    Writer,
    expect_operands,
    modifiers,
    normal_op,
    one_type,
    reader,
    vector_items,
    writer,
)
from sparse_stencil.sim.ptx_parser import TYPE_BITS, Instruction, Operand, PredPair, Vec

if TYPE_CHECKING:
    from sparse_stencil.sim.machine import State

# ---------------------------------------------------------------------------------------------
# Integer arithmetic
# ---------------------------------------------------------------------------------------------

IntArray = npt.NDArray[np.integer[Any]]

_INT_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "and": lambda a, b: a & b,
    "or": lambda a, b: a | b,
    "xor": lambda a, b: a ^ b,
    "min": np.minimum,
    "max": np.maximum,
}


def _wide_type(type_name: str) -> str:
    return f"{type_name[0]}{2 * TYPE_BITS[type_name]}"


def _mul_high(a: npt.ArrayLike, b: npt.ArrayLike, type_name: str) -> IntArray:
    bits = TYPE_BITS[type_name]
    if bits < 64:
        wide = INT_NUMPY_TYPES[_wide_type(type_name)]
        return ((np.asarray(a).astype(wide) * np.asarray(b).astype(wide)) >> bits).astype(
            INT_NUMPY_TYPES[type_name]
        )
    # 64 x 64 -> high 64 bits from 32-bit limbs (unsigned), then the signed correction
    ua = np.asarray(a).view(np.uint64) if type_name == "s64" else np.asarray(a, np.uint64)
    ub = np.asarray(b).view(np.uint64) if type_name == "s64" else np.asarray(b, np.uint64)
    low_mask = np.uint64(0xFFFFFFFF)
    a_lo, a_hi = ua & low_mask, ua >> np.uint64(32)
    b_lo, b_hi = ub & low_mask, ub >> np.uint64(32)
    lo_lo = a_lo * b_lo
    cross1 = a_hi * b_lo + (lo_lo >> np.uint64(32))
    cross2 = a_lo * b_hi + (cross1 & low_mask)
    high = a_hi * b_hi + (cross1 >> np.uint64(32)) + (cross2 >> np.uint64(32))
    if type_name == "s64":
        high = high - np.where(np.asarray(a) < 0, ub, np.uint64(0))
        high = high - np.where(np.asarray(b) < 0, ua, np.uint64(0))
        return high.view(np.int64)
    return high


def _divide(a: npt.ArrayLike, b: npt.ArrayLike, type_name: str, remainder: bool) -> IntArray:
    numpy_type = INT_NUMPY_TYPES[type_name]
    a = np.asarray(a, dtype=numpy_type)
    b = np.asarray(b, dtype=numpy_type)
    safe = np.where(b == 0, numpy_type(1), b)
    if type_name.startswith("s"):
        quotient = np.abs(a.astype(np.int64)) // np.abs(safe.astype(np.int64))
        quotient = np.where((a < 0) != (safe < 0), -quotient, quotient).astype(numpy_type)
    else:
        quotient = a // safe
    # division by zero is undefined in PTX: the simulator gives all ones (quotient), a (remainder)
    if remainder:
        return np.where(b == 0, a, a - quotient * safe)
    return np.where(
        b == 0, numpy_type(-1) if type_name.startswith("s") else ~numpy_type(0), quotient
    )


def _shift(a: npt.ArrayLike, amount: npt.ArrayLike, type_name: str, left: bool) -> IntArray:
    numpy_type = INT_NUMPY_TYPES[type_name]
    bits = TYPE_BITS[type_name]
    a = np.asarray(a, dtype=numpy_type)
    amount = np.asarray(amount, dtype=np.uint32)
    clamped = np.minimum(amount, bits - 1).astype(numpy_type)
    if left:
        return np.where(amount >= bits, numpy_type(0), a << clamped)
    if type_name.startswith("s"):
        return a >> clamped  # arithmetic: a shift by >= bits gives the sign fill
    return np.where(amount >= bits, numpy_type(0), a >> clamped)


def _decode_integer(ctx: DecodeContext, ins: Instruction, mods: Modifiers, type_name: str) -> Op:
    op = ins.opcode
    numpy_type = INT_NUMPY_TYPES[type_name]
    if op in ("not", "cnot", "abs", "neg", "popc", "clz"):
        return _decode_integer_unary(ctx, ins, type_name)
    if op in ("shl", "shr"):
        expect_operands(ctx, ins, 3)
        a, amount = (
            reader(ctx, ins, ins.operands[1], type_name),
            reader(ctx, ins, ins.operands[2], "u32"),
        )
        write = writer(ctx, ins, ins.operands[0], type_name)
        left = op == "shl"
        return normal_op(
            ins, lambda st, mask: write(st, _shift(a(st), amount(st), type_name, left), mask)
        )
    if op in ("mul", "mad"):
        return _decode_multiply(ctx, ins, mods, type_name)
    if op in ("div", "rem"):
        expect_operands(ctx, ins, 3)
        a, b = (reader(ctx, ins, o, type_name) for o in ins.operands[1:])
        write = writer(ctx, ins, ins.operands[0], type_name)
        rem = op == "rem"
        return normal_op(
            ins, lambda st, mask: write(st, _divide(a(st), b(st), type_name, rem), mask)
        )
    if op == "sad":
        return _decode_sad(ctx, ins, type_name)
    expect_operands(ctx, ins, 3)
    a, b = (reader(ctx, ins, o, type_name) for o in ins.operands[1:])
    write = writer(ctx, ins, ins.operands[0], type_name)
    if "sat" in mods.flags:
        if type_name != "s32" or op not in ("add", "sub"):
            raise ctx.error(ins, ".sat is only supported on add.s32 and sub.s32")
        sign = 1 if op == "add" else -1
        return normal_op(
            ins,
            lambda st, mask: write(
                st,
                np.clip(
                    np.asarray(a(st)).astype(np.int64) + sign * np.asarray(b(st)).astype(np.int64),
                    -(2**31),
                    2**31 - 1,
                ).astype(np.int32),
                mask,
            ),
        )
    function = _INT_BINARY[op]
    return normal_op(
        ins, lambda st, mask: write(st, np.asarray(function(a(st), b(st)), dtype=numpy_type), mask)
    )


def _decode_integer_unary(ctx: DecodeContext, ins: Instruction, type_name: str) -> Op:
    """not, cnot, abs, neg; popc and clz (which give a .u32 count)."""
    op = ins.opcode
    expect_operands(ctx, ins, 2)
    source = reader(ctx, ins, ins.operands[1], type_name)
    write = writer(ctx, ins, ins.operands[0], "u32" if op in ("popc", "clz") else type_name)
    numpy_type = INT_NUMPY_TYPES[type_name]
    bits = TYPE_BITS[type_name]
    unaries: dict[str, Callable[[Any], Any]] = {
        "not": lambda a: ~np.asarray(a, dtype=numpy_type),
        "cnot": lambda a: (np.asarray(a) == 0).astype(numpy_type),
        "abs": lambda a: np.abs(np.asarray(a, dtype=numpy_type)),
        "neg": lambda a: numpy_type(0) - np.asarray(a, dtype=numpy_type),
        "popc": lambda a: np.bitwise_count(np.asarray(a, dtype=numpy_type)).astype(np.uint32),
        "clz": lambda a: (
            bits - bit_length(np.asarray(a, dtype=numpy_type).view(UINT[bits]))
        ).astype(np.uint32),
    }
    unary = unaries[op]
    return normal_op(ins, lambda st, mask: write(st, unary(source(st)), mask))


def _decode_sad(ctx: DecodeContext, ins: Instruction, type_name: str) -> Op:
    """``sad.type d, a, b, c``: d = c + |a - b| (the difference taken in full precision)."""
    expect_operands(ctx, ins, 4)
    a, b, c = (reader(ctx, ins, o, type_name) for o in ins.operands[1:])
    write = writer(ctx, ins, ins.operands[0], type_name)
    numpy_type = INT_NUMPY_TYPES[type_name]
    unsigned = UINT[TYPE_BITS[type_name]]

    def run(st: State, mask: Mask) -> None:
        x, y = (np.asarray(read(st), dtype=numpy_type) for read in (a, b))
        ux, uy = x.view(unsigned), y.view(unsigned)
        distance = np.where(x >= y, ux - uy, uy - ux)  # exact modulo 2**bits
        total = np.asarray(c(st), dtype=numpy_type).view(unsigned) + distance
        write(st, np.asarray(total, dtype=unsigned).view(numpy_type), mask)

    return normal_op(ins, run)


def _decode_multiply(ctx: DecodeContext, ins: Instruction, mods: Modifiers, type_name: str) -> Op:
    mad = ins.opcode == "mad"
    expect_operands(ctx, ins, 4 if mad else 3)
    mode = ({"lo", "hi", "wide"} & mods.flags) or {"lo"}
    if len(mode) != 1:
        raise ctx.error(ins, "use one of .lo, .hi, .wide")
    (kind,) = mode
    if kind == "wide" and TYPE_BITS[type_name] > 32:
        raise ctx.error(ins, ".wide needs a 16- or 32-bit type")
    out_type = _wide_type(type_name) if kind == "wide" else type_name
    a, b = (reader(ctx, ins, o, type_name) for o in ins.operands[1:3])
    c = reader(ctx, ins, ins.operands[3], out_type) if mad else None
    write = writer(ctx, ins, ins.operands[0], out_type)
    out_numpy = INT_NUMPY_TYPES[out_type]

    def product(st: State) -> Any:
        if kind == "wide":
            return np.asarray(a(st)).astype(out_numpy) * np.asarray(b(st)).astype(out_numpy)
        if kind == "hi":
            return _mul_high(a(st), b(st), type_name)
        return np.asarray(a(st), dtype=out_numpy) * np.asarray(b(st), dtype=out_numpy)

    if c is None:
        return normal_op(ins, lambda st, mask: write(st, product(st), mask))
    return normal_op(
        ins,
        lambda st, mask: write(
            st, np.asarray(product(st) + np.asarray(c(st), dtype=out_numpy), dtype=out_numpy), mask
        ),
    )


# ---------------------------------------------------------------------------------------------
# Floating point arithmetic
# ---------------------------------------------------------------------------------------------


def _float_values(raw: Any, type_name: str) -> list[np.ndarray]:
    """float64 values of an operand of a float type: one array, or two for the x2 types."""
    raw = np.asarray(raw)
    if type_name in ("f16", "f32", "f64", "tf32"):
        return [raw.astype(np.float64)]
    if type_name == "bf16":
        return [numerics.bf16_values(raw)]
    low = (raw & 0xFFFF).astype(np.uint16)
    high = (raw >> 16).astype(np.uint16)
    if type_name == "f16x2":
        return [low.view(np.float16).astype(np.float64), high.view(np.float16).astype(np.float64)]
    return [numerics.bf16_values(low), numerics.bf16_values(high)]


def _element_format(type_name: str) -> FloatFormat:
    return FORMATS[type_name.removesuffix("x2")]


def _float_result(values: list[np.ndarray], type_name: str) -> Any:
    """Values already representable in the element format, as the operand type's raw value."""
    if type_name == "f64":
        return values[0]
    if type_name == "f32":
        return numerics.f32_bits(values[0]).view(np.float32)
    element = type_name.removesuffix("x2")
    to_bits = numerics.f16_bits if element == "f16" else numerics.bf16_bits
    if len(values) == 1:
        bits = to_bits(values[0])
        return bits.view(np.float16) if type_name == "f16" else bits
    return to_bits(values[0]).astype(np.uint32) | (to_bits(values[1]).astype(np.uint32) << 16)


def _finish(values: np.ndarray, fmt: FloatFormat, mods: Modifiers) -> np.ndarray:
    if "ftz" in mods.flags:
        values = numerics.flush_subnormal(values, fmt)
    if "sat" in mods.flags:
        values = np.where(np.isnan(values), 0.0, np.clip(values, 0.0, 1.0))
    return values


def _exact(op: str, operands: list[np.ndarray]) -> tuple[np.ndarray, Any]:
    """The exact result of a rounded float operation as a float64 pair (hi, lo)."""
    if op == "add":
        return numerics.two_sum(operands[0], operands[1])
    if op == "sub":
        return numerics.two_sum(operands[0], -operands[1])
    if op == "mul":
        return operands[0] * operands[1], 0.0
    product = operands[0] * operands[1]  # fma / mad: the product is exact in float64
    return numerics.two_sum(product, operands[2])


_FLOAT_ARITY = {
    "add": 2,
    "sub": 2,
    "mul": 2,
    "fma": 3,
    "mad": 3,
    "div": 2,
    "min": 2,
    "max": 2,
    "neg": 1,
    "abs": 1,
    "rcp": 1,
    "sqrt": 1,
    "copysign": 2,
}
"""Source operands of each floating-point instruction."""

Lanes = Callable[["State"], list[list[np.ndarray]]]
"""Per element lane (one, or two for the x2 types), the float64 values of all sources."""


def _decode_float(ctx: DecodeContext, ins: Instruction, mods: Modifiers, type_name: str) -> Op:
    op = ins.opcode
    expect_operands(ctx, ins, _FLOAT_ARITY[op] + 1)
    sources = [reader(ctx, ins, o, type_name) for o in ins.operands[1:]]
    write = writer(ctx, ins, ins.operands[0], type_name)
    if op == "copysign" and (type_name not in ("f32", "f64") or mods.flags or mods.rounding):
        raise ctx.error(ins, "expected copysign.f32 or copysign.f64")
    if op == "copysign" or (op in ("neg", "abs") and "ftz" not in mods.flags):
        return _decode_sign(ins, type_name, sources, write)
    if type_name == "f64":
        return _decode_f64(ctx, ins, mods, sources, write)
    if op in ("min", "max", "neg", "abs"):
        return _decode_unrounded(ins, mods, type_name, sources, write)
    if op in ("div", "rcp", "sqrt"):
        return _decode_f32_divide_sqrt(ctx, ins, mods, type_name, sources, write)
    return _decode_rounded(ctx, ins, mods, type_name, sources, write)


def _lanes(sources: list[Reader], type_name: str, mods: Modifiers) -> Lanes:
    """The sources' values by element lane, subnormals flushed with ``.ftz``."""
    fmt = _element_format(type_name)
    ftz = "ftz" in mods.flags

    def lanes(st: State) -> list[list[np.ndarray]]:
        per_source = [_float_values(read(st), type_name) for read in sources]
        if ftz:
            per_source = [
                [numerics.flush_subnormal(v, fmt) for v in values] for values in per_source
            ]
        return [list(lane) for lane in zip(*per_source, strict=True)]

    return lanes


def _decode_unrounded(
    ins: Instruction, mods: Modifiers, type_name: str, sources: list[Reader], write: Writer
) -> Op:
    """min, max, and neg/abs with ``.ftz``: exact results, which need no rounding."""
    function: Callable[..., np.ndarray] = {
        "min": np.fmin,
        "max": np.fmax,
        "neg": np.negative,
        "abs": np.abs,
    }[ins.opcode]
    fmt = _element_format(type_name)
    lanes = _lanes(sources, type_name, mods)

    def run(st: State, mask: Mask) -> None:
        results = [_finish(function(*lane), fmt, mods) for lane in lanes(st)]
        write(st, _float_result(results, type_name), mask)

    return normal_op(ins, run)


def _decode_f32_divide_sqrt(
    ctx: DecodeContext,
    ins: Instruction,
    mods: Modifiers,
    type_name: str,
    sources: list[Reader],
    write: Writer,
) -> Op:
    """div, rcp and sqrt on f32, by numpy's correctly rounded float32 operations."""
    op = ins.opcode
    if type_name != "f32":
        raise ctx.error(ins, f"{op} is supported on .f32 and .f64 only")
    if mods.rounding not in (None, "rn") or (
        mods.rounding is None and not ({"approx", "full"} & mods.flags)
    ):
        raise ctx.error(ins, f"{op}.f32 needs .rn, .approx or .full")
    function = {"div": np.divide, "rcp": np.reciprocal, "sqrt": np.sqrt}[op]
    if op == "div" and "approx" in mods.flags:
        function = _approx_divide
    fmt = _element_format(type_name)
    lanes = _lanes(sources, type_name, mods)

    def run(st: State, mask: Mask) -> None:
        result = function(*(lane.astype(np.float32) for lane in lanes(st)[0]))
        write(
            st,
            _float_result([_finish(np.asarray(result, np.float64), fmt, mods)], type_name),
            mask,
        )

    return normal_op(ins, run)


def _approx_divide(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> Any:
    """``div.approx.f32``: a * (1/b), whose reciprocal of 2**126 < |b| < 2**128 is a zero
    (PTX ISA, div; CUDA's __fdividef documents the same); elsewhere the correctly rounded a/b."""
    huge = np.isfinite(b) & (np.abs(b) > np.float32(2.0**126))
    return np.where(huge, a * np.copysign(np.float32(0.0), b), np.divide(a, b))


def _decode_rounded(
    ctx: DecodeContext,
    ins: Instruction,
    mods: Modifiers,
    type_name: str,
    sources: list[Reader],
    write: Writer,
) -> Op:
    """add, sub, mul, fma and mad with a rounding mode: the exact result rounded once (plain
    f32 ``.rn`` add, sub and mul by numpy's float32, which is the same)."""
    op = ins.opcode
    mode = mods.rounding or "rn"
    if mode not in ("rn", "rz", "rm", "rp"):
        raise ctx.error(ins, f"rounding .{mode} is not valid here")
    if op in ("fma", "mad") and mods.rounding is None:
        raise ctx.error(ins, f"{op} needs a rounding modifier (.rn, .rz, .rm, .rp)")
    if (
        type_name == "f32"
        and mode == "rn"
        and op in ("add", "sub", "mul")
        and not ({"ftz", "sat"} & mods.flags)
    ):
        function = {"add": np.add, "sub": np.subtract, "mul": np.multiply}[op]
        first, second = sources
        nan = np.uint32(numerics.CANONICAL_NAN_BITS["f32"])

        def run_f32(st: State, mask: Mask) -> None:
            result = np.asarray(function(first(st), second(st)), dtype=np.float32)
            bits = np.where(np.isnan(result), nan, result.view(np.uint32))
            write(st, bits.view(np.float32), mask)

        return normal_op(ins, run_f32)
    fmt = _element_format(type_name)
    lanes = _lanes(sources, type_name, mods)

    def run(st: State, mask: Mask) -> None:
        results: list[np.ndarray] = []
        for lane in lanes(st):
            hi, lo = _exact(op, lane)
            results.append(_finish(numerics.round_exact(hi, lo, fmt, mode), fmt, mods))
        write(st, _float_result(results, type_name), mask)

    return normal_op(ins, run)


def _decode_sign(ins: Instruction, type_name: str, sources: list[Reader], write: Writer) -> Op:
    """neg/abs flip or clear sign bits (of both halves for the x2 types), NaN included;
    ``copysign d, a, b`` gives b with the sign of a."""
    bits = TYPE_BITS[type_name]
    unsigned = UINT[bits]
    element = 16 if type_name.endswith("x2") or bits == 16 else bits
    sign = 1 << (element - 1)
    sign_mask = unsigned(sign | (sign << 16) if type_name.endswith("x2") else sign)
    numpy_type = NUMPY_TYPES[type_name]
    op = ins.opcode

    def run(st: State, mask: Mask) -> None:
        value = np.asarray(sources[-1](st)).view(unsigned)
        if op == "neg":
            result = value ^ sign_mask
        elif op == "abs":
            result = value & ~sign_mask
        else:
            result = (value & ~sign_mask) | (np.asarray(sources[0](st)).view(unsigned) & sign_mask)
        write(st, result.view(numpy_type), mask)

    return normal_op(ins, run)


def _decode_f64(
    ctx: DecodeContext, ins: Instruction, mods: Modifiers, sources: list[Reader], write: Writer
) -> Op:
    op = ins.opcode
    if mods.rounding not in (None, "rn") or "sat" in mods.flags or "ftz" in mods.flags:
        raise ctx.error(ins, "f64 arithmetic is supported with .rn only")
    if op in ("div", "rcp", "sqrt") and mods.rounding is None and not mods.flags & {"approx"}:
        raise ctx.error(ins, f"{op}.f64 needs .rn (or .approx for rcp and sqrt)")
    if op in ("fma", "mad"):
        if mods.rounding != "rn":
            raise ctx.error(ins, f"{op}.f64 is supported with .rn only")
        return normal_op(
            ins, lambda st, mask: write(st, numerics.fma_f64(*(read(st) for read in sources)), mask)
        )
    function: Callable[..., Any] = {
        "add": np.add,
        "sub": np.subtract,
        "mul": np.multiply,
        "div": np.divide,
        "min": np.fmin,
        "max": np.fmax,
        "rcp": np.reciprocal,
        "sqrt": np.sqrt,
    }[op]
    return normal_op(
        ins,
        lambda st, mask: write(
            st, np.asarray(function(*(read(st) for read in sources)), dtype=np.float64), mask
        ),
    )


# ---------------------------------------------------------------------------------------------
# Compare, select, move, convert
# ---------------------------------------------------------------------------------------------


_ORDER: dict[str, Callable[[Any, Any], Any]] = {
    "eq": np.equal,
    "ne": np.not_equal,
    "lt": np.less,
    "le": np.less_equal,
    "gt": np.greater,
    "ge": np.greater_equal,
}
_UNSIGNED_NAMES = {"lo": "lt", "ls": "le", "hi": "gt", "hs": "ge"}
_LOGIC: dict[str, Callable[[Any, Any], Any]] = {
    "and": np.logical_and,
    "or": np.logical_or,
    "xor": np.logical_xor,
}
"""setp's combining operations, and and/or/xor on predicates."""
_TO_INTEGRAL: dict[str, Callable[[Any], Any]] = {
    "rni": np.rint,
    "rzi": np.trunc,
    "rmi": np.floor,
    "rpi": np.ceil,
}
"""cvt's integer rounding modifiers."""


def _comparisons(type_name: str) -> set[str]:
    """The setp comparisons ptxas accepts for `type_name`."""
    if type_name in FLOAT_TYPES:
        return set(_ORDER) | {f"{how}u" for how in _ORDER} | {"num", "nan"}
    if type_name.startswith("b"):
        return {"eq", "ne"}
    return set(_ORDER) | (set(_UNSIGNED_NAMES) if type_name.startswith("u") else set())


def _compare(a: Any, b: Any, how: str, is_float: bool) -> Any:
    """setp's comparison; for floats the plain ones are false and the ``u`` ones true when
    an operand is NaN."""
    how = _UNSIGNED_NAMES.get(how, how)
    if not is_float:
        return _ORDER[how](a, b)
    unordered = np.isnan(a) | np.isnan(b)
    if how == "num":
        return ~unordered
    if how == "nan":
        return unordered
    if how in _ORDER:
        return _ORDER[how](a, b) & ~unordered
    return _ORDER[how.removesuffix("u")](a, b) | unordered


def decode_setp(ctx: DecodeContext, ins: Instruction) -> Op:
    mods = modifiers(ctx, ins, {"compare", "and", "or", "xor", "ftz"})
    type_name = one_type(ctx, ins, mods, INT_TYPES | {"f16", "f32", "f64"})
    if mods.compare is None:
        raise ctx.error(ins, "missing comparison operator")
    combine = {"and", "or", "xor"} & mods.flags
    expect_operands(ctx, ins, 4 if combine else 3)
    a, b = (reader(ctx, ins, o, type_name) for o in ins.operands[1:3])
    c = reader(ctx, ins, ins.operands[3], "pred") if combine else None
    destination = ins.operands[0]
    if isinstance(destination, PredPair):
        write_p = writer(ctx, ins, destination.first, "pred")
        write_q: Writer | None = writer(ctx, ins, destination.second, "pred")
    else:
        write_p, write_q = writer(ctx, ins, destination, "pred"), None
    how = mods.compare
    is_float = type_name in FLOAT_TYPES
    operator = _LOGIC[combine.pop()] if combine else None
    if how not in _comparisons(type_name):
        raise ctx.error(ins, f"comparison .{how} does not apply to .{type_name}")
    ftz = "ftz" in mods.flags
    if ftz and type_name != "f32":
        raise ctx.error(ins, ".ftz applies to setp.f32 only")

    def run(st: State, mask: Mask) -> None:
        x, y = np.asarray(a(st)), np.asarray(b(st))
        if ftz:
            x, y = (numerics.flush_subnormal(v.astype(np.float64), numerics.F32) for v in (x, y))
        result = _compare(x, y, how, is_float)
        negated = ~result
        if operator is not None and c is not None:
            predicate = c(st)
            result = operator(result, predicate)
            negated = operator(negated, predicate)
        write_p(st, result, mask)
        if write_q is not None:
            write_q(st, negated, mask)

    return normal_op(ins, run)


def decode_selp(ctx: DecodeContext, ins: Instruction) -> Op:
    mods = modifiers(ctx, ins, set())
    type_name = one_type(ctx, ins, mods, INT_TYPES | FLOAT_TYPES)
    expect_operands(ctx, ins, 4)
    a, b = (reader(ctx, ins, o, type_name) for o in ins.operands[1:3])
    predicate = reader(ctx, ins, ins.operands[3], "pred")
    write = writer(ctx, ins, ins.operands[0], type_name)
    return normal_op(ins, lambda st, mask: write(st, np.where(predicate(st), a(st), b(st)), mask))


def decode_mov(ctx: DecodeContext, ins: Instruction) -> Op:
    mods = modifiers(ctx, ins, set())
    type_name = one_type(ctx, ins, mods, set(NUMPY_TYPES))
    expect_operands(ctx, ins, 2)
    destination, source = ins.operands
    if isinstance(destination, Vec) or isinstance(source, Vec):
        return _decode_pack(ctx, ins, type_name, destination, source)
    read = reader(ctx, ins, source, type_name)
    write = writer(ctx, ins, destination, type_name)
    return normal_op(ins, lambda st, mask: write(st, read(st), mask))


def _decode_pack(
    ctx: DecodeContext, ins: Instruction, type_name: str, destination: Operand, source: Operand
) -> Op:
    """``mov.b32 %r, {%h0, %h1}`` (pack, element 0 lowest) and the reverse (unpack)."""
    if type_name not in ("b32", "b64", "u32", "u64", "b16"):
        raise ctx.error(ins, "vector mov needs a .b16, .b32 or .b64 type")
    bits = TYPE_BITS[type_name]
    parts = vector_items(source) if isinstance(source, Vec) else vector_items(destination)
    if bits % len(parts) or bits // len(parts) < 8:
        raise ctx.error(ins, f"cannot split .{type_name} into {len(parts)} parts")
    part_type = f"b{bits // len(parts)}"
    part_bits = np.uint64(bits // len(parts))
    whole = UINT[bits]
    if isinstance(source, Vec):
        readers = [reader(ctx, ins, item, part_type) for item in parts]
        write = writer(ctx, ins, destination, type_name)

        def pack(st: State) -> Any:
            total = np.uint64(0)
            for index, read in enumerate(readers):
                total = total | (
                    np.asarray(read(st)).astype(np.uint64) << (part_bits * np.uint64(index))
                )
            return np.asarray(total).astype(whole)

        return normal_op(ins, lambda st, mask: write(st, pack(st), mask))
    read = reader(ctx, ins, source, type_name)
    writers = [writer(ctx, ins, item, part_type) for item in parts]
    part_mask = np.uint64((1 << int(part_bits)) - 1)
    part_type_numpy = UINT[int(part_bits)]

    def unpack(st: State, mask: Mask) -> None:
        value = np.asarray(read(st)).astype(np.uint64)
        for index, write in enumerate(writers):
            piece = (value >> (part_bits * np.uint64(index))) & part_mask
            write(st, piece.astype(part_type_numpy), mask)

    return normal_op(ins, unpack)


def decode_cvt(ctx: DecodeContext, ins: Instruction) -> Op:
    mods = modifiers(ctx, ins, {"round", "ftz", "sat"})
    if len(mods.types) != 2:
        raise ctx.error(ins, "cvt needs a destination and a source type")
    out_type, in_type = mods.types
    if out_type in ("f16x2", "bf16x2"):
        return _decode_cvt_pack(ctx, ins, mods, out_type, in_type)
    expect_operands(ctx, ins, 2)
    read = reader(ctx, ins, ins.operands[1], in_type)
    write = writer(ctx, ins, ins.operands[0], out_type)
    if out_type == "pred" or in_type == "pred" or in_type.endswith("x2"):
        raise ctx.error(ins, "unsupported conversion")
    convert = _conversion(ctx, ins, mods, out_type, in_type)
    return normal_op(ins, lambda st, mask: write(st, convert(read(st)), mask))


def _conversion(
    ctx: DecodeContext, ins: Instruction, mods: Modifiers, out_type: str, in_type: str
) -> Callable[[Any], Any]:
    rounding = mods.rounding
    out_float = out_type in FLOAT_TYPES
    in_float = in_type in FLOAT_TYPES
    if not out_float and not in_float:
        if rounding is not None:
            raise ctx.error(ins, "integer-to-integer cvt takes no rounding modifier")
        return _int_to_int(out_type, "sat" in mods.flags)
    if out_float and not in_float:
        if rounding not in ("rn", "rz", "rm", "rp"):
            raise ctx.error(ins, "integer-to-float cvt needs .rn, .rz, .rm or .rp")
        return _int_to_float(ctx, ins, out_type, rounding, mods)
    if not out_float:
        if rounding not in _TO_INTEGRAL:
            raise ctx.error(ins, "float-to-integer cvt needs .rni, .rzi, .rmi or .rpi")
        return _float_to_int(in_type, out_type, rounding, mods)
    return _float_to_float(ctx, ins, mods, out_type, in_type)


def _int_to_int(out_type: str, saturate: bool) -> Callable[[Any], Any]:
    numpy_type = INT_NUMPY_TYPES[out_type]
    if not saturate:
        return lambda a: np.asarray(a).astype(numpy_type)
    target = np.iinfo(numpy_type)

    def clamp(a: Any) -> Any:
        value = np.asarray(a)
        source = np.iinfo(value.dtype)
        low = max(source.min, target.min)  # both bounds lie in the source's range
        high = min(source.max, target.max)
        return np.clip(value, value.dtype.type(low), value.dtype.type(high)).astype(numpy_type)

    return clamp


def _int_to_float(
    ctx: DecodeContext, ins: Instruction, out_type: str, rounding: str, mods: Modifiers
) -> Callable[[Any], Any]:
    if out_type == "f64":
        if rounding != "rn":
            raise ctx.error(ins, "integer-to-f64 cvt is supported with .rn only")
        return lambda a: np.asarray(a).astype(np.float64)
    fmt = _element_format(out_type)

    def convert(a: Any) -> Any:
        hi, lo = numerics.integer_as_exact(np.asarray(a))
        return _float_result(
            [_finish(numerics.round_exact(hi, lo, fmt, rounding), fmt, mods)], out_type
        )

    return convert


def _float_to_int(
    in_type: str, out_type: str, rounding: str, mods: Modifiers
) -> Callable[[Any], Any]:
    function = _TO_INTEGRAL[rounding]
    numpy_type = INT_NUMPY_TYPES[out_type]
    info = np.iinfo(numpy_type)
    fmt = FORMATS.get(in_type)

    def convert(a: Any) -> Any:
        (values,) = _float_values(a, in_type)
        if "ftz" in mods.flags and fmt is not None:
            values = numerics.flush_subnormal(values, fmt)
        rounded = function(values)
        result = np.where(np.isnan(rounded), 0, np.clip(rounded, info.min, info.max))
        too_big = rounded >= float(info.max)  # float(2**63 - 1) rounds up to 2**63
        return np.where(too_big, numpy_type(info.max), result.astype(numpy_type))

    return convert


def _float_to_float(
    ctx: DecodeContext, ins: Instruction, mods: Modifiers, out_type: str, in_type: str
) -> Callable[[Any], Any]:
    rounding = mods.rounding
    if rounding in _TO_INTEGRAL:
        if out_type != in_type:
            raise ctx.error(ins, f".{rounding} rounds to an integral value of the same type")
        function = _TO_INTEGRAL[rounding]
        fmt = FORMATS.get(in_type)

        def integral(a: Any) -> Any:
            (values,) = _float_values(a, in_type)
            result = function(values)
            if fmt is not None:
                result = _finish(result, fmt, mods)
            return _float_result([result], out_type)

        return integral
    if out_type == "f64":
        if rounding is not None:
            raise ctx.error(ins, "a widening cvt takes no rounding modifier")
        return lambda a: _float_values(a, in_type)[0]
    fmt = FORMATS[out_type]
    in_precision = 53 if in_type == "f64" else FORMATS[in_type].precision
    widening = (
        in_type != "f64"
        and FORMATS[in_type].max_exponent <= fmt.max_exponent
        and (in_precision <= fmt.precision)
    )
    if widening and rounding is not None and out_type != "tf32":
        raise ctx.error(ins, "a widening cvt takes no rounding modifier")
    if not widening and rounding is None:
        raise ctx.error(ins, "a narrowing cvt needs a rounding modifier")
    if rounding == "rna" and out_type != "tf32":
        raise ctx.error(ins, ".rna is only valid for conversions to tf32")
    mode = rounding or "rn"
    in_fmt = FORMATS.get(in_type)

    def convert(a: Any) -> Any:
        (values,) = _float_values(a, in_type)
        if "ftz" in mods.flags and in_fmt is not None:
            values = numerics.flush_subnormal(values, in_fmt)
        result = _finish(numerics.round_exact(values, 0.0, fmt, mode), fmt, mods)
        if out_type == "tf32":
            return numerics.f32_bits(result).view(np.float32)
        return _float_result([result], out_type)

    return convert


def _decode_cvt_pack(
    ctx: DecodeContext, ins: Instruction, mods: Modifiers, out_type: str, in_type: str
) -> Op:
    """``cvt.rn.f16x2.f32 d, a, b``: a converted into the upper half, b into the lower."""
    expect_operands(ctx, ins, 3)
    if in_type != "f32" or mods.rounding not in ("rn", "rz"):
        raise ctx.error(ins, f"cvt to .{out_type} needs .rn or .rz and .f32 sources")
    upper, lower = (reader(ctx, ins, o, "f32") for o in ins.operands[1:])
    write = writer(ctx, ins, ins.operands[0], out_type)
    fmt = _element_format(out_type)
    mode = mods.rounding

    def convert(st: State) -> Any:
        halves = [
            _finish(
                numerics.round_exact(np.asarray(read(st), np.float64), 0.0, fmt, mode), fmt, mods
            )
            for read in (lower, upper)
        ]
        return _float_result(halves, out_type)

    return normal_op(ins, lambda st, mask: write(st, convert(st), mask))


# ---------------------------------------------------------------------------------------------
# Dispatch by type
# ---------------------------------------------------------------------------------------------

INT_OPS = {
    "add",
    "sub",
    "mul",
    "mad",
    "div",
    "rem",
    "min",
    "max",
    "abs",
    "neg",
    "and",
    "or",
    "xor",
    "not",
    "cnot",
    "shl",
    "shr",
    "popc",
    "clz",
    "sad",
}
FLOAT_OPS = {
    "add",
    "sub",
    "mul",
    "fma",
    "mad",
    "div",
    "min",
    "max",
    "abs",
    "neg",
    "rcp",
    "sqrt",
    "copysign",
}
_PRED_OPS = {"and", "or", "xor", "not"}


def decode_arithmetic(ctx: DecodeContext, ins: Instruction) -> Op:
    mods = modifiers(ctx, ins, {"round", "ftz", "sat", "lo", "hi", "wide", "approx", "full"})
    if len(mods.types) != 1:
        raise ctx.error(ins, "expected one type")
    type_name = mods.types[0]
    if type_name == "pred" and ins.opcode in _PRED_OPS:
        return _decode_predicate_logic(ctx, ins)
    if type_name in FLOAT_TYPES and ins.opcode in FLOAT_OPS:
        return _decode_float(ctx, ins, mods, type_name)
    if type_name in INT_TYPES and ins.opcode in INT_OPS:
        if mods.rounding is not None or {"ftz", "approx", "full"} & mods.flags:
            raise ctx.error(ins, "rounding modifiers apply to float types only")
        return _decode_integer(ctx, ins, mods, type_name)
    raise ctx.error(ins, f"{ins.opcode} is not supported on .{type_name}")


def _decode_predicate_logic(ctx: DecodeContext, ins: Instruction) -> Op:
    unary = ins.opcode == "not"
    expect_operands(ctx, ins, 2 if unary else 3)
    sources = [reader(ctx, ins, o, "pred") for o in ins.operands[1:]]
    write = writer(ctx, ins, ins.operands[0], "pred")
    if unary:
        return normal_op(ins, lambda st, mask: write(st, ~sources[0](st), mask))
    function = _LOGIC[ins.opcode]
    return normal_op(
        ins, lambda st, mask: write(st, function(sources[0](st), sources[1](st)), mask)
    )
