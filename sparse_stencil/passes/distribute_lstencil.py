"""Domain decomposition of `lstencil.apply` over MPI ranks, written with xDSL's `dmp` dialect.

``distribute-lstencil{topology=2,2 steps-per-exchange=1}`` replaces a function that applies
a stencil to its grid argument by one function per rank of the topology, each stepping that
rank's subdomain (:mod:`sparse_stencil.distributed.decomposition`): its core and a halo of
``radius x steps-per-exchange`` points toward each neighbour, none at the global grid's
edges. Every `steps-per-exchange` steps the function exchanges the halo with a ``dmp.swap``
and then applies the stencil that many times to the whole buffer::

    func.func @apply_1_0(%0 : !lstencil.grid<13x20xf16>) -> !lstencil.grid<13x20xf16>
        attributes {coordinates = array<i64: 1, 0>, origin = array<i64: 12, 0>,
                    subdomain = #dmp.shape_with_halo<[-1, 0, 12, 12]x[0, 0, 20, 20]>} {
      %s = lstencil.stencil [...] : !lstencil.stencil<2>
      %r = scf.for %i = %c0 to %c3 step %c1 iter_args(%g = %0) -> (!lstencil.grid<13x20xf16>) {
        %t = builtin.unrealized_conversion_cast %g
            : !lstencil.grid<13x20xf16> to !stencil.temp<[-1,12]x[0,20]xf16>
        %u = "dmp.swap"(%t) <{strategy = #dmp.grid_slice_2d<#dmp.topo<2x1>, false>, swaps = [
            #dmp.exchange<at [-1, 0] size [1, 20] source offset [1, 0] to [-1, 0]>]}> : ...
        %h = builtin.unrealized_conversion_cast %u
            : !stencil.temp<[-1,12]x[0,20]xf16> to !lstencil.grid<13x20xf16>
        %n = lstencil.apply %s to %h steps 1 : !lstencil.grid<13x20xf16>
        scf.yield %n : !lstencil.grid<13x20xf16>
      }
      func.return %r : !lstencil.grid<13x20xf16>
    }

The buffer is a ``!stencil.temp`` in the subdomain's local frame (core from 0, halo at
negative indices), the type ``dmp.swap`` takes; unrealized casts move between it and our
grid type. Applying the stencil to the whole buffer holds its outer band fixed, which is
the global fixed band at a global edge and stale halo at an inner one; the core is exact
after the steps (see the decomposition module). The exchange declarations come from
:func:`~sparse_stencil.distributed.halo.exchange_declarations`, the function that the MPI
runtime sends and receives by. The input function must take the grid, apply one stencil to
it and return the result, as ``Stencil.to_mlir`` writes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, builtin, func, scf
from xdsl.dialects.experimental import dmp
from xdsl.ir import Block, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from sparse_stencil.dialects import lstencil
from sparse_stencil.distributed.decomposition import Decomposition, Subdomain
from sparse_stencil.distributed.halo import (
    Direction,
    exchange_declarations,
    exchange_directions,
    shape_attr,
    strategy,
    temp_type,
)
from sparse_stencil.errors import StencilError
from sparse_stencil.passes.layout_applies import refuse


@dataclass(frozen=True)
class DistributeLStencilPass(ModulePass):
    """Splits every stencil-applying function into one function per rank of `topology`,
    exchanging halos with ``dmp.swap``."""

    name = "distribute-lstencil"

    topology: tuple[int, ...]
    """Ranks per axis of the grid."""
    steps_per_exchange: int = 1
    """Steps between halo exchanges; the halo is this many times the radius wide."""

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        applies = [o for o in op.walk() if isinstance(o, lstencil.ApplyOp)]
        plans = [self._plan(apply) for apply in applies]
        for apply, (decomposition, directions) in zip(applies, plans, strict=True):
            function = apply.parent_op()
            assert isinstance(function, func.FuncOp)
            definition = apply.stencil.owner
            assert isinstance(definition, lstencil.StencilOp)
            Rewriter.insert_op(
                [
                    _subdomain_function(
                        function.sym_name.data,
                        definition,
                        apply,
                        decomposition,
                        subdomain,
                        directions,
                    )
                    for subdomain in decomposition.subdomains()
                ],
                InsertPoint.before(function),
            )
            Rewriter.erase_op(function)

    def _plan(self, apply: lstencil.ApplyOp) -> tuple[Decomposition, tuple[Direction, ...]]:
        """The decomposition of `apply`'s grid and the directions it exchanges toward;
        refuses an apply not in the expected function, or a topology that does not fit."""
        _check_function(apply)
        definition = apply.stencil.owner
        assert isinstance(definition, lstencil.StencilOp)
        stencil = definition.to_stencil()
        try:
            decomposition = Decomposition.of(
                stencil, apply.grid_type.dims, self.topology, self.steps_per_exchange
            )
        except StencilError as error:
            refuse(apply, str(error))
        return decomposition, exchange_directions(stencil, self.steps_per_exchange)


def _check_function(apply: lstencil.ApplyOp) -> None:
    """Refuse `apply` unless its function takes the grid, applies a stencil defined there
    to it and returns the result, and does nothing else."""
    function = apply.parent_op()
    if (
        not isinstance(function, func.FuncOp)
        or apply.input not in function.args
        or not isinstance(apply.stencil.owner, lstencil.StencilOp)
        or len(function.body.block.ops) != 3
        or not isinstance(function.body.block.last_op, func.ReturnOp)
        or tuple(function.body.block.last_op.arguments) != (apply.output,)
    ):
        refuse(
            apply,
            "distribute-lstencil takes a function that applies a stencil to its grid "
            "argument and returns the result, and nothing else",
        )


def _subdomain_function(
    name: str,
    definition: lstencil.StencilOp,
    apply: lstencil.ApplyOp,
    decomposition: Decomposition,
    subdomain: Subdomain,
    directions: tuple[Direction, ...],
) -> func.FuncOp:
    """The function `@name_<coordinates>` that steps `subdomain`'s buffer."""
    grid = lstencil.GridType(subdomain.buffer_shape, apply.grid_type.element_type)
    function = func.FuncOp(f"{name}_{'_'.join(map(str, subdomain.coords))}", ((grid,), (grid,)))
    function.attributes.update(
        {
            "coordinates": builtin.DenseArrayBase.from_list(builtin.i64, subdomain.coords),
            "origin": builtin.DenseArrayBase.from_list(builtin.i64, subdomain.origin),
            "subdomain": shape_attr(subdomain),
        }
    )
    swap = _Swap(
        subdomain,
        grid,
        strategy(decomposition.topology, any(sum(map(abs, d)) > 1 for d in directions)),
        exchange_declarations(subdomain, directions),
    )
    body = function.body.block
    stencil = definition.clone()
    body.add_op(stencil)
    k = decomposition.steps_per_exchange
    rounds, remainder = divmod(apply.steps.data, k)
    value: SSAValue = function.args[0]
    if rounds:
        value = _round_loop(body, swap, stencil, value, rounds, k)
    if remainder:
        value = swap.round(body, stencil, value, remainder)
    body.add_op(func.ReturnOp(value))
    return function


@dataclass(frozen=True)
class _Swap:
    """How a subdomain's round starts: its grid as a ``!stencil.temp``, swapped."""

    subdomain: Subdomain
    grid: lstencil.GridType
    strategy: dmp.DomainDecompositionStrategy
    swaps: tuple[dmp.ExchangeDeclarationAttr, ...]

    def round(
        self, block: Block, stencil: lstencil.StencilOp, value: SSAValue, steps: int
    ) -> SSAValue:
        """Append to `block` the exchange of `value`'s halo (when it has neighbours) and
        `steps` applications of `stencil`; returns the result."""
        if self.swaps:
            temp = temp_type(self.subdomain, self.grid.element_type)
            into = builtin.UnrealizedConversionCastOp.get([value], [temp])
            swap = dmp.SwapOp.get(into.results[0], self.strategy, builtin.ArrayAttr(self.swaps))
            assert swap.swapped_values is not None
            back = builtin.UnrealizedConversionCastOp.get([swap.swapped_values], [self.grid])
            block.add_ops([into, swap, back])
            value = back.results[0]
        step = lstencil.ApplyOp(stencil.result, value, steps)
        block.add_op(step)
        return step.output


def _round_loop(
    block: Block,
    swap: _Swap,
    stencil: lstencil.StencilOp,
    value: SSAValue,
    rounds: int,
    steps: int,
) -> SSAValue:
    """Append an ``scf.for`` of `rounds` rounds of `steps` steps each; returns its result."""
    bounds: list[Operation] = [
        arith.ConstantOp.from_int_and_width(n, builtin.IndexType()) for n in (0, rounds, 1)
    ]
    body = Block(arg_types=[builtin.IndexType(), swap.grid])
    result = swap.round(body, stencil, body.args[1], steps)
    body.add_op(scf.YieldOp(result))
    loop = scf.ForOp(bounds[0], bounds[1], bounds[2], [value], body)
    block.add_ops([*bounds, loop])
    return loop.results[0]
