"""runtime of sparse-stencil."""
