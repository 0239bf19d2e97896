"""An xDSL `Context` that knows xDSL's dialects and ours."""

from __future__ import annotations

from xdsl.context import Context
from xdsl.dialects import get_all_dialects

from sparse_stencil.universe import DIALECTS


def make_context() -> Context:
    """A context with every xDSL dialect (upstream `stencil` among them) and ours loaded lazily."""
    context = Context()
    for name, factory in (get_all_dialects() | DIALECTS).items():
        context.register_dialect(name, factory)
    return context
