"""`sparse-stencil-opt`: xDSL's modular optimizer driver with our dialects and passes.

It accepts every `xdsl-opt` option. Our dialects and passes come through the `xdsl.universe`
entry point, beside xDSL's own. Errors in the input (a missing file, a parse error, a failed
verification or pass) and in the pipeline (an unknown pass or option, with the nearest names;
a malformed `-p`; an option value of the wrong type) are printed as one diagnostic, without
a Python traceback, with exit code 1. Ctrl-C exits with 130, a closed output pipe quietly.
"""

from __future__ import annotations

import dataclasses
import difflib
import sys
from collections.abc import Iterable
from typing import IO

from xdsl.dialects.builtin import ModuleOp
from xdsl.utils.arg_spec import ArgSpec, parse_pipeline
from xdsl.xdsl_opt_main import xDSLOptMain

from sparse_stencil.errors import StencilError
from sparse_stencil.frontend import LocatingParser
from sparse_stencil.tools.diagnostics import exit_on_user_error


class PipelineError(StencilError):
    """A `-p` pipeline that names an unknown pass or option, or gives a value of a wrong type."""


class SparseStencilOptMain(xDSLOptMain):
    """`xdsl-opt` that reads any file name as MLIR and records where each op starts.

    The source positions let pass diagnostics name `file:line:column`. The pipeline is
    checked pass by pass before xDSL builds it, whose own errors there are bare Python ones.
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

    def setup_pipeline(self) -> None:
        """xDSL's pipeline, after checking each pass of `-p` and its options."""
        for spec in parse_pipeline(self.args.passes):
            self._check_pass(spec)
        super().setup_pipeline()

    def _check_pass(self, spec: ArgSpec) -> None:
        """Refuse an unknown pass or option, or an option value of the wrong type."""
        factory = self.available_passes.get(spec.name)
        if factory is None:
            hint = _near(spec.name, self.available_passes, "`sparse-stencil-opt --help` lists them")
            raise PipelineError(f"unknown pass {spec.name!r}{hint}")
        pass_class = factory()
        options = [f.name.replace("_", "-") for f in dataclasses.fields(pass_class) if f.init]
        for given in spec.parameters:
            if given.replace("_", "-") not in options:
                hint = _near(given, options, f"its options are {', '.join(options) or 'none'}")
                raise PipelineError(f"{spec.name} has no option {given!r}{hint}")
        try:
            pass_class.from_pass_spec(spec)
        except ValueError as error:  # xDSL's report of a value of the wrong type
            raise PipelineError(f"{spec}: {error}") from error


def _near(name: str, known: Iterable[str], otherwise: str) -> str:
    """A hint for the unknown `name`: the nearest of the `known` names, else `otherwise`."""
    near = difflib.get_close_matches(name, list(known), n=3, cutoff=0.6)
    return f"; did you mean {', '.join(near)}?" if near else f"; {otherwise}"


def main(argv: list[str] | None = None) -> None:
    """Run the optimizer on the command line's arguments."""
    with exit_on_user_error():
        SparseStencilOptMain(description="sparse-stencil modular optimizer driver", args=argv).run()


if __name__ == "__main__":
    sys.exit(main())
