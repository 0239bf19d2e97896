"""`sparse-stencil-opt`: xDSL's modular optimizer driver with our dialects and passes.

It accepts every `xdsl-opt` option. Our dialects and passes come through the `xdsl.universe`
entry point, beside xDSL's own. Errors in the input (a missing file, a parse error, a failed
verification or pass) are printed as diagnostics, without a Python traceback, with exit code 1.
"""

from __future__ import annotations

import sys
from typing import IO

from xdsl.xdsl_opt_main import xDSLOptMain

from sparse_stencil.tools.diagnostics import exit_on_user_error


class SparseStencilOptMain(xDSLOptMain):
    """`xdsl-opt` that reads any file name as MLIR, since our tests use `.mlir` and `.test`."""

    version_format = "sparse-stencil-opt built on xdsl {xdsl_version}"

    def get_input_stream(self) -> tuple[IO[bytes], str]:
        stream, file_extension = super().get_input_stream()
        if file_extension not in self.available_frontends:
            file_extension = "mlir"
        return stream, file_extension


def main(argv: list[str] | None = None) -> None:
    """Run the optimizer on the command line's arguments."""
    with exit_on_user_error():
        SparseStencilOptMain(
            description="sparse-stencil modular optimizer driver", args=argv
        ).run()


if __name__ == "__main__":
    sys.exit(main())
