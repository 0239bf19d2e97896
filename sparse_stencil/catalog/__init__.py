"""The stencil catalog: every benchmark stencil of the field, plus stencils from science.

>>> from sparse_stencil import catalog
>>> catalog.get("heat-2d").name
'star2d1r'
>>> catalog.entry("star2d1r").domain
'benchmark'

Each entry (:class:`CatalogEntry`) has an id, aliases, a :class:`Stencil` named after the id,
a domain, the source of its coefficients, and a one-line description.

**Ids.** Lowercase, in three families:

* benchmark kernels (:mod:`.benchmarks`): AN5D's ``{star|box|cross}{d}d{r}r``, e.g.
  ``star2d1r``, ``box3d4r``, ``star1d7r``; AN5D's and EBISU's irregular Jacobi kernels keep
  the ``j{d}d{n}pt`` form (``j2d9pt-gol``, ``j3d17pt``, ``j3d19pt``); a peer's own weights on
  a shape of the table get ``<shape id>-<peer>`` (``star2d1r-ebisu``), its own name as alias
  (``2d5pt``);
* physics and numerics (:mod:`.scientific`): ``{operator}{d}d-{variant}``, where ``o{p}`` is
  the order of accuracy (``laplace3d-o8``, ``wave3d-o16``, ``advect1d-lax-wendroff``,
  ``poisson3d-19pt``);
* image filters: ``{filter}{size}[-{axis}]`` with sizes ``NxN`` or ``NxNxN`` and the axis a
  gradient runs along, x being the innermost (``gaussian5x5``, ``sobel-x``, ``sobel3x3x3-x``).

**Lookup** by id or alias ignores case, hyphens, underscores and spaces, so the names the
peers use find their entries (FlashFFTStencil's ``Box2D9P`` is ``box-2d9p``, cuDNN's
``box3d27p`` is ``box-3d27p``). An unknown name raises
:class:`~sparse_stencil.errors.StencilError` that suggests the nearest names; AN5D's
``gradient2d`` is known but raises too, because it is nonlinear.

The catalog holds at least 79 distinct kernels (as many as SparStencil evaluates), no two of
them equal up to a scale factor.
"""

from __future__ import annotations

import difflib
from functools import cache

from sparse_stencil.catalog.benchmarks import EXCLUDED, benchmark_entries
from sparse_stencil.catalog.entry import DOMAINS, CatalogEntry
from sparse_stencil.catalog.scientific import scientific_entries
from sparse_stencil.errors import StencilError
from sparse_stencil.stencil import Stencil

__all__ = ["DOMAINS", "CatalogEntry", "aliases", "entries", "entry", "get", "names"]


def names() -> list[str]:
    """The ids of all entries: the benchmarks first, then the domains in :data:`DOMAINS` order."""
    return [e.id for e in _entries()]


def entries() -> list[CatalogEntry]:
    """All entries, in the order of :func:`names`."""
    return list(_entries())


def aliases() -> dict[str, str]:
    """Every alias, mapped to the id of its entry."""
    return {alias: e.id for e in _entries() for alias in e.aliases}


def entry(name: str) -> CatalogEntry:
    """The entry whose id or alias is `name` (ignoring case, hyphens, underscores, spaces)."""
    key = _normalized(name)
    found = _index().get(key)
    if found is not None:
        return found
    for excluded, reason in EXCLUDED.items():
        if _normalized(excluded) == key:
            raise StencilError(reason)
    raise StencilError(_unknown(name))


def get(name: str) -> Stencil:
    """The stencil whose id or alias is `name` (ignoring case, hyphens, underscores, spaces)."""
    return entry(name).stencil


@cache
def _entries() -> tuple[CatalogEntry, ...]:
    built = benchmark_entries() + scientific_entries()
    order = {domain: rank for rank, domain in enumerate(DOMAINS)}
    return tuple(sorted(built, key=lambda e: order[e.domain]))


def _normalized(name: str) -> str:
    """`name` as lookup compares it: lowercase, without hyphens, underscores or spaces."""
    return "".join(c for c in name.lower() if c not in "-_ \t")


@cache
def _index() -> dict[str, CatalogEntry]:
    """Ids and aliases, normalized, to their entries; a name used twice is a catalog bug."""
    index: dict[str, CatalogEntry] = {}
    for e in _entries():
        for name in (e.id, *e.aliases):
            key = _normalized(name)
            if key in index:
                raise AssertionError(f"catalog name {name!r} is used twice")
            index[key] = e
    return index


def _unknown(name: str) -> str:
    candidates = [n for e in _entries() for n in (e.id, *e.aliases)] + list(EXCLUDED)
    near = difflib.get_close_matches(name.strip().lower(), candidates, n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(near)}?" if near else "; `sparse-stencil catalog` lists them"
    return f"unknown stencil {name!r}{hint}"
