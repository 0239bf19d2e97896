// RUN: sparse-stencil-opt %s --split-input-file -p morph-stencil-layout | filecheck %s
// RUN: sparse-stencil-opt %s --split-input-file -p 'morph-stencil-layout{tile=4}' | filecheck %s --check-prefix=TILE4

// Heat-1D. A strip of 16 outputs reads 18 inputs (K padded to 32 for m16n8k16); 14
// outputs read 16, one K step: per output, 16/14 < 32/16, so the search takes the 14-strip.
// Row i holds [1, -2, 1] from column i: the staircase.
// CHECK-LABEL: func.func @heat1d
// CHECK-NEXT:    %[[L:.*]] = sparse_layout.gemm <14x16> tile [14] halo [1]{{$}}
// CHECK-NEXT:        outputs {{\[}}[0], [1], [2], [3], [4], [5], [6], [7], [8], [9], [10], [11], [12], [13]]{{$}}
// CHECK-NEXT:        inputs {{\[}}[-1], [0], [1], [2], [3], [4], [5], [6], [7], [8], [9], [10], [11], [12], [13], [14]]{{$}}
// CHECK-NEXT:        matrix [
// CHECK-NEXT:          [1.0, -2.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
// CHECK-NEXT:          [0.0, 1.0, -2.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
// CHECK-NEXT:          [0.0, 0.0, 1.0, -2.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
// CHECK-NEXT:          [0.0, 0.0, 0.0, 1.0, -2.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
// CHECK-NEXT:          [0.0, 0.0, 0.0, 0.0, 1.0, -2.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
// CHECK-NEXT:          [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, -2.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
// CHECK-NEXT:          [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, -2.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
// CHECK-NEXT:          [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, -2.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
// CHECK-NEXT:          [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, -2.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0],
// CHECK-NEXT:          [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, -2.0, 1.0, 0.0, 0.0, 0.0, 0.0],
// CHECK-NEXT:          [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, -2.0, 1.0, 0.0, 0.0, 0.0],
// CHECK-NEXT:          [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, -2.0, 1.0, 0.0, 0.0],
// CHECK-NEXT:          [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, -2.0, 1.0, 0.0],
// CHECK-NEXT:          [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, -2.0, 1.0]
// CHECK-NEXT:        ] : !sparse_layout.layout<1>
// CHECK-NEXT:    %[[Y:.*]] = sparse_layout.apply %[[L]] to %{{.*}} steps 5 : !lstencil.grid<64xf16>
// CHECK-NEXT:    func.return %[[Y]] : !lstencil.grid<64xf16>
// TILE4-LABEL: func.func @heat1d
// TILE4-NEXT:    sparse_layout.gemm <4x6> tile [4] halo [1]{{$}}
// TILE4-NEXT:        outputs {{\[}}[0], [1], [2], [3]]{{$}}
// TILE4-NEXT:        inputs {{\[}}[-1], [0], [1], [2], [3], [4]]{{$}}
// TILE4-NEXT:        matrix [
// TILE4-NEXT:          [1.0, -2.0, 1.0, 0.0, 0.0, 0.0],
// TILE4-NEXT:          [0.0, 1.0, -2.0, 1.0, 0.0, 0.0],
// TILE4-NEXT:          [0.0, 0.0, 1.0, -2.0, 1.0, 0.0],
// TILE4-NEXT:          [0.0, 0.0, 0.0, 1.0, -2.0, 1.0]
// TILE4-NEXT:        ] : !sparse_layout.layout<1>
func.func @heat1d(%x: !lstencil.grid<64xf16>) -> !lstencil.grid<64xf16> {
  %s = lstencil.stencil [[-1] = 1.0, [0] = -2.0, [1] = 1.0] : !lstencil.stencil<1>
  %y = lstencil.apply %s to %x steps 5 : !lstencil.grid<64xf16>
  func.return %y : !lstencil.grid<64xf16>
}

// -----

// Zero coefficients are crushed (no column reads offset 4) but still widen the halo. On
// f32 (1:2, K in steps of 8) a 16-strip reads 17 inputs (K 24); a 15-strip reads 16.
// CHECK-LABEL: func.func @crush
// CHECK-NEXT:    sparse_layout.gemm <15x16> tile [15] halo [4]{{$}}
// CHECK-NEXT:        outputs {{.*}}
// CHECK-NEXT:        inputs {{\[}}[-1], [0], {{.*}}, [14]]{{$}}
// CHECK-NEXT:        matrix [
// CHECK-NEXT:          [2.0, 1.0, 0.0,
func.func @crush(%x: !lstencil.grid<64xf32>) -> !lstencil.grid<64xf32> {
  %s = lstencil.stencil [[0] = 1.0, [4] = 0.0, [-1] = 2.0] : !lstencil.stencil<1>
  %y = lstencil.apply %s to %x steps 1 : !lstencil.grid<64xf32>
  func.return %y : !lstencil.grid<64xf32>
}
