"""The SASS instruction mix of a kernel: ptxas's cubin disassembled by cuobjdump or nvdisasm.

``cuobjdump -sass kernel.cubin`` (or ``nvdisasm kernel.cubin``) prints one instruction per
line as ``/*0a10*/  @P0 HMMA.SP.16832.F32 R48, R12, ... ;``: an address comment, an optional
guard predicate and the opcode with its modifiers. :func:`instruction_mix` counts the
opcodes into :data:`GROUPS`. The tools come from ``$CUOBJDUMP``/``$NVDISASM``, ``PATH``,
NVIDIA's pip wheels (the ``sass`` extra: ``nvidia-cuda-cuobjdump``,
``nvidia-cuda-nvdisasm``) or ``$CUDA_HOME/bin``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from sparse_stencil.backends import ptxas
from sparse_stencil.bench.errors import BenchError
from sparse_stencil.compiler import Kernel

GROUPS = ("HMMA.SP", "HMMA", "LDSM", "LDS", "LDG", "STS", "STG", "LDL", "STL")
"""The opcode groups counted: sparse and dense tensor-core MMAs, ldmatrix, shared loads,
global loads, shared and global stores, and local-memory (spill) loads and stores."""
TOOLS = ("cuobjdump", "nvdisasm")
_ARGUMENTS = {"cuobjdump": ("-sass",), "nvdisasm": ()}
_WHEEL_DIRECTORIES = ("nvidia/cu13/bin", "nvidia/cuda_cuobjdump/bin", "nvidia/cuda_nvdisasm/bin")
_OPCODE = re.compile(r"^\s*/\*[0-9a-f]+\*/\s+(?:@!?U?P[0-9T]+\s+)?([A-Z][A-Z0-9_.]*)", re.M)


def find_tool() -> Path | None:
    """cuobjdump, else nvdisasm, from the places the module docstring lists; None if neither."""
    for tool in TOOLS:
        explicit = os.environ.get(tool.upper())
        if explicit and Path(explicit).is_file():
            return Path(explicit)
        found = shutil.which(tool) or _wheel_tool(tool)
        if found:
            return Path(found)
        cuda_home = os.environ.get("CUDA_HOME") or os.environ.get("CUDA_PATH")
        if cuda_home and (Path(cuda_home) / "bin" / tool).is_file():
            return Path(cuda_home) / "bin" / tool
    return None


def unavailable_reason() -> str | None:
    """Why no SASS can be had here, or None."""
    if ptxas.unavailable_reason() is not None:
        return f"no SASS without ptxas: {ptxas.unavailable_reason()}"
    if find_tool() is None:
        return (
            "neither cuobjdump nor nvdisasm found: pip install 'sparse-stencil[sass]', or put "
            "the CUDA toolkit's bin on PATH"
        )
    return None


def sass_summary(kernel: Kernel) -> dict[str, int]:
    """The kernel's instruction mix: a count per group of :data:`GROUPS`, and ``total``
    (every SASS instruction). Raises :class:`BenchError` when the tools are missing."""
    reason = unavailable_reason()
    tool = find_tool()
    if reason is not None or tool is None:
        raise BenchError(reason or "no SASS disassembler")
    cubin = ptxas.assemble(kernel.ptx, kernel.arch).cubin
    return instruction_mix(disassemble(tool, cubin))


def disassemble(tool: Path, cubin: bytes) -> str:
    """The SASS text of `cubin`."""
    with tempfile.TemporaryDirectory(prefix="sparse-stencil-sass-") as directory:
        path = Path(directory) / "kernel.cubin"
        path.write_bytes(cubin)
        command = [str(tool), *_ARGUMENTS.get(tool.name, ()), str(path)]
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise BenchError(f"{tool.name} failed on the cubin: {completed.stderr.strip()}")
    return completed.stdout


def instruction_mix(sass: str) -> dict[str, int]:
    """Counts per opcode group (see :func:`sass_summary`) of the SASS text `sass`."""
    opcodes = _OPCODE.findall(sass)
    counts = Counter(_group(opcode) for opcode in opcodes)
    return {**{group: counts[group] for group in GROUPS}, "total": len(opcodes)}


def _group(opcode: str) -> str | None:
    parts = opcode.split(".")
    if parts[0] == "HMMA" and "SP" in parts[1:]:
        return "HMMA.SP"
    return parts[0] if parts[0] in GROUPS else None


def _wheel_tool(tool: str) -> str | None:
    for directory in {Path(p) for p in sys.path if p.endswith("site-packages")}:
        for relative in _WHEEL_DIRECTORIES:
            candidate = directory / relative / tool
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
    return None
