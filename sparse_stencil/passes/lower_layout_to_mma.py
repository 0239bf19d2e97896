"""Lower L1 to L2: each `sparse_layout.apply` becomes an `mma.kernel` and an `mma.launch`.

A converted layout (`sparse_layout.sparse_gemm`) runs on the sparse tensor cores (`mma.sp`,
2:4 for f16 and bf16 grids, tf32 1:2 for f32 grids); a morphed one (`sparse_layout.gemm`)
on the dense ones (`mma.sync`), which is the baseline that isolates what sparsity gains. The
block layout is searched (:mod:`sparse_stencil.kernel.search`) for the grid's shape and the
`arch` option, or forced with ``block=W,G,A0,A1,...`` (warps, groups per warp, tiles per
axis of a group). The coefficients are rounded to the compute type here; one that overflows
it or underflows to zero is refused at its layout. The pass analyses every apply before it
rewrites any, so a refusal leaves the module as it was.

    %y = sparse_layout.apply %l to %x steps 4 : !lstencil.grid<64x64xf16>

becomes ``mma.kernel @kernel_0 grid !lstencil.grid<64x64xf16> ... { ... }`` at the top of
the module and

    %y = mma.launch @kernel_0(%x) steps 4 : !lstencil.grid<64x64xf16>
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import builtin
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from sparse_stencil.backends.ptx_printer import ARCHITECTURES
from sparse_stencil.dialects import mma, ptx, sparse_layout
from sparse_stencil.dialects.lstencil import GridType
from sparse_stencil.errors import StencilError
from sparse_stencil.kernel.geometry import BlockLayout
from sparse_stencil.kernel.instruction import instruction_for
from sparse_stencil.kernel.numerics import round_coefficients
from sparse_stencil.kernel.precision import mode_of
from sparse_stencil.kernel.search import KernelChoice, choose_block
from sparse_stencil.kernel.tables import fragment_table, thread_table
from sparse_stencil.layout.matching import SparseGemm
from sparse_stencil.passes.layout_applies import refuse


def kernel_op(name: str, grid: GridType, choice: KernelChoice) -> mma.KernelOp:
    """The L2 kernel of a chosen layout: its phases with their tables."""
    geometry = choice.geometry
    threads = thread_table(choice.layout, geometry)
    body = [
        mma.StageOp(geometry),
        mma.TileProductOp(
            choice.steps,
            fragment_table(choice.layout, choice.instruction, geometry).reshape(-1).tolist(),
            threads[:, 0].tolist(),
        ),
        mma.StoreOp(threads[:, 4:].reshape(-1).tolist()),
    ]
    split = mode_of(choice.instruction, geometry.planes) if geometry.planes > 1 else None
    return mma.KernelOp(name, grid, geometry, choice.instruction, body, split)


def check_arch(arch: str) -> str:
    """`arch` if it is a supported target."""
    if arch not in ARCHITECTURES:
        raise StencilError(f"unsupported arch '{arch}': expected one of {', '.join(ARCHITECTURES)}")
    return arch


def block_option(values: tuple[int, ...] | None) -> BlockLayout | None:
    """The block layout ``(warps, groups, *arrangement)`` of a pass option."""
    if values is None:
        return None
    if len(values) < 3:
        raise StencilError(
            f"block={','.join(map(str, values))} must give warps, groups and the tiles per "
            "axis of a group"
        )
    return BlockLayout(values[0], values[1], tuple(values[2:]))


def choose_for(apply: sparse_layout.ApplyOp, arch: str, block: BlockLayout | None) -> KernelChoice:
    """The kernel layout of one apply; raises :class:`StencilError` when there is none."""
    definition = apply.layout.owner
    assert isinstance(definition, sparse_layout.LayoutOp)
    layout = definition.to_layout()
    grid = apply.grid_type
    instruction = instruction_for(grid.storage, isinstance(layout, SparseGemm))
    gemm = layout.gemm() if isinstance(layout, SparseGemm) else layout
    round_coefficients(gemm.stencil(), instruction)
    if block is not None and len(block.arrangement) != len(grid.dims):
        raise StencilError(
            f"block arrangement {list(block.arrangement)} needs one extent per axis of "
            f"the rank-{len(grid.dims)} grid"
        )
    return choose_block(layout, instruction, grid.dims, arch, block, fuse=1)


@dataclass(frozen=True)
class LowerLayoutToMmaPass(ModulePass):
    """Replaces each `sparse_layout.apply` by an `mma.launch` of a new `mma.kernel`."""

    name = "lower-layout-to-mma"

    arch: str = "sm_80"
    """Target whose limits the block layout must meet: sm_80 or sm_90."""
    block: tuple[int, ...] | None = None
    """Force a block layout: warps, groups per warp, then tiles per axis of a group."""

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        arch = check_arch(self.arch)
        block = block_option(self.block)
        applies = [o for o in op.walk() if isinstance(o, sparse_layout.ApplyOp)]
        choices: list[KernelChoice] = []
        for apply in applies:
            try:
                choices.append(choose_for(apply, arch, block))
            except StencilError as error:
                refuse(apply, str(error))
        for apply, choice in zip(applies, choices, strict=True):
            name = fresh_kernel_name(op)
            kernel = kernel_op(name, apply.grid_type, choice)
            Rewriter.insert_op(kernel, InsertPoint.at_start(op.body.block))
            Rewriter.replace_op(apply, mma.LaunchOp(name, apply.input, apply.steps.data))
        for layout in [o for o in op.walk() if isinstance(o, sparse_layout.LayoutOp)]:
            if not layout.result.uses:
                Rewriter.erase_op(layout)


def fresh_kernel_name(module: builtin.ModuleOp) -> str:
    """``kernel_N`` with the first N that no kernel of `module` is named with yet."""
    taken = {o.sym_name.data for o in module.body.ops if isinstance(o, mma.KernelOp | ptx.EntryOp)}
    index = 0
    while f"kernel_{index}" in taken:
        index += 1
    return f"kernel_{index}"
