// RUN: sparse-stencil-opt %s -p morph-stencil-layout | filecheck %s

// Heat-3D (7-point star) on f32, laid out for tf32's 1:2. A 2x2x4 box reads itself plus
// its 6 faces: 16 + 2 (2x4) + 2 (2x4) + 2 (2x2) = 56 inputs, the fewest of the 16-point
// tiles (a 4x4x1 slab reads 16 + 2x16 + 4x4 = 64), and no input is read by all 16 outputs,
// so 1:2 needs no padding: 56 per 16 outputs, beaten by no smaller tile.
// CHECK-LABEL: func.func @heat3d
// CHECK-NEXT:    sparse_layout.gemm <16x56> tile [2, 2, 4] halo [1, 1, 1]{{$}}
// CHECK-NEXT:        outputs [
// CHECK-NEXT:          [0, 0, 0],
// CHECK-NEXT:          [0, 0, 1],
// CHECK-NEXT:          [0, 0, 2],
// CHECK-NEXT:          [0, 0, 3],
// CHECK-NEXT:          [0, 1, 0],
// CHECK:             inputs [
// CHECK-NEXT:          [-1, 0, 0],
// CHECK-NEXT:          [-1, 0, 1],
// CHECK-NEXT:          [-1, 0, 2],
// CHECK-NEXT:          [-1, 0, 3],
// CHECK-NEXT:          [-1, 1, 0],
// CHECK:           ] : !sparse_layout.layout<3>
// CHECK-NEXT:    sparse_layout.apply %{{.*}} to %{{.*}} steps 2 : !lstencil.grid<12x12x12xf32>
func.func @heat3d(%x: !lstencil.grid<12x12x12xf32>) -> !lstencil.grid<12x12x12xf32> {
  %s = lstencil.stencil [[0, 0, 0] = -6.0, [-1, 0, 0] = 1.0, [1, 0, 0] = 1.0, [0, -1, 0] = 1.0, [0, 1, 0] = 1.0, [0, 0, -1] = 1.0, [0, 0, 1] = 1.0] : !lstencil.stencil<3>
  %y = lstencil.apply %s to %x steps 2 : !lstencil.grid<12x12x12xf32>
  func.return %y : !lstencil.grid<12x12x12xf32>
}
