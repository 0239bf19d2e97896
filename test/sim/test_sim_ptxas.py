"""sparse_stencil.backends.ptxas: finding ptxas, assembling, reporting rejections."""

from __future__ import annotations

from pathlib import Path

import pytest
from sim_cases import kernel_text

from sparse_stencil.backends import ptxas

needs_ptxas = pytest.mark.skipif(
    ptxas.unavailable_reason() is not None, reason=ptxas.unavailable_reason() or ""
)


def test_missing_ptxas_gives_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ptxas, "find_ptxas", lambda: None)
    reason = ptxas.unavailable_reason()
    assert reason is not None
    assert "nvidia-cuda-nvcc" in reason
    with pytest.raises(ptxas.PtxasError, match="ptxas not found"):
        ptxas.assemble(kernel_text("vector_add.ptx"))


@needs_ptxas
def test_rejection_names_the_error() -> None:
    text = kernel_text("vector_add.ptx").replace("add.f32", "add.f33")
    with pytest.raises(ptxas.PtxasError, match=r"rejected the PTX: .*line \d+; error"):
        ptxas.assemble(text)


@needs_ptxas
def test_advisories_are_returned_as_warnings() -> None:
    """Plain mma.sp draws ptxas's advisory to use ::ordered_metadata."""
    text = kernel_text("mma_sp_f16.ptx").replace("mma.sp::ordered_metadata", "mma.sp")
    result = ptxas.assemble(text, arch="sm_80")
    assert len(result.warnings) == 4
    assert all("ordered_metadata" in warning for warning in result.warnings)


@needs_ptxas
def test_sm90_and_version() -> None:
    assert ptxas.assemble(kernel_text("stencil2d_sp.ptx"), arch="sm_90").warnings == []
    assert "release" in ptxas.version()


@pytest.mark.parametrize("layout", ["nvidia/cu13/bin/ptxas", "nvidia/cuda_nvcc/bin/ptxas"])
def test_ptxas_found_in_the_pip_wheel_layout(
    layout: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no ptxas on PATH, the nvidia-cuda-nvcc wheel's binary in site-packages is used."""
    binary = tmp_path / layout
    binary.parent.mkdir(parents=True)
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    monkeypatch.delenv("PTXAS", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(ptxas, "_site_directories", lambda: [tmp_path])
    ptxas.find_ptxas.cache_clear()
    try:
        assert ptxas.find_ptxas() == binary
    finally:
        ptxas.find_ptxas.cache_clear()
