"""`CatalogEntry`: one named stencil of the catalog, with where it comes from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sparse_stencil.catalog.builders import Points, to_stencil
from sparse_stencil.stencil import Stencil

BENCHMARK = "benchmark"
FINITE_DIFFERENCES = "finite differences"
HEAT = "heat/diffusion"
WAVE = "wave/seismic"
ELASTICITY = "elasticity/biharmonic"
ADVECTION = "fluid/advection"
POISSON = "electrostatics/Poisson"
ANISOTROPIC = "anisotropic diffusion"
IMAGE = "image processing"
CELLULAR = "cellular automata"

DOMAINS = (
    BENCHMARK,
    FINITE_DIFFERENCES,
    HEAT,
    WAVE,
    ELASTICITY,
    ADVECTION,
    POISSON,
    ANISOTROPIC,
    IMAGE,
    CELLULAR,
)
"""Every domain an entry may have, in the order the catalog lists them."""


@dataclass(frozen=True)
class CatalogEntry:
    """A catalog stencil: its id, other names, the stencil, and its provenance.

    `source` says where the coefficients come from: a file of a peer project (repository,
    commit and path), a computation done here (finite-difference weights, a composition), or
    "chosen here: ..." with the reason when no source gives usable numbers.
    """

    id: str
    aliases: tuple[str, ...]
    stencil: Stencil
    domain: str
    source: str
    description: str


def make_entry(
    id: str,
    stencil: Points,
    domain: str,
    source: str,
    description: str,
    aliases: Sequence[str] = (),
) -> CatalogEntry:
    """The entry `id` whose stencil is the exact point map `stencil`, named after the id."""
    return CatalogEntry(id, tuple(aliases), to_stencil(stencil, id), domain, source, description)
