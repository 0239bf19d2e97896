"""backends of sparse-stencil."""
