"""A disk cache of compiled kernels, as CuPy and Triton keep one.

``compile(..., cache=True)`` looks the kernel up here first; a hit skips the layout search,
the lowering and ptxas, and rebuilds the :class:`~sparse_stencil.compiler.Kernel` from the
entry. An entry is a folder named by the key, holding ``kernel.ptx`` (the module's text),
``meta.json`` (its entry name and stats) and ``choice.pickle`` (the
:class:`~sparse_stencil.kernel.search.KernelChoice`: tile, GEMM, geometry and cost, which
:attr:`Kernel.geometry <sparse_stencil.compiler.Kernel.geometry>`, ``.launch``,
``.emulate`` and ``.profile`` need). Entries are written to a temporary folder and renamed
into place, so concurrent compiles never see half an entry. Being pickles, entries are
trusted: keep the folder private, as ``~/.cache`` is.

The key is a SHA-256 of everything the kernel depends on: the stencil's name, offsets and
coefficients (exact ``repr``), the grid shape, storage type, arch, every compile option,
the ptxas binary (path, size and time, when assembling), the package version, and a hash of
the package's source files, so an edited checkout never reads a stale kernel.

The folder is ``$SPARSE_STENCIL_CACHE_DIR``, else ``~/.cache/sparse-stencil``;
``SPARSE_STENCIL_CACHE=0`` (or ``false``, ``no``, ``off``) turns the cache off;
:func:`clear_cache` empties it.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import os
import pickle
import re
import shutil
import tempfile
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import sparse_stencil
from sparse_stencil.backends import ptxas
from sparse_stencil.compiler import Kernel, Sparsity, compile
from sparse_stencil.dtypes import StorageType, storage_type
from sparse_stencil.kernel.geometry import BlockLayout
from sparse_stencil.kernel.search import KernelChoice
from sparse_stencil.stencil import Stencil

CACHE_DIR_ENV = "SPARSE_STENCIL_CACHE_DIR"
CACHE_SWITCH_ENV = "SPARSE_STENCIL_CACHE"
_OFF = ("0", "false", "no", "off")
_ENTRY = re.compile(r"[0-9a-f]{64}|\.tmp-.*")
_UNREADABLE = (
    OSError,
    ValueError,
    KeyError,
    TypeError,
    EOFError,
    AttributeError,
    ImportError,
    pickle.UnpicklingError,
)
"""What reading a missing, partial or outdated entry raises."""


@dataclass(frozen=True)
class CompileOptions:
    """The options of :func:`~sparse_stencil.compiler.compile` besides stencil and shape."""

    dtype: str = "float16"
    arch: str = "sm_80"
    sparsity: Sparsity = "sparse"
    tile: Sequence[int] | None = None
    block: BlockLayout | None = None
    assemble: bool = True
    profile: bool = False
    k_order: str = "auto"
    path: str = "tensor-core"
    compute: str | None = None
    fuse_steps: int | None = None


def cache_dir() -> Path:
    """The cache folder: ``$SPARSE_STENCIL_CACHE_DIR`` or ``~/.cache/sparse-stencil``."""
    configured = os.environ.get(CACHE_DIR_ENV)
    return Path(configured) if configured else Path.home() / ".cache" / "sparse-stencil"


def cache_enabled() -> bool:
    """False when ``SPARSE_STENCIL_CACHE`` is 0, false, no or off."""
    return os.environ.get(CACHE_SWITCH_ENV, "1").strip().lower() not in _OFF


def cached_compile(stencil: Stencil, shape: Sequence[int], options: CompileOptions) -> Kernel:
    """The kernel from the cache, else compiled (without the cache) and stored."""
    if not cache_enabled():
        return _compile(stencil, shape, options)
    start = time.perf_counter()
    key = cache_key(stencil, shape, options)
    kernel = load(key, stencil, shape, storage_type(options.dtype), options.arch)
    if kernel is None:
        kernel = _compile(stencil, shape, options)
        store(key, kernel)
        return kernel
    kernel.stats["compile_seconds"] = time.perf_counter() - start
    kernel.stats["cached"] = True
    return kernel


def cache_key(stencil: Stencil, shape: Sequence[int], options: CompileOptions) -> str:
    """The SHA-256 (hex) of everything a kernel compiled with `options` depends on."""
    points = tuple(zip(stencil.offsets, stencil.coefficients, strict=True))
    fields = {
        "stencil": (stencil.name, points),
        "shape": tuple(int(n) for n in shape),
        "dtype": storage_type(options.dtype).name,
        "arch": options.arch,
        "sparsity": options.sparsity,
        "tile": None if options.tile is None else tuple(int(t) for t in options.tile),
        "block": options.block,
        "assemble": options.assemble,
        "ptxas": _ptxas_identity() if options.assemble else None,
        "profile": options.profile,
        "k_order": options.k_order,
        "path": options.path,
        "compute": options.compute,
        "fuse_steps": options.fuse_steps,
        "version": _package_version(),
        "source": source_fingerprint(),
    }
    return hashlib.sha256(repr(sorted(fields.items())).encode()).hexdigest()


def load(
    key: str, stencil: Stencil, shape: Sequence[int], storage: StorageType, arch: str
) -> Kernel | None:
    """The kernel stored under `key`, rebuilt for `stencil`; None if absent or unreadable."""
    folder = cache_dir() / key
    try:
        ptx = (folder / "kernel.ptx").read_text()
        meta = json.loads((folder / "meta.json").read_text())
        choice = pickle.loads((folder / "choice.pickle").read_bytes())
        entry, stats = str(meta["entry"]), dict(meta["stats"])
        if not isinstance(choice, KernelChoice):
            raise TypeError(f"{folder} holds a {type(choice).__name__}, not a KernelChoice")
    except _UNREADABLE:
        shutil.rmtree(folder, ignore_errors=True)  # a partial or outdated entry: recompile
        return None
    shape = tuple(int(n) for n in shape)
    return Kernel(stencil, shape, storage, arch, ptx, entry, choice, stats)


def store(key: str, kernel: Kernel) -> None:
    """Write `kernel` under `key` (atomically; a failure to write only warns)."""
    root = cache_dir()
    try:
        root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
    except OSError as error:
        warnings.warn(
            f"sparse-stencil: cannot write the kernel cache {root}: {error}", stacklevel=2
        )
        return
    try:
        (staging / "kernel.ptx").write_text(kernel.ptx)
        meta = {"entry": kernel.entry, "stats": kernel.stats}
        (staging / "meta.json").write_text(json.dumps(meta, indent=1))
        (staging / "choice.pickle").write_bytes(pickle.dumps(kernel.choice))
        staging.replace(root / key)
    except OSError:
        pass  # a concurrent compile stored the same entry first, or the disk is full
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def clear_cache() -> int:
    """Remove every entry (and leftover temporary folder) of the cache; returns how many."""
    root = cache_dir()
    if not root.is_dir():
        return 0
    removed = 0
    for path in root.iterdir():
        if path.is_dir() and _ENTRY.fullmatch(path.name):
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    return removed


@functools.cache
def source_fingerprint() -> str:
    """SHA-256 of the package's Python sources (paths and contents), computed once."""
    package = Path(sparse_stencil.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _compile(stencil: Stencil, shape: Sequence[int], options: CompileOptions) -> Kernel:
    return compile(
        stencil,
        shape,
        options.dtype,
        options.arch,
        sparsity=options.sparsity,
        tile=options.tile,
        block=options.block,
        assemble=options.assemble,
        profile=options.profile,
        k_order=options.k_order,  # pyright: ignore[reportArgumentType]
        path=options.path,  # pyright: ignore[reportArgumentType]
        cache=False,
        compute=options.compute,
        fuse_steps=options.fuse_steps,
    )


def _package_version() -> str:
    version = getattr(sparse_stencil, "__version__", None)
    if isinstance(version, str):
        return version
    try:
        return importlib.metadata.version("sparse-stencil")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _ptxas_identity() -> tuple[str, int, int] | None:
    """The ptxas binary that assembling would use: path, size and modification time."""
    binary = ptxas.find_ptxas()
    if binary is None:
        return None
    status = binary.stat()
    return str(binary), status.st_size, status.st_mtime_ns
