// RUN: not sparse-stencil-opt %s -p 'convert-structured-sparsity{strategy=greedy}' 2>&1 | filecheck %s --check-prefix=STRATEGY
// RUN: not sparse-stencil-opt %s -p 'convert-structured-sparsity{dtype=bf16}' 2>&1 | filecheck %s --check-prefix=DTYPE

// STRATEGY: error: unknown strategy 'greedy': expected one of best, matching, packing
// STRATEGY-NOT: Traceback
// DTYPE: error: sparse_layout.gemm is used with several element types (bfloat16, float32); one layout serves one type
func.func @heat(%x: !lstencil.grid<32xf32>) -> !lstencil.grid<32xf32> {
  %l = sparse_layout.gemm <2x4> tile [2] halo [1] outputs [[0], [1]] inputs [[-1], [0], [1], [2]] matrix [[1.0, -2.0, 1.0, 0.0], [0.0, 1.0, -2.0, 1.0]] : !sparse_layout.layout<1>
  %y = sparse_layout.apply %l to %x steps 1 : !lstencil.grid<32xf32>
  func.return %y : !lstencil.grid<32xf32>
}
