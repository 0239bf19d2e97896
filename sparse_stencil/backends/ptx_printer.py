"""PTX text from a module of `ptx` ops, and the xDSL target `-t ptx`.

    >>> text = print_ptx(module, arch="sm_90")  # doctest: +SKIP

On the command line, ``sparse-stencil-opt kernel.mlir -t ptx`` (or ``-t 'ptx{arch=sm_90}'``)
prints the same text.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import StringIO
from typing import IO

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.utils.target import Target

from sparse_stencil.dialects.ptx import PTXPrinter
from sparse_stencil.errors import StencilError

ARCHITECTURES = ("sm_80", "sm_90")
"""The targets we emit for: both have the sparse tensor cores that `mma.sp` drives."""

PTX_VERSION = "8.5"
"""The first PTX ISA with `mma.sp::ordered_metadata`."""


def print_ptx(module: ModuleOp, arch: str = "sm_80") -> str:
    """The PTX module that `module` (`ptx.global` and `ptx.entry` ops) stands for.

    Raises :class:`StencilError` for an unsupported `arch` or an op that is not PTX, and
    xDSL's `VerifyException` if the module does not verify.
    """
    if arch not in ARCHITECTURES:
        raise StencilError(
            f"unsupported PTX target '{arch}': choose one of {', '.join(ARCHITECTURES)}"
        )
    module.verify()
    stream = StringIO()
    printer = PTXPrinter(stream)
    printer.print_string(f".version {PTX_VERSION}\n.target {arch}\n.address_size 64\n")
    printer.print_module(module)
    return stream.getvalue()


@dataclass(frozen=True)
class PTXTarget(Target):
    """`-t ptx`: print the module as PTX for `arch` (`-t 'ptx{arch=sm_90}'`)."""

    name = "ptx"

    arch: str = "sm_80"

    def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
        output.write(print_ptx(module, self.arch))
