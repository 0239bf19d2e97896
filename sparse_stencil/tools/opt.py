"""`sparse-stencil-opt`: xDSL's modular optimizer driver with our dialects and passes.

It accepts every `xdsl-opt` option. Our dialects and passes come through the `xdsl.universe`
entry point, beside xDSL's own. Errors in the input (a missing file, a parse error, a failed
verification or pass) are printed as diagnostics, without a Python traceback, with exit code 1.
"""

from __future__ import annotations

import sys
from typing import IO

from xdsl.dialects.builtin import ModuleOp
from xdsl.xdsl_opt_main import xDSLOptMain

from sparse_stencil.frontend import LocatingParser
from sparse_stencil.tools.diagnostics import exit_on_user_error


class SparseStencilOptMain(xDSLOptMain):
    """`xdsl-opt` that reads any file name as MLIR and records where each op starts.

    The source positions let pass diagnostics name `file:line:column`.
    """

    version_format = "sparse-stencil-opt built on xdsl {xdsl_version}"

    def get_input_stream(self) -> tuple[IO[bytes], str]:
        stream, file_extension = super().get_input_stream()
        if file_extension not in self.available_frontends:
            file_extension = "mlir"
        return stream, file_extension

    def parse_chunk(
        self, chunk: IO[bytes], file_extension: str, start_offset: int = 0
    ) -> ModuleOp | None:
        if self.args.frontend not in (None, "mlir"):
            return super().parse_chunk(chunk, file_extension, start_offset)
        parser = LocatingParser(
            self.ctx, chunk.read().decode(), self.get_input_name(), start_offset
        )
        return parser.parse_module(not self.args.no_implicit_module)


def main(argv: list[str] | None = None) -> None:
    """Run the optimizer on the command line's arguments."""
    with exit_on_user_error():
        SparseStencilOptMain(description="sparse-stencil modular optimizer driver", args=argv).run()


if __name__ == "__main__":
    sys.exit(main())
