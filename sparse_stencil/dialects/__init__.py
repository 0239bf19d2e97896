"""dialects of sparse-stencil."""
