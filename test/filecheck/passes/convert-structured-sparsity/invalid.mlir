// RUN: not sparse-stencil-opt %s -p 'convert-structured-sparsity{strategy=greedy}' 2>&1 | filecheck %s --check-prefix=STRATEGY
// RUN: not sparse-stencil-opt %s -p 'convert-structured-sparsity{dtype=bf16}' 2>&1 | filecheck %s --check-prefix=DTYPE
// RUN: not sparse-stencil-opt %s -p convert-structured-sparsity 2>&1 | filecheck %s --check-prefix=USE

// A bad option concerns no op: the pass and option are named.
// STRATEGY: error: convert-structured-sparsity{strategy=greedy}: unknown strategy: expected one of best, matching, packing
// STRATEGY-NOT: Traceback
// An error about a layout names its source location and shows its op line.
// DTYPE: error: {{.*}}invalid.mlir:12:3: sparse_layout.gemm: dtype=bf16 disagrees with the f32 grid it is applied to
// DTYPE-NEXT: in: %l = "sparse_layout.gemm"()
func.func @heat(%x: !lstencil.grid<32xf32>) -> !lstencil.grid<32xf32> {
  %l = sparse_layout.gemm <2x4> tile [2] halo [1] outputs [[0], [1]] inputs [[-1], [0], [1], [2]] matrix [[1.0, -2.0, 1.0, 0.0], [0.0, 1.0, -2.0, 1.0]] : !sparse_layout.layout<1>
  %y = sparse_layout.apply %l to %x steps 1 : !lstencil.grid<32xf32>
  func.return %y : !lstencil.grid<32xf32>
}

// USE: error: {{.*}}invalid.mlir:19:3: sparse_layout.gemm: its result is used by func.return; only sparse_layout.apply can take a layout
func.func @escapes() -> !sparse_layout.layout<1> {
  %l = sparse_layout.gemm <2x4> tile [2] halo [1] outputs [[0], [1]] inputs [[-1], [0], [1], [2]] matrix [[1.0, -2.0, 1.0, 0.0], [0.0, 1.0, -2.0, 1.0]] : !sparse_layout.layout<1>
  func.return %l : !sparse_layout.layout<1>
}
