"""Import xDSL's upstream `stencil` dialect into L0 (`lstencil`).

The importer reads a function that holds one `stencil.apply`, as xDSL's stencil tests and
Devito's xDSL output write it, and replaces the whole function with an L0 function of the
same name on `!lstencil.grid` values:

    func.func @laplace(%in: !stencil.field<[-4,68]x[-4,68]xf32>,
                       %out: !stencil.field<[-4,68]x[-4,68]xf32>) {
      %t = stencil.load %in : !stencil.field<[-4,68]x[-4,68]xf32> -> !stencil.temp<?x?xf32>
      %r = stencil.apply(%x = %t : !stencil.temp<?x?xf32>) -> (!stencil.temp<?x?xf32>) {
        %w = stencil.access %x[-1, 0] : !stencil.temp<?x?xf32>
        %e = stencil.access %x[1, 0] : !stencil.temp<?x?xf32>
        %s = arith.addf %w, %e : f32
        %h = arith.constant 5.000000e-01 : f32
        %v = arith.mulf %h, %s : f32
        stencil.return %v : f32
      }
      stencil.store %r to %out(<[0, 0], [64, 64]>) : !stencil.temp<?x?xf32>
                                                     to !stencil.field<[-4,68]x[-4,68]xf32>
      func.return
    }

becomes

    func.func @laplace(%0: !lstencil.grid<66x64xf32>) -> !lstencil.grid<66x64xf32> {
      %1 = lstencil.stencil [[-1, 0] = 0.5, [1, 0] = 0.5] : !lstencil.stencil<2>
      %2 = lstencil.apply %1 to %0 steps 1 : !lstencil.grid<66x64xf32>
      func.return %2 : !lstencil.grid<66x64xf32>
    }

**The body.** The value that `stencil.return` returns is folded symbolically into
``{offset: coefficient}``: `stencil.access` reads one point of the input; `arith.addf`,
`subf` and `negf` combine such reads; `arith.mulf` and `divf` scale them by constants.
Constants are `arith.constant`s and anything computed from constants alone: arithmetic,
casts (`sitofp`, `uitofp`, `extf`, `truncf`) and math functions such as `math.fpowi`, which
Devito writes for ``h_x**-2``; a scalar operand of the apply computed that way outside it is
a constant too. A constant is computed as the program computes it: from the values xDSL
holds (already rounded to their type), each op's result rounded to its own type, so one
that overflows that type (``300.0 * 300.0`` in f16) is refused. Scaling the read values
by constants is done in float64. Offsets whose coefficients cancel to exactly zero are
dropped. A product of two read values, a division by one, a math function of one, a
constant added to them (an affine stencil), a call, a comparison, a runtime scalar, a
second input, a non-finite constant: each is refused with a diagnostic on the offending
op. Inputs that the body never reads are ignored.

**The grid.** The output region is the box that `stencil.store` writes (or, for an apply
with `outs` destinations, its `to` bounds): ``[lb, ub)`` on each axis. The L0 grid is that
box widened by the stencil's radius r_a on each axis a, ``[lb - r, ub + r)``, so its
extent is ``ub - lb + 2r`` and its interior under the fixed boundary rule is exactly the box
the upstream program writes; the band of width r around it is what the program reads but
never writes. The input field must hold the widened box (else the program reads outside
it); the output field must hold the written box. Field points outside the widened box are
not part of the grid. The element type is the field's: f16, bf16 and f32 map to themselves;
others (f64 in xDSL's own tests) need the pass option `dtype`, e.g.
``convert-stencil-to-lstencil{dtype=f32}``, which sets the grid's storage type.

**Time steps.** An apply directly in the function body is one step. An apply inside an
`scf.for` with constant bounds that carries two fields and swaps them (reads the first,
writes the second, `scf.yield` the second then the first), as Devito writes a time loop, is
`steps` = the loop's trip count. The upstream band is whatever the written buffer held; L0
keeps the input's band, so the two agree when both buffers hold the same boundary values
(Dirichlet data), which is the reading this importer takes. A time loop that carries no
fields, as many hand-written programs do, applies the stencil to the fields of the function's
arguments in every iteration: if it writes the field it reads, each iteration is one step
further and `steps` is the trip count; if it writes another field, every iteration computes
the same output from the same input, so the loop is imported as ONE step, whatever its trip
count (at least one). Any other enclosing op is refused.

**What else.** Every function that holds an apply is converted; a function that holds two,
or an apply that returns several results, is refused. The function is replaced as a whole:
its signature becomes grid to grid, and ops that do not take part in the stencil (Devito's
timer calls, for example) are dropped; a second `stencil.store` in it is refused, since its
effect would be lost.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import NoReturn

from xdsl.context import Context
from xdsl.dialects import arith, builtin, func, scf, stencil
from xdsl.dialects.builtin import AnyFloat, FloatAttr, IntegerAttr, IntegerType, ModuleOp
from xdsl.ir import Attribute, BlockArgument, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter
from xdsl.utils.hints import isa

from sparse_stencil.dialects.lstencil import GridType, apply_function, element_storage
from sparse_stencil.dtypes import StorageType, storage_type
from sparse_stencil.passes.op_error import OpError, raise_at
from sparse_stencil.stencil import MAX_RADIUS, Offset, Stencil

Number = int | float


class StencilImportError(OpError):
    """An upstream stencil program that L0 cannot express, with the op at fault."""

    def __init__(self, op: Operation, reason: str) -> None:
        super().__init__(reason, op)


def _refuse(op: Operation, reason: str) -> NoReturn:
    raise_at(op, StencilImportError(op, reason))


@dataclass(frozen=True)
class ImportedStencil:
    """What the importer learned from one upstream `stencil.apply`."""

    stencil: Stencil
    shape: tuple[int, ...]
    """The L0 grid: the written box widened by the stencil's radius on each axis."""
    element_type: Attribute
    """The upstream fields' element type."""
    steps: int
    function: func.FuncOp
    """The function that holds the apply, which the pass replaces."""


@dataclass(frozen=True)
class _Linear:
    """A linear combination of points of the input: offset -> coefficient."""

    terms: dict[Offset, float]

    @staticmethod
    def checked(op: Operation, terms: dict[Offset, float]) -> _Linear:
        """The form with `terms`, which `op` computed; refused if one is not finite."""
        for coefficient in terms.values():
            _check_finite(op, coefficient)
        return _Linear(terms)

    def scaled(self, op: Operation, factor: float, divide: bool = False) -> _Linear:
        """This form times `factor` (or divided by it), as computed by `op`."""
        return _Linear.checked(
            op, {o: c / factor if divide else c * factor for o, c in self.terms.items()}
        )


_Value = Number | _Linear


def find_applies(module: ModuleOp) -> list[stencil.ApplyOp]:
    """Every upstream `stencil.apply` in `module`, in program order."""
    return [op for op in module.walk() if isinstance(op, stencil.ApplyOp)]


def import_apply(apply: stencil.ApplyOp) -> ImportedStencil:
    """The L0 view of `apply` and its surroundings; raises :class:`StencilImportError`."""
    input_index, terms = _linear_body(apply)
    function = _enclosing_function(apply)
    imported = Stencil(terms, name=function.sym_name.data)
    field, reader = _input_field(apply, input_index)
    output_field, box, writer = _output(apply)
    _check_single_store(function, writer)
    shape = _grid_shape(imported.radii, box, field, reader, output_field, writer)
    steps = _steps(apply, function, _root(field), _root(output_field))
    return ImportedStencil(imported, shape, _element_type(field, reader), steps, function)


# --- the body --------------------------------------------------------------------------


def _linear_body(apply: stencil.ApplyOp) -> tuple[int, dict[Offset, float]]:
    """The index of the apply's one input and the {offset: coefficient} its body returns."""
    results = max(len(apply.res), len(apply.dest))
    if results != 1:
        _refuse(apply, f"stencil.apply with {results} results is not supported; L0 has one")
    block = apply.region.block
    terminator = block.last_op
    assert isinstance(terminator, stencil.ReturnOp)  # the upstream verifier ensures it
    if terminator.unroll_factor != 1:
        _refuse(terminator, "stencil.return with unroll is not supported")
    returned = terminator.arg[0]
    body = _BodyFolder(apply)
    for op in _dependencies(returned, block.ops):
        body.fold(op)
    value = body.value_of(terminator, returned)
    if not isinstance(value, _Linear):
        _refuse(terminator, "the stencil returns a constant, not a combination of accessed values")
    terms = {o: c for o, c in value.terms.items() if c != 0.0}
    if not terms:
        _refuse(terminator, "every coefficient of the stencil cancels to zero")
    assert body.input_index is not None  # a linear form reads some input
    return body.input_index, terms


def _dependencies(value: SSAValue, ops: Iterable[Operation]) -> list[Operation]:
    """The ops of the body that `value` depends on, in program order."""
    needed: set[Operation] = set()
    pending = [value]
    while pending:
        owner = pending.pop().owner
        if isinstance(owner, Operation) and owner not in needed:
            needed.add(owner)
            pending.extend(owner.operands)
    return [op for op in ops if op in needed]


class _BodyFolder:
    """Folds the ops of a `stencil.apply` body, in order, into constants and linear forms."""

    def __init__(self, apply: stencil.ApplyOp) -> None:
        self.apply = apply
        self.values: dict[SSAValue, _Value] = {}
        self.input_index: int | None = None

    def value_of(self, user: Operation, value: SSAValue) -> _Value:
        if value in self.values:
            return self.values[value]
        if not isinstance(value, BlockArgument):
            # xDSL checks no dominance: a later op of the body (or `user` itself) defines it.
            _refuse(user, f"{user.name} uses {_name(value)} before its definition")
        constant = _constant_value(self.apply.args[value.index])
        if constant is not None:
            return constant
        _refuse(
            user,
            f"{user.name} uses argument #{value.index} of stencil.apply directly: a runtime "
            "value, not a constant (only stencil.access may read arguments)",
        )

    def fold(self, op: Operation) -> None:
        if isinstance(op, stencil.AccessOp):
            value: _Value = self._access(op)
        elif isinstance(op, stencil.StoreResultOp):
            if op.arg is None:
                _refuse(op, "stencil.store_result without a value is not supported")
            value = self.value_of(op, op.arg)
        elif isinstance(op, arith.ConstantOp):
            value = _constant(op)
        else:
            operands = [self.value_of(op, operand) for operand in op.operands]
            value = _fold_arithmetic(op, operands)
        self.values[op.results[0]] = value

    def _access(self, op: stencil.AccessOp) -> _Linear:
        mapping = op.offset_mapping
        if mapping is not None and tuple(mapping) != tuple(range(self.apply.get_rank())):
            _refuse(
                op, "stencil.access with an offset mapping (a lower-rank input) is not supported"
            )
        temp = op.temp
        assert isinstance(temp, BlockArgument)  # temps inside an apply are its arguments
        if self.input_index is None:
            self.input_index = temp.index
        if temp.index != self.input_index:
            _refuse(
                op,
                f"the stencil reads arguments #{self.input_index} and #{temp.index} of "
                "stencil.apply; L0 stencils read one grid",
            )
        offset = tuple(op.offset)
        if max(abs(o) for o in offset) > MAX_RADIUS:
            _refuse(op, f"offset {list(offset)} exceeds the supported radius {MAX_RADIUS}")
        return _Linear({offset: 1.0})


def _name(value: SSAValue) -> str:
    """How the program names `value`: ``%name``, or ``a value`` if the name is lost."""
    return f"%{value.name_hint}" if value.name_hint else "a value"


def _check_finite(op: Operation, value: Number) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        _refuse(op, f"{op.name} yields {value}; stencil coefficients must be finite")


def _constant(op: arith.ConstantOp) -> Number:
    attr = op.value
    if isinstance(attr, FloatAttr):
        value = float(attr.value.data)
        _check_finite(op, value)
        return value
    if isinstance(attr, IntegerAttr):
        return int(attr.value.data)
    _refuse(op, f"arith.constant of {attr.type} is not supported; use scalar constants")


def _constant_value(value: SSAValue, users: frozenset[Operation] = frozenset()) -> Number | None:
    """The value of `value` if it is computed from `arith.constant`s alone, else None.

    `users` are the ops whose operands are being computed: meeting one again means a value
    that depends on itself, which xDSL's parser builds from a use before the definition.
    """
    op = value.owner
    if isinstance(op, arith.ConstantOp):
        return _constant(op)
    if not isinstance(op, Operation) or not _folds(op):
        return None
    if op in users:
        _refuse(op, f"{op.name} uses {_name(value)} before its definition")
    operands: list[_Value] = []
    for operand in op.operands:
        constant = _constant_value(operand, users | {op})
        if constant is None:
            return None
        operands.append(constant)
    folded = _fold_arithmetic(op, operands)
    assert not isinstance(folded, _Linear)  # no operand is a linear form
    return folded


def _folds(op: Operation) -> bool:
    """Whether the importer can compute `op` (from constants, or on linear forms)."""
    return isinstance(op, _ARITHMETIC) or op.name in _CONSTANT_FUNCTIONS


_ARITHMETIC = (
    arith.AddfOp,
    arith.SubfOp,
    arith.MulfOp,
    arith.DivfOp,
    arith.NegfOp,
    arith.ExtFOp,
    arith.TruncFOp,
    arith.SIToFPOp,
    arith.UIToFPOp,
)


def _fold_arithmetic(op: Operation, operands: list[_Value]) -> _Value:
    """The value of one arithmetic op of the body, given its operands' values.

    A float computed from constants alone is rounded to the op's result type, as the program
    computes it, so a constant that overflows that type is refused.
    """
    value = _arithmetic(op, operands)
    return _round_to(op, value) if isinstance(value, float) else value


def _arithmetic(op: Operation, operands: list[_Value]) -> _Value:
    if isinstance(op, arith.AddfOp | arith.SubfOp):
        return _add(op, operands[0], operands[1], -1.0 if isinstance(op, arith.SubfOp) else 1.0)
    if isinstance(op, arith.MulfOp):
        return _multiply(op, operands[0], operands[1])
    if isinstance(op, arith.DivfOp):
        return _divide(op, operands[0], operands[1])
    if isinstance(op, arith.NegfOp):
        value = operands[0]
        return value.scaled(op, -1.0) if isinstance(value, _Linear) else -value
    if isinstance(op, arith.ExtFOp | arith.TruncFOp):
        value = operands[0]
        # A cast of read values is the storage rounding that L0 applies in its own way.
        return value if isinstance(value, _Linear) else float(value)
    if isinstance(op, arith.SIToFPOp | arith.UIToFPOp):
        return float(_integer_cast(op, operands[0]))
    if op.name in _CONSTANT_FUNCTIONS:
        return _constant_function(op, operands)
    _refuse(op, _unsupported_reason(op))


def _add(op: Operation, lhs: _Value, rhs: _Value, sign: float) -> _Value:
    if isinstance(lhs, _Linear) and isinstance(rhs, _Linear):
        terms = dict(lhs.terms)
        for offset, coefficient in rhs.terms.items():
            terms[offset] = terms.get(offset, 0.0) + sign * coefficient
        return _Linear.checked(op, terms)
    if isinstance(lhs, _Linear):
        assert not isinstance(rhs, _Linear)
        return _without_constant(op, rhs, lhs)
    if isinstance(rhs, _Linear):
        return _without_constant(op, lhs, rhs.scaled(op, sign))
    return float(lhs) + sign * float(rhs)


def _without_constant(op: Operation, constant: Number, linear: _Linear) -> _Linear:
    """`linear` plus `constant`, which must be zero: a stencil has no constant term."""
    if constant != 0.0:
        _refuse(
            op,
            f"affine stencil: {op.name} adds the constant {constant} to accessed values; "
            "only linear stencils are supported",
        )
    return linear


def _multiply(op: Operation, lhs: _Value, rhs: _Value) -> _Value:
    if isinstance(lhs, _Linear) and isinstance(rhs, _Linear):
        _refuse(op, "nonlinear stencil: arith.mulf multiplies two accessed values")
    if isinstance(lhs, _Linear):
        assert not isinstance(rhs, _Linear)
        return lhs.scaled(op, float(rhs))
    if isinstance(rhs, _Linear):
        return rhs.scaled(op, float(lhs))
    return float(lhs) * float(rhs)


def _divide(op: Operation, lhs: _Value, rhs: _Value) -> _Value:
    if isinstance(rhs, _Linear):
        _refuse(op, "nonlinear stencil: arith.divf divides by an accessed value")
    if float(rhs) == 0.0:
        _refuse(op, "arith.divf divides by zero; stencil coefficients must be finite")
    if isinstance(lhs, _Linear):
        return lhs.scaled(op, float(rhs), divide=True)
    return float(lhs) / float(rhs)


def _round_to(op: Operation, value: float) -> float:
    """`value` rounded to the type of `op`'s result, as the program does; f64 stays exact."""
    _check_finite(op, value)
    result_type = op.results[0].type
    storage = element_storage(result_type)
    rounded = value if storage is None else float(storage.round(value))
    if not math.isfinite(rounded):
        _refuse(
            op,
            f"{op.name} yields {value!r}, which overflows {result_type}; stencil coefficients "
            "must be finite",
        )
    return rounded


def _integer_cast(op: arith.SIToFPOp | arith.UIToFPOp, value: _Value) -> int:
    assert isinstance(value, int)  # sitofp and uitofp take integers
    input_type = op.input.type
    if isinstance(op, arith.UIToFPOp) and isinstance(input_type, IntegerType) and value < 0:
        return value + 2**input_type.bitwidth
    return value


_Unary = Callable[[Number], Number]
_Binary = Callable[[Number, Number], Number]

_CONSTANT_FUNCTIONS: dict[str, _Unary | _Binary] = {
    "math.fpowi": lambda base, power: float(base) ** int(power),
    "math.powf": math.pow,
    "math.sqrt": math.sqrt,
    "math.rsqrt": lambda x: 1.0 / math.sqrt(x),
    "math.cbrt": math.cbrt,
    "math.exp": math.exp,
    "math.exp2": lambda x: 2.0**x,
    "math.log": math.log,
    "math.log2": math.log2,
    "math.log10": math.log10,
    "math.sin": math.sin,
    "math.cos": math.cos,
    "math.tan": math.tan,
    "math.tanh": math.tanh,
    "math.absf": lambda x: abs(x),
    "math.copysign": math.copysign,
    "arith.maximumf": lambda a, b: max(a, b),
    "arith.minimumf": lambda a, b: min(a, b),
    "arith.addi": lambda a, b: a + b,
    "arith.subi": lambda a, b: a - b,
    "arith.muli": lambda a, b: a * b,
}
"""Ops that the importer folds when every operand is a constant."""


def _constant_function(op: Operation, operands: Sequence[_Value]) -> Number:
    if any(isinstance(value, _Linear) for value in operands):
        _refuse(op, f"nonlinear stencil: {op.name} of an accessed value")
    arguments = [value for value in operands if not isinstance(value, _Linear)]
    try:
        value = _CONSTANT_FUNCTIONS[op.name](*arguments)
    except (ValueError, ArithmeticError):
        shown = ", ".join(repr(a) for a in arguments)
        _refuse(op, f"{op.name}({shown}) is undefined or overflows")
    return value


def _unsupported_reason(op: Operation) -> str:
    if isinstance(op, func.CallOp):
        return (
            f"nonlinear stencil: the body calls @{op.callee.string_value()}, "
            "which the importer cannot see through"
        )
    if isinstance(op, arith.CmpfOp | arith.CmpiOp):
        return f"nonlinear stencil: the body compares values ({op.name})"
    return (
        f"{op.name} is not supported in a linear stencil body (expected arith constants, "
        "addf, subf, negf, mulf and divf by constants, casts, math functions of constants)"
    )


# --- the surroundings ------------------------------------------------------------------


def _enclosing_function(apply: stencil.ApplyOp) -> func.FuncOp:
    parent = apply.parent_op()
    while parent is not None and not isinstance(parent, func.FuncOp):
        parent = parent.parent_op()
    if parent is None:
        _refuse(apply, "stencil.apply must be inside a func.func")
    return parent


def _input_field(apply: stencil.ApplyOp, index: int) -> tuple[SSAValue, Operation]:
    """The field that the apply's input `index` comes from, and the op that reads it."""
    operand = apply.args[index]
    if isinstance(operand.owner, stencil.LoadOp):
        return operand.owner.field, operand.owner
    if isinstance(operand.type, stencil.FieldType):
        return operand, apply
    _refuse(
        apply,
        f"input #{index} of stencil.apply must be a field or come from stencil.load, "
        f"not from {_producer(operand)}",
    )


def _producer(value: SSAValue) -> str:
    return value.owner.name if isinstance(value.owner, Operation) else "a block argument"


def _output(apply: stencil.ApplyOp) -> tuple[SSAValue, stencil.StencilBoundsAttr, Operation]:
    """The field the apply's result goes to, the box written there, and the op that writes."""
    if apply.dest:
        assert apply.bounds is not None  # the upstream verifier ensures it
        return apply.dest[0], apply.bounds, apply
    uses = list(apply.res[0].uses)
    store = uses[0].operation if len(uses) == 1 else None
    if not isinstance(store, stencil.StoreOp):
        _refuse(apply, "the result of stencil.apply must be written by exactly one stencil.store")
    return store.field, store.bounds, store


def _check_single_store(function: func.FuncOp, writer: Operation) -> None:
    for op in function.walk():
        if isinstance(op, stencil.StoreOp | stencil.ExternalStoreOp) and op is not writer:
            _refuse(
                op,
                f"@{function.sym_name.data} writes a second field; the importer takes one "
                "stencil.apply and its one store per function",
            )


def _root(field: SSAValue) -> SSAValue:
    """The value a field comes from, through `stencil.cast` and `stencil.external_load`."""
    seen: set[Operation] = set()
    while isinstance(op := field.owner, stencil.CastOp | stencil.ExternalLoadOp):
        if op in seen:  # a cast of its own result, which xDSL's parser lets through
            _refuse(op, f"{op.name} uses {_name(field)} before its definition")
        seen.add(op)
        field = op.operands[0]
    return field


def _grid_shape(
    radii: tuple[int, ...],
    box: stencil.StencilBoundsAttr,
    field: SSAValue,
    reader: Operation,
    output_field: SSAValue,
    writer: Operation,
) -> tuple[int, ...]:
    """The written box widened by the radii, checked against the fields that hold it."""
    lower, upper = tuple(box.lb), tuple(box.ub)
    if len(lower) != len(radii):
        _refuse(writer, f"the stencil has rank {len(radii)} but writes a box of rank {len(lower)}")
    grid = ([lo - r for lo, r in zip(lower, radii)], [up + r for up, r in zip(upper, radii)])
    _check_holds(
        reader, field, grid, "the L0 grid {} (the written box widened by the stencil's radii)"
    )
    _check_holds(writer, output_field, (list(lower), list(upper)), "the written box {}")
    return tuple(up - lo + 2 * r for lo, up, r in zip(lower, upper, radii))


def _element_type(field: SSAValue, reader: Operation) -> Attribute:
    field_type = field.type
    assert isa(field_type, stencil.FieldType[Attribute])  # loads and apply operands are fields
    element_type = field_type.element_type
    if not isinstance(element_type, AnyFloat):
        _refuse(reader, f"element type {element_type} is not a scalar float")
    return element_type


def _check_holds(
    op: Operation, field: SSAValue, box: tuple[list[int], list[int]], what: str
) -> None:
    field_type = field.type
    assert isinstance(field_type, stencil.FieldType)  # stores and destinations are fields
    bounds = field_type.bounds
    if not isinstance(bounds, stencil.StencilBoundsAttr):
        _refuse(op, f"the field's bounds are unknown ({field.type}); cast it to a sized field")
    lower, upper = list(bounds.lb), list(bounds.ub)
    if any(lo < f for lo, f in zip(box[0], lower)) or any(up > f for up, f in zip(box[1], upper)):
        _refuse(
            op,
            what.format(_box(box[0], box[1]))
            + f" is not inside the field's bounds {_box(lower, upper)}",
        )


def _box(lower: Sequence[int], upper: Sequence[int]) -> str:
    return "x".join(f"[{lo},{up}]" for lo, up in zip(lower, upper))


def _steps(apply: stencil.ApplyOp, function: func.FuncOp, read: SSAValue, written: SSAValue) -> int:
    parent = apply.parent_op()
    if parent is function:
        _check_arguments(apply, function, read, written)
        return 1
    if isinstance(parent, scf.ForOp) and parent.parent_op() is function:
        if not parent.body.block.args[1:]:
            _check_arguments(apply, function, read, written)
            return _uncarried_loop_steps(parent, read, written)
        return _time_loop_steps(parent, read, written)
    assert parent is not None  # the apply is inside `function`
    _refuse(
        parent,
        f"stencil.apply inside {parent.name} is not supported; expected it in the function "
        "body or in one time loop (scf.for) there",
    )


def _check_arguments(
    apply: stencil.ApplyOp, function: func.FuncOp, read: SSAValue, written: SSAValue
) -> None:
    """Refuse fields that do not come from `function`'s arguments: L0 has no other grids."""
    if not all(root in function.args for root in (read, written)):
        _refuse(apply, f"the stencil's fields must be arguments of @{function.sym_name.data}")


def _uncarried_loop_steps(loop: scf.ForOp, read: SSAValue, written: SSAValue) -> int:
    """The steps of a time loop that carries no fields: it reads and writes the function's.

    Writing the field it reads, each iteration is one step further; writing another, each
    recomputes the same output from the same input, which is one step.
    """
    trips = _trip_count(loop)
    return trips if read is written else 1


def _time_loop_steps(loop: scf.ForOp, read: SSAValue, written: SSAValue) -> int:
    """The trip count of a time loop that swaps the field it reads and the one it writes."""
    carried: list[SSAValue] = list(loop.body.block.args[1:])
    if len(carried) != 2:
        _refuse(
            loop,
            f"a time loop must carry no fields or two, this one carries {len(carried)}",
        )
    if read not in carried or written not in carried or read is written:
        _refuse(loop, "a time loop must read one carried field and write the other")
    terminator = loop.body.block.last_op
    assert isinstance(terminator, scf.YieldOp)  # the scf verifier ensures it
    yielded = [_root(value) for value in terminator.operands]
    if yielded[carried.index(read)] is not written or yielded[carried.index(written)] is not read:
        _refuse(
            terminator,
            "a time loop must swap its fields: yield the written one in place of the read one",
        )
    return _trip_count(loop)


def _trip_count(loop: scf.ForOp) -> int:
    """How many times `loop` runs; refused unless that is a known positive number."""
    bounds = [_constant_value(v) for v in (loop.lb, loop.ub, loop.step)]
    lower, upper, step = (b if isinstance(b, int) else None for b in bounds)
    if lower is None or upper is None or step is None:
        _refuse(loop, "the time loop's bounds and step must be constants")
    if step <= 0:
        _refuse(loop, f"the time loop's step must be positive, got {step}")
    trips = max(0, -((lower - upper) // step))
    if trips == 0:
        _refuse(loop, "the time loop runs 0 times")
    return trips


# --- the pass --------------------------------------------------------------------------


def _replace_function(imported: ImportedStencil, storage: StorageType) -> None:
    function = imported.function
    replacement = apply_function(
        function.sym_name.data,
        imported.stencil,
        GridType.of(imported.shape, storage),
        imported.steps,
        function.sym_visibility,
    )
    Rewriter.replace_op(function, replacement)


def _storage(imported: ImportedStencil, dtype: StorageType | None) -> StorageType:
    """`dtype` if given, else the storage type of the upstream element type."""
    storage = dtype or element_storage(imported.element_type)
    if storage is not None:
        return storage
    function = imported.function
    _refuse(
        function,
        f"@{function.sym_name.data} computes in {imported.element_type}, which L0 grids "
        "cannot store (f16, bf16, f32); choose one with convert-stencil-to-lstencil{dtype=f32}",
    )


def _one_per_function(applies: Sequence[stencil.ApplyOp]) -> None:
    seen: dict[func.FuncOp, stencil.ApplyOp] = {}
    for apply in applies:
        function = _enclosing_function(apply)
        if function in seen:
            _refuse(
                apply,
                f"@{function.sym_name.data} holds a second stencil.apply; the importer takes "
                "one per function",
            )
        seen[function] = apply


@dataclass(frozen=True)
class ConvertStencilToLStencilPass(ModulePass):
    """Replaces each function holding an upstream `stencil.apply` with its L0 equivalent.

    See the module docstring for the rules; note that a time loop that carries no fields and
    stores into another field than it loads is ONE step, whatever its trip count, since every
    iteration computes the same output. Example (`-p convert-stencil-to-lstencil`):

        %r = stencil.apply(%x = %t : !stencil.temp<?xf32>) -> (!stencil.temp<?xf32>) {
          %a = stencil.access %x[-1] : !stencil.temp<?xf32>
          %b = stencil.access %x[1] : !stencil.temp<?xf32>
          %s = arith.addf %a, %b : f32
          stencil.return %s : f32
        }
        stencil.store %r to %out(<[0], [62]>) : !stencil.temp<?xf32> to !stencil.field<[-1,63]xf32>

    becomes, in a function on `!lstencil.grid<64xf32>`,

        %s = lstencil.stencil [[-1] = 1.0, [1] = 1.0] : !lstencil.stencil<1>
        %y = lstencil.apply %s to %x steps 1 : !lstencil.grid<64xf32>
    """

    name = "convert-stencil-to-lstencil"

    dtype: str | None = None
    """Storage type of the L0 grids (f16, bf16, f32); default: the upstream element type."""

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        dtype = storage_type(self.dtype) if self.dtype is not None else None
        applies = find_applies(op)
        _one_per_function(applies)
        # Analyse everything before rewriting anything, so a refusal leaves the module intact.
        imported = [import_apply(apply) for apply in applies]
        storages = [_storage(each, dtype) for each in imported]
        for each, storage in zip(imported, storages, strict=True):
            _replace_function(each, storage)
