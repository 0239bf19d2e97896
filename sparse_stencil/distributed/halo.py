"""What a rank exchanges, as xDSL's `dmp` dialect declares it.

The exchanges of a subdomain are ``#dmp.exchange`` attributes in the subdomain's local frame
(:class:`~sparse_stencil.distributed.decomposition.Subdomain`): each names the halo box it
receives (``at`` offset, ``size``), the ``source offset`` that moves that box onto the core
box it sends in return, and the neighbour, as an offset in the topology. The pass
``distribute-lstencil`` writes them into ``dmp.swap`` ops, and the runtime
(:mod:`~sparse_stencil.distributed.exchange`) sends and receives exactly these boxes, so the
IR and the messages come from one function, :func:`exchange_declarations`.

Which neighbours: the halo box toward direction s (-1, 0 or 1 per axis) is exchanged only if
the core's values after k steps can depend on it: k applications of the stencil reach an
offset whose sign is s_a on every axis where s_a is not 0. :func:`exchange_directions`
keeps a direction when every such axis has an offset of that sign and there are at most
k times as many such axes as the most axes any one offset moves along. That is exact for
stars (faces only at k = 1; edges from k = 2, corners of a 3-D grid from k = 3) and boxes
(every neighbour), and never drops a needed box; an unneeded one costs a message, not
correctness.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import product

from xdsl.dialects import builtin, stencil
from xdsl.dialects.experimental import dmp
from xdsl.ir import Attribute

from sparse_stencil.distributed.decomposition import Box, Subdomain
from sparse_stencil.stencil import Stencil

Direction = tuple[int, ...]
"""An offset in the topology: -1, 0 or 1 per axis, not all 0."""


def exchange_directions(stencil: Stencil, steps_per_exchange: int) -> tuple[Direction, ...]:
    """The neighbour directions whose halo boxes the core's values after
    `steps_per_exchange` steps depend on: faces first, then edges, then corners, each in
    lexicographic order."""
    widest = max(sum(1 for o in offset if o) for offset in stencil.offsets)
    reach = widest * steps_per_exchange
    needed = [
        direction
        for direction in product((-1, 0, 1), repeat=stencil.dims)
        if any(direction)
        and sum(1 for d in direction if d) <= reach
        and all(
            any(o[axis] * d > 0 for o in stencil.offsets) for axis, d in enumerate(direction) if d
        )
    ]
    return tuple(sorted(needed, key=lambda d: sum(1 for s in d if s)))


def exchange_declarations(
    subdomain: Subdomain, directions: Sequence[Direction]
) -> tuple[dmp.ExchangeDeclarationAttr, ...]:
    """The exchanges of `subdomain` toward each of `directions` where it has a neighbour.

    Toward direction s the rank receives, on each axis a, its low halo if s_a = -1, its
    high halo if s_a = 1, its core's extent if s_a = 0; it sends the box of the same size
    moved by ``-s_a * size_a`` into its core, which is the neighbour's halo toward -s.
    """
    declarations: list[dmp.ExchangeDeclarationAttr] = []
    for direction in directions:
        if not subdomain.has_neighbour(direction):
            continue
        received = receive_box(subdomain, direction)
        sizes = [stop - start for start, stop in received]
        declarations.append(
            dmp.ExchangeDeclarationAttr(
                offset=[start for start, _ in received],
                size=sizes,
                source_offset=[-d * n for d, n in zip(direction, sizes, strict=True)],
                neighbor=direction,
            )
        )
    return tuple(declarations)


def receive_box(subdomain: Subdomain, direction: Direction) -> Box:
    """The halo box, in the local frame, that the neighbour toward `direction` fills."""
    return tuple(
        (-lo, 0) if d < 0 else (n, n + hi) if d > 0 else (0, n)
        for d, lo, n, hi in zip(
            direction, subdomain.lower, subdomain.core, subdomain.upper, strict=True
        )
    )


def declared_box(offset: Sequence[int], size: Sequence[int]) -> Box:
    """The box an exchange declaration's `offset` and `size` describe."""
    return tuple((o, o + n) for o, n in zip(offset, size, strict=True))


def strategy(topology: Sequence[int], diagonals: bool) -> dmp.DomainDecompositionStrategy:
    """The `dmp` strategy attribute of a `topology`: ``#dmp.grid_slice_3d`` for three axes,
    ``#dmp.grid_slice_2d`` otherwise (xDSL 0.74 has no one-axis strategy, so a 1-D grid on
    p ranks is written with the topology ``p x 1``, as xDSL writes lower-rank fields).
    `diagonals` says whether edges and corners are exchanged too."""
    kind = dmp.GridSlice3dAttr if len(topology) == 3 else dmp.GridSlice2dAttr
    shape = tuple(topology) if len(topology) > 1 else (topology[0], 1)
    return kind.new((dmp.RankTopoAttr(shape), builtin.BoolAttr.from_bool(diagonals)))


def shape_attr(subdomain: Subdomain) -> dmp.ShapeAttr:
    """``#dmp.shape_with_halo``: the buffer's and the core's bounds in the local frame."""
    return dmp.ShapeAttr.from_index_attrs(
        buff_lb=[start for start, _ in subdomain.buffer_bounds],
        core_lb=[0] * len(subdomain.core),
        core_ub=subdomain.core,
        buff_ub=[stop for _, stop in subdomain.buffer_bounds],
    )


def temp_type(subdomain: Subdomain, element_type: Attribute) -> stencil.TempType[Attribute]:
    """``!stencil.temp`` over the subdomain's buffer, in the local frame: the type that
    ``dmp.swap`` exchanges."""
    bounds = subdomain.buffer_bounds
    return stencil.TempType(
        stencil.StencilBoundsAttr(
            stencil.IndexAttr.from_indices(*(start for start, _ in bounds)),
            stencil.IndexAttr.from_indices(*(stop for _, stop in bounds)),
        ),
        element_type,
    )
