"""Assembling PTX with NVIDIA's ``ptxas``, to check that emitted PTX is accepted by the real tool.

``ptxas`` is looked for, in order: ``$PTXAS`` (a path to the binary), ``ptxas`` on ``PATH``, the
``nvidia-cuda-nvcc`` pip wheel in the running Python's site-packages (CUDA 13 wheels put it at
``nvidia/cu13/bin/ptxas``, CUDA 12 wheels at ``nvidia/cuda_nvcc/bin/ptxas``), and
``$CUDA_HOME/bin/ptxas``. No GPU is needed.

>>> result = assemble(ptx_text, arch="sm_80")  # doctest: +SKIP
>>> result.warnings
[]

Tests use :func:`unavailable_reason` to skip with a clear reason where there is no ptxas.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sparse_stencil.errors import StencilError

_WHEEL_LOCATIONS = ("nvidia/cu13/bin/ptxas", "nvidia/cuda_nvcc/bin/ptxas")


class PtxasError(StencilError):
    """ptxas is missing, or it rejected the PTX (the message holds its first error line)."""


@dataclass(frozen=True)
class AssembleResult:
    """A successful assembly: the cubin, ptxas's warnings (one per line), its full output and
    the command that ran it."""

    cubin: bytes
    warnings: list[str]
    output: str
    command: list[str]


def _site_directories() -> list[Path]:
    directories = [Path(p) for p in site.getsitepackages() if p]
    user = site.getusersitepackages()
    if user:
        directories.append(Path(user))
    directories.append(Path(sysconfig.get_paths()["purelib"]))
    directories += [Path(p) for p in sys.path if p.endswith("site-packages")]
    return directories


@cache
def find_ptxas() -> Path | None:
    """The ptxas binary to use, or None when there is none."""
    explicit = os.environ.get("PTXAS")
    if explicit and Path(explicit).is_file():
        return Path(explicit)
    on_path = shutil.which("ptxas")
    if on_path:
        return Path(on_path)
    for directory in _site_directories():
        for relative in _WHEEL_LOCATIONS:
            candidate = directory / relative
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return candidate
    cuda_home = os.environ.get("CUDA_HOME") or os.environ.get("CUDA_PATH")
    if cuda_home and (Path(cuda_home) / "bin" / "ptxas").is_file():
        return Path(cuda_home) / "bin" / "ptxas"
    return None


def unavailable_reason() -> str | None:
    """Why ptxas cannot be used here (for ``pytest.skip``), or None when it can."""
    if find_ptxas() is not None:
        return None
    return (
        "ptxas not found: install the CUDA toolkit (ptxas on PATH), or "
        "'pip install nvidia-cuda-nvcc', or set PTXAS to the binary"
    )


def version() -> str:
    """ptxas's version line, e.g. ``Cuda compilation tools, release 13.0, V13.0.88``."""
    binary = _require()
    output = subprocess.run(
        [str(binary), "--version"], capture_output=True, text=True, check=False
    ).stdout
    lines = [line for line in output.splitlines() if "release" in line]
    return lines[-1].strip() if lines else output.strip()


def _require() -> Path:
    binary = find_ptxas()
    if binary is None:
        raise PtxasError(unavailable_reason() or "ptxas not found")
    return binary


def assemble(
    ptx_text: str, arch: str = "sm_80", extra_args: tuple[str, ...] = ()
) -> AssembleResult:
    """Assemble `ptx_text` for `arch`; raises :class:`PtxasError` if ptxas rejects it.

    The result's ``warnings`` lists ptxas's warning and advisory lines (an empty list is what
    the compiler's own output must give).
    """
    binary = _require()
    with tempfile.TemporaryDirectory(prefix="sparse-stencil-ptxas-") as directory:
        source = Path(directory) / "kernel.ptx"
        target = Path(directory) / "kernel.cubin"
        source.write_text(ptx_text)
        command = [str(binary), f"-arch={arch}", *extra_args, str(source), "-o", str(target)]
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
        output = (completed.stdout + completed.stderr).replace(str(source), "kernel.ptx")
        if completed.returncode != 0:
            lines = output.strip().splitlines()
            errors = [line for line in lines if "error" in line.lower()]
            first = errors[0] if errors else (lines[-1] if lines else "(no output)")
            raise PtxasError(f"ptxas -arch={arch} rejected the PTX: {first.strip()}")
        warnings = [
            line.strip()
            for line in output.splitlines()
            if "warning" in line.lower() or "advisory" in line.lower()
        ]
        return AssembleResult(target.read_bytes(), warnings, output, command)
