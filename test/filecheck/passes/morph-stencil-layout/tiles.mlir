// RUN: sparse-stencil-opt %s --split-input-file -p morph-stencil-layout | filecheck %s
// RUN: sparse-stencil-opt %s --split-input-file -p 'morph-stencil-layout{tile=8,2}' | filecheck %s --check-prefix=PATCH

// The 7x7 box of docs/design.md §4.1. A (t0 x t1) tile reads (t0 + 6) x (t1 + 6) inputs: the 4x4
// patch 100, the 8x2 patch 14 x 8 = 112. Both convert to K = 112 (2 x 49 rounded up to
// 16); the search prefers the patch that gathers fewer inputs.
// CHECK-LABEL: func.func @box2d3r
// CHECK-NEXT:    sparse_layout.gemm <16x100> tile [4, 4] halo [3, 3]{{$}}
// CHECK-NEXT:        outputs [
// CHECK-NEXT:          [0, 0],
// CHECK-NEXT:          [0, 1],
// CHECK-NEXT:          [0, 2],
// CHECK-NEXT:          [0, 3],
// CHECK-NEXT:          [1, 0],
// CHECK:             inputs [
// CHECK-NEXT:          [-3, -3],
// CHECK-NEXT:          [-3, -2],
// CHECK:               [6, 6]
// CHECK-NEXT:        ]
// CHECK-NEXT:        matrix [
// PATCH-LABEL: func.func @box2d3r
// PATCH-NEXT:    sparse_layout.gemm <16x112> tile [8, 2] halo [3, 3]{{$}}
// PATCH-NEXT:        outputs [
// PATCH-NEXT:          [0, 0],
// PATCH-NEXT:          [0, 1],
// PATCH-NEXT:          [1, 0],
// PATCH-NEXT:          [1, 1],
// PATCH:             inputs [
// PATCH-NEXT:          [-3, -3],
// PATCH-NEXT:          [-3, -2],
// PATCH:               [10, 4]
// PATCH-NEXT:        ]
// PATCH-NEXT:        matrix [
func.func @box2d3r(%x: !lstencil.grid<32x32xf16>) -> !lstencil.grid<32x32xf16> {
  %s = lstencil.stencil [[-3, -3] = 1.0, [-3, -2] = 1.0, [-3, -1] = 1.0, [-3, 0] = 1.0, [-3, 1] = 1.0, [-3, 2] = 1.0, [-3, 3] = 1.0, [-2, -3] = 1.0, [-2, -2] = 1.0, [-2, -1] = 1.0, [-2, 0] = 1.0, [-2, 1] = 1.0, [-2, 2] = 1.0, [-2, 3] = 1.0, [-1, -3] = 1.0, [-1, -2] = 1.0, [-1, -1] = 1.0, [-1, 0] = 1.0, [-1, 1] = 1.0, [-1, 2] = 1.0, [-1, 3] = 1.0, [0, -3] = 1.0, [0, -2] = 1.0, [0, -1] = 1.0, [0, 0] = 1.0, [0, 1] = 1.0, [0, 2] = 1.0, [0, 3] = 1.0, [1, -3] = 1.0, [1, -2] = 1.0, [1, -1] = 1.0, [1, 0] = 1.0, [1, 1] = 1.0, [1, 2] = 1.0, [1, 3] = 1.0, [2, -3] = 1.0, [2, -2] = 1.0, [2, -1] = 1.0, [2, 0] = 1.0, [2, 1] = 1.0, [2, 2] = 1.0, [2, 3] = 1.0, [3, -3] = 1.0, [3, -2] = 1.0, [3, -1] = 1.0, [3, 0] = 1.0, [3, 1] = 1.0, [3, 2] = 1.0, [3, 3] = 1.0] : !lstencil.stencil<2>
  %y = lstencil.apply %s to %x steps 1 : !lstencil.grid<32x32xf16>
  func.return %y : !lstencil.grid<32x32xf16>
}
