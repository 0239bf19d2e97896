"""Command-line tools: `sparse-stencil` (users) and `sparse-stencil-opt` (compiler engineers)."""
