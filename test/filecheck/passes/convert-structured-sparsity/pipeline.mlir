// RUN: sparse-stencil-opt %s --split-input-file -p morph-stencil-layout,convert-structured-sparsity | filecheck %s
// RUN: sparse-stencil-opt %s --split-input-file -p 'morph-stencil-layout{tile=1,1,2},convert-structured-sparsity' | filecheck %s --check-prefix=SMALL

// Heat-3D on f32: the 2x2x4 tile reads 56 inputs (itself and its 6 faces), none of them
// read by all 16 outputs, so 1:2 pairs them all: K = 56, a multiple of m16n8k8's 8.
// CHECK-LABEL: func.func @heat3d
// CHECK-NEXT:    sparse_layout.sparse_gemm <1:2> <16x56 -> 16x56> tile [2, 2, 4] halo [1, 1, 1]
// CHECK:           ] {lower_bound = 56 : i64} : !sparse_layout.layout<3>
// CHECK-NEXT:    sparse_layout.apply
// A 2-point tile along the innermost axis reads the 4-point z line and a 2-point line on
// each of the other 4 sides: 12 inputs. Under 1:2 a row's 7 non-zeros need 7 pairs, and the
// 2 inputs that both outputs read pair with nothing: 12 + 2 = 14 slots, padded to 16.
// SMALL-LABEL: func.func @heat3d
// SMALL-NEXT:    sparse_layout.sparse_gemm <1:2> <2x12 -> 2x16> tile [1, 1, 2]
func.func @heat3d(%x: !lstencil.grid<12x12x12xf32>) -> !lstencil.grid<12x12x12xf32> {
  %s = lstencil.stencil [[0, 0, 0] = -6.0, [-1, 0, 0] = 1.0, [1, 0, 0] = 1.0, [0, -1, 0] = 1.0, [0, 1, 0] = 1.0, [0, 0, -1] = 1.0, [0, 0, 1] = 1.0] : !lstencil.stencil<3>
  %y = lstencil.apply %s to %x steps 2 : !lstencil.grid<12x12x12xf32>
  func.return %y : !lstencil.grid<12x12x12xf32>
}

// -----

// The same stencil on f16: under 2:4 a row's 7 non-zeros need 4 chunks: 16 slots.
// SMALL-LABEL: func.func @heat3d_f16
// SMALL-NEXT:    sparse_layout.sparse_gemm <2:4> <2x12 -> 2x16> tile [1, 1, 2]
// SMALL:           metadata {{.*}} {lower_bound = 16 : i64}
func.func @heat3d_f16(%x: !lstencil.grid<12x12x12xf16>) -> !lstencil.grid<12x12x12xf16> {
  %s = lstencil.stencil [[0, 0, 0] = -6.0, [-1, 0, 0] = 1.0, [1, 0, 0] = 1.0, [0, -1, 0] = 1.0, [0, 1, 0] = 1.0, [0, 0, -1] = 1.0, [0, 0, 1] = 1.0] : !lstencil.stencil<3>
  %y = lstencil.apply %s to %x steps 1 : !lstencil.grid<12x12x12xf16>
  func.return %y : !lstencil.grid<12x12x12xf16>
}
