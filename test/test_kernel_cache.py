"""The disk cache of compiled kernels: hits skip the compile work, keys cover every input,
clear_cache empties it, SPARSE_STENCIL_CACHE=0 turns it off."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from sparse_stencil import Stencil, catalog, compiler
from sparse_stencil.backends import ptxas
from sparse_stencil.kernel.geometry import BlockLayout
from sparse_stencil.runtime import cache
from sparse_stencil.runtime.cache import CompileOptions, cache_key, clear_cache

HEAT = catalog.get("heat-1d")
SHAPE = (64,)


@pytest.fixture(autouse=True)
def cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(cache.CACHE_DIR_ENV, str(tmp_path))
    monkeypatch.delenv(cache.CACHE_SWITCH_ENV, raising=False)
    return tmp_path


def forbid_compile_work(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("a cache hit must not search layouts or run ptxas")

    monkeypatch.setattr(compiler, "choose", fail)
    monkeypatch.setattr(ptxas, "assemble", fail)


def entries(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if not p.name.startswith(".")]


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
def test_a_hit_rebuilds_the_kernel_without_compiling(
    dtype: str, cache_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = compiler.compile(HEAT, SHAPE, dtype, cache=True)
    assert len(entries(cache_folder)) == 1
    assert "cached" not in first.stats
    forbid_compile_work(monkeypatch)
    hit = compiler.compile(HEAT, SHAPE, dtype, cache=True)
    assert hit.stats.pop("cached") is True
    assert (hit.ptx, hit.entry, hit.shape, hit.storage, hit.arch) == (
        first.ptx,
        first.entry,
        first.shape,
        first.storage,
        first.arch,
    )
    assert hit.geometry == first.geometry
    assert hit.launch == first.launch
    assert hit.halo == first.halo
    assert {k: v for k, v in hit.stats.items() if k != "compile_seconds"} == {
        k: v for k, v in first.stats.items() if k != "compile_seconds"
    }
    x = np.random.default_rng(0).integers(-8, 9, SHAPE).astype(float)
    np.testing.assert_array_equal(hit.emulate(x, 3), first.emulate(x, 3))


def test_compile_leaves_the_cache_alone_by_default(cache_folder: Path) -> None:
    compiler.compile(HEAT, SHAPE, assemble=False)
    assert not cache_folder.exists() or not any(cache_folder.iterdir())


def test_the_key_changes_with_every_input() -> None:
    base = CompileOptions()
    variants = [
        (HEAT, SHAPE, base),
        (HEAT, (65,), base),
        (Stencil(dict(zip(HEAT.offsets, HEAT.coefficients, strict=True)), "other"), SHAPE, base),
        (Stencil({(-1,): 1.0, (0,): -2.0, (1,): 1.0000000000000002}, HEAT.name), SHAPE, base),
        (HEAT, SHAPE, replace(base, dtype="bfloat16")),
        (HEAT, SHAPE, replace(base, arch="sm_90")),
        (HEAT, SHAPE, replace(base, sparsity="dense")),
        (HEAT, SHAPE, replace(base, tile=(12,))),
        (HEAT, SHAPE, replace(base, block=BlockLayout(1, 1, (8,)))),
        (HEAT, SHAPE, replace(base, block=BlockLayout(1, 1, (8,), pad=2))),
        (HEAT, SHAPE, replace(base, assemble=False)),
        (HEAT, SHAPE, replace(base, profile=True)),
    ]
    keys = [cache_key(stencil, shape, options) for stencil, shape, options in variants]
    assert len(set(keys)) == len(keys)
    assert cache_key(HEAT, [64], replace(base, dtype="f16")) == keys[0], "aliases agree"


def test_the_key_follows_the_package_source(monkeypatch: pytest.MonkeyPatch) -> None:
    before = cache_key(HEAT, SHAPE, CompileOptions())
    monkeypatch.setattr(cache, "source_fingerprint", lambda: "edited")
    assert cache_key(HEAT, SHAPE, CompileOptions()) != before


def test_clear_cache(cache_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    compiler.compile(HEAT, SHAPE, assemble=False, cache=True)
    compiler.compile(HEAT, SHAPE, "float32", assemble=False, cache=True)
    unrelated = cache_folder / "notes.txt"
    unrelated.write_text("kept")
    assert clear_cache() == 2
    assert list(cache_folder.iterdir()) == [unrelated]
    forbid_compile_work(monkeypatch)
    with pytest.raises(AssertionError, match="must not search"):
        compiler.compile(HEAT, SHAPE, assemble=False, cache=True)


def test_clear_cache_without_a_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.CACHE_DIR_ENV, str(tmp_path / "absent"))
    assert clear_cache() == 0


@pytest.mark.parametrize("value", ["0", "false", "OFF", "no"])
def test_disabled_by_the_environment(
    value: str, cache_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(cache.CACHE_SWITCH_ENV, value)
    kernel = compiler.compile(HEAT, SHAPE, assemble=False, cache=True)
    assert "cached" not in kernel.stats
    assert not any(cache_folder.iterdir())


def test_the_default_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(cache.CACHE_DIR_ENV)
    assert cache.cache_dir() == Path.home() / ".cache" / "sparse-stencil"


def test_a_damaged_entry_is_recompiled(cache_folder: Path) -> None:
    first = compiler.compile(HEAT, SHAPE, assemble=False, cache=True)
    (entry,) = entries(cache_folder)
    (entry / "choice.pickle").write_bytes(b"not a pickle")
    again = compiler.compile(HEAT, SHAPE, assemble=False, cache=True)
    assert "cached" not in again.stats
    assert again.ptx == first.ptx
    hit = compiler.compile(HEAT, SHAPE, assemble=False, cache=True)
    assert hit.stats["cached"] is True


def test_an_unwritable_folder_only_warns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv(cache.CACHE_DIR_ENV, str(blocker / "cache"))
    with pytest.warns(UserWarning, match="cannot write the kernel cache"):
        kernel = compiler.compile(HEAT, SHAPE, assemble=False, cache=True)
    assert kernel.ptx
