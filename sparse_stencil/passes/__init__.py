"""passes of sparse-stencil."""
