// RUN: sparse-stencil-opt %s -p 'morph-stencil-layout{tile=1,4},convert-structured-sparsity' | filecheck %s

// An irregular 2D stencil on a 1x4 strip: each of the 12 inputs is read by one output
// only, so any 4 columns may share a chunk as long as no row gets 3: 12 slots, padded to
// 16. Every row keeps its 3 coefficients among the 8 kept values.
// CHECK-LABEL: func.func @irregular
// CHECK-NEXT:    sparse_layout.sparse_gemm <2:4> <4x12 -> 4x16> tile [1, 4] halo [2, 3]
// CHECK:           metadata {{.*}} {lower_bound = 16 : i64} : !sparse_layout.layout<2>
func.func @irregular(%x: !lstencil.grid<16x16xbf16>) -> !lstencil.grid<16x16xbf16> {
  %s = lstencil.stencil [[0, 0] = 1.0, [2, -1] = 0.5, [-1, 3] = 0.25] : !lstencil.stencil<2>
  %y = lstencil.apply %s to %x steps 1 : !lstencil.grid<16x16xbf16>
  func.return %y : !lstencil.grid<16x16xbf16>
}
