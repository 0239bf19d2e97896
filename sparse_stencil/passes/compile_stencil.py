"""The whole pipeline as one pass: each `lstencil.apply` becomes a PTX kernel and its launch.

For every apply, the kernel search (:func:`sparse_stencil.compiler.choose`) runs what the
separate passes do (``morph-stencil-layout``, ``convert-structured-sparsity`` on the sparse
path, ``lower-layout-to-mma``) with one difference that only a whole-pipeline pass can make:
L1 offers several output tiles and the kernel's cost model picks among them, together with
the block layout. The kernels are then lowered to `ptx` (``lower-mma-to-ptx``), so that

    sparse-stencil-opt heat.mlir -p 'compile-stencil{arch=sm_90}' -t 'ptx{arch=sm_90}'

prints the PTX module. The host function stays, each apply replaced by an `mma.launch`.
Every apply is analysed before any is rewritten, so a refusal leaves the module as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from xdsl.context import Context
from xdsl.dialects import builtin
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from sparse_stencil.dialects import lstencil, mma
from sparse_stencil.errors import StencilError
from sparse_stencil.kernel.search import KernelChoice
from sparse_stencil.passes.layout_applies import refuse
from sparse_stencil.passes.lower_layout_to_mma import (
    block_option,
    check_arch,
    fresh_kernel_name,
    kernel_op,
)
from sparse_stencil.passes.lower_mma_to_ptx import LowerMmaToPtxPass


@dataclass(frozen=True)
class CompileStencilPass(ModulePass):
    """Compiles every `lstencil.apply` into a `ptx.entry` and an `mma.launch` of it."""

    name = "compile-stencil"

    arch: str = "sm_80"
    """Target: sm_80 or sm_90."""
    sparsity: Literal["sparse", "dense"] = "sparse"
    """`mma.sp` on the converted matrix, or `mma.sync` on the morphed one (the baseline)."""
    tile: tuple[int, ...] | None = None
    """Force L1's output tile (extents per axis)."""
    block: tuple[int, ...] | None = None
    """Force the block layout: warps, groups per warp, then tiles per axis of a group."""
    k_order: Literal["auto", "densest", "pairs", "runs"] = "auto"
    """How K is ordered (B operands loaded): the cost model's pick (auto), the densest 2:4
    conversion, 32-bit pairs or 16-byte runs (:func:`sparse_stencil.compiler.compile`)."""
    compute: str | None = None
    """How f32 grids multiply: tf32 (the default), split-f16 or split-bf16
    (:mod:`sparse_stencil.kernel.precision`); refused for 16-bit grids."""
    fuse_steps: int | None = None
    """Steps per launch (temporal fusion, :mod:`sparse_stencil.kernel.fusion`); the cost
    model's choice unless given."""

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        from sparse_stencil.compiler import choose

        arch = check_arch(self.arch)
        block = block_option(self.block)
        applies = [o for o in op.walk() if isinstance(o, lstencil.ApplyOp)]
        choices: list[KernelChoice] = []
        for apply in applies:
            definition = apply.source.owner
            assert isinstance(definition, lstencil.StencilOp)
            try:
                choices.append(
                    choose(
                        definition.to_stencil(),
                        apply.grid_type.dims,
                        apply.grid_type.storage,
                        arch,
                        self.sparsity,
                        self.tile,
                        block,
                        self.k_order,
                        self.compute,
                        self.fuse_steps,
                    )
                )
            except StencilError as error:
                refuse(apply, str(error))
        for apply, choice in zip(applies, choices, strict=True):
            name = fresh_kernel_name(op)
            Rewriter.insert_op(
                kernel_op(name, apply.grid_type, choice), InsertPoint.at_start(op.body.block)
            )
            Rewriter.replace_op(apply, mma.LaunchOp(name, apply.input, apply.steps.data))
        for stencil in [o for o in op.walk() if isinstance(o, lstencil.StencilOp)]:
            if not stencil.result.uses:
                Rewriter.erase_op(stencil)
        LowerMmaToPtxPass().apply(ctx, op)
