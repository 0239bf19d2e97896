// RUN: sparse-stencil-opt %s -p 'morph-stencil-layout{tile=1,1,4}' | filecheck %s

// A 3D radius-4 irregular stencil on a forced 1x1x4 strip. The two points on the z line,
// (0, 0, 0) and (0, 0, 2), read 4 + 2 inputs together ((0, 0, 0..5)); each other point reads
// 4 of its own: K = 4 + 6 + 4 = 14, in lexicographic order: (-2, 4, *), (0, 0, *), (4, -3, *).
// Row i holds 0.25 at column i, 1.0 at 4 + i, 2.0 at 6 + i and 0.5 at 10 + i.
// CHECK-LABEL: func.func @irregular3d
// CHECK-NEXT:    sparse_layout.gemm <4x14> tile [1, 1, 4] halo [4, 4, 4]{{$}}
// CHECK-NEXT:        outputs {{\[}}[0, 0, 0], [0, 0, 1], [0, 0, 2], [0, 0, 3]]
// CHECK-NEXT:        inputs [
// CHECK-NEXT:          [-2, 4, -4],
// CHECK-NEXT:          [-2, 4, -3],
// CHECK-NEXT:          [-2, 4, -2],
// CHECK-NEXT:          [-2, 4, -1],
// CHECK-NEXT:          [0, 0, 0],
// CHECK-NEXT:          [0, 0, 1],
// CHECK-NEXT:          [0, 0, 2],
// CHECK-NEXT:          [0, 0, 3],
// CHECK-NEXT:          [0, 0, 4],
// CHECK-NEXT:          [0, 0, 5],
// CHECK-NEXT:          [4, -3, 1],
// CHECK-NEXT:          [4, -3, 2],
// CHECK-NEXT:          [4, -3, 3],
// CHECK-NEXT:          [4, -3, 4]
// CHECK-NEXT:        ]
// CHECK-NEXT:        matrix [
// CHECK-NEXT:          [0.25, 0.0, 0.0, 0.0, 1.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0],
// CHECK-NEXT:          [0.0, 0.25, 0.0, 0.0, 0.0, 1.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0],
// CHECK-NEXT:          [0.0, 0.0, 0.25, 0.0, 0.0, 0.0, 1.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.5, 0.0],
// CHECK-NEXT:          [0.0, 0.0, 0.0, 0.25, 0.0, 0.0, 0.0, 1.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.5]
// CHECK-NEXT:        ] : !sparse_layout.layout<3>
func.func @irregular3d(%x: !lstencil.grid<12x12x12xf16>) -> !lstencil.grid<12x12x12xf16> {
  %s = lstencil.stencil [[0, 0, 0] = 1.0, [0, 0, 2] = 2.0, [4, -3, 1] = 0.5, [-2, 4, -4] = 0.25] : !lstencil.stencil<3>
  %y = lstencil.apply %s to %x steps 1 : !lstencil.grid<12x12x12xf16>
  func.return %y : !lstencil.grid<12x12x12xf16>
}
