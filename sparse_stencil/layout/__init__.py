"""Layout algorithms behind the sparse-layout dialect (L1), in plain numpy.

- :mod:`~sparse_stencil.layout.morphing`: a stencil as a tiled GEMM (flatten-and-crush).
- :mod:`~sparse_stencil.layout.matching`: structured sparsity conversion (2:4, 1:2).
- :mod:`~sparse_stencil.layout.search`: the output-tile search over both.
- :mod:`~sparse_stencil.layout.evaluate`: the L1 evaluator (gather, multiply, scatter).
- :mod:`~sparse_stencil.layout.statistics`: K, density and redundancy per stencil.
"""
