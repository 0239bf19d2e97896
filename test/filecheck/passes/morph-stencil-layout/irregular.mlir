// RUN: sparse-stencil-opt %s -p 'morph-stencil-layout{tile=1,4}' | filecheck %s

// An irregular 2D stencil on a forced 1x4 strip: output (0, i) reads (-1, i + 3), (0, i)
// and (2, i - 1); the three offsets never read the same input, so K = 3 x 4 = 12, in
// lexicographic order: row -1 (cols 0-3), row 0 (cols 4-7), row 2 (cols 8-11).
// CHECK-LABEL: func.func @irregular
// CHECK-NEXT:    sparse_layout.gemm <4x12> tile [1, 4] halo [2, 3]{{$}}
// CHECK-NEXT:        outputs {{\[}}[0, 0], [0, 1], [0, 2], [0, 3]]
// CHECK-NEXT:        inputs [
// CHECK-NEXT:          [-1, 3],
// CHECK-NEXT:          [-1, 4],
// CHECK-NEXT:          [-1, 5],
// CHECK-NEXT:          [-1, 6],
// CHECK-NEXT:          [0, 0],
// CHECK-NEXT:          [0, 1],
// CHECK-NEXT:          [0, 2],
// CHECK-NEXT:          [0, 3],
// CHECK-NEXT:          [2, -1],
// CHECK-NEXT:          [2, 0],
// CHECK-NEXT:          [2, 1],
// CHECK-NEXT:          [2, 2]
// CHECK-NEXT:        ]
// CHECK-NEXT:        matrix [
// CHECK-NEXT:          [0.25, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0],
// CHECK-NEXT:          [0.0, 0.25, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0],
// CHECK-NEXT:          [0.0, 0.0, 0.25, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.5, 0.0],
// CHECK-NEXT:          [0.0, 0.0, 0.0, 0.25, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.5]
// CHECK-NEXT:        ] : !sparse_layout.layout<2>
func.func @irregular(%x: !lstencil.grid<16x16xbf16>) -> !lstencil.grid<16x16xbf16> {
  %s = lstencil.stencil [[0, 0] = 1.0, [2, -1] = 0.5, [-1, 3] = 0.25] : !lstencil.stencil<2>
  %y = lstencil.apply %s to %x steps 1 : !lstencil.grid<16x16xbf16>
  func.return %y : !lstencil.grid<16x16xbf16>
}
