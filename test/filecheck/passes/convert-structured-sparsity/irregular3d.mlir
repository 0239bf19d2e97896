// RUN: sparse-stencil-opt %s -p 'morph-stencil-layout{tile=1,1,4},convert-structured-sparsity' | filecheck %s

// A 3D radius-4 irregular stencil on a forced 1x1x4 strip: 14 inputs (see the
// morph-stencil-layout test). A row has 4 non-zeros (2 chunks of 4 would do) but the 14
// columns need 4 chunks: the bound is 16, K after 16, with 2 padding slots.
// CHECK-LABEL: func.func @irregular3d
// CHECK-NEXT:    sparse_layout.sparse_gemm <2:4> <4x14 -> 4x16> tile [1, 1, 4] halo [4, 4, 4]
// CHECK:           permutation [{{(([0-9]+|pad), ){15}([0-9]+|pad)}}]{{$}}
// CHECK:           metadata {{.*}} {lower_bound = 16 : i64} : !sparse_layout.layout<3>
func.func @irregular3d(%x: !lstencil.grid<12x12x12xf16>) -> !lstencil.grid<12x12x12xf16> {
  %s = lstencil.stencil [[0, 0, 0] = 1.0, [0, 0, 2] = 2.0, [4, -3, 1] = 0.5, [-2, 4, -4] = 0.25] : !lstencil.stencil<3>
  %y = lstencil.apply %s to %x steps 1 : !lstencil.grid<12x12x12xf16>
  func.return %y : !lstencil.grid<12x12x12xf16>
}
