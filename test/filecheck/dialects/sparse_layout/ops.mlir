// RUN: SST_ROUNDTRIP
// RUN: sparse-stencil-opt %s --split-input-file --print-op-generic | filecheck %s --check-prefix=GENERIC
// The stock xdsl-opt sees the dialect through the xdsl.universe entry point.
// RUN: xdsl-opt %s --split-input-file | filecheck %s

// The morphed heat stencil on a 2-point tile: row i holds [1, -2, 1] shifted by i.
// CHECK-LABEL: func.func @gemm
// CHECK-NEXT:    %[[L:.*]] = sparse_layout.gemm <2x4> tile [2] halo [1] outputs [[0], [1]] inputs [[-1], [0], [1], [2]] matrix [[1.0, -2.0, 1.0, 0.0], [0.0, 1.0, -2.0, 1.0]] : !sparse_layout.layout<1>
// CHECK-NEXT:    %{{.*}} = sparse_layout.apply %[[L]] to %{{.*}} steps 3 : !lstencil.grid<32xf16>
// GENERIC: "sparse_layout.gemm"() <{tile = array<i64: 2>, halo = array<i64: 1>, outputs = array<i64: 0, 1>, inputs = array<i64: -1, 0, 1, 2>, matrix = array<f64: 1.000000e+00, -2.000000e+00, 1.000000e+00, 0.000000e+00, 0.000000e+00, 1.000000e+00, -2.000000e+00, 1.000000e+00>}> : () -> !sparse_layout.layout<1>
// GENERIC: "sparse_layout.apply"(%{{.*}}, %{{.*}}) <{steps = #builtin.int<3>}> : (!sparse_layout.layout<1>, !lstencil.grid<32xf16>) -> !lstencil.grid<32xf16>
func.func @gemm(%x: !lstencil.grid<32xf16>) -> !lstencil.grid<32xf16> {
  %l = sparse_layout.gemm <2x4> tile [2] halo [1] outputs [[0], [1]] inputs [[-1], [0], [1], [2]] matrix [[1.0, -2.0, 1.0, 0.0], [0.0, 1.0, -2.0, 1.0]] : !sparse_layout.layout<1>
  %y = sparse_layout.apply %l to %x steps 3 : !lstencil.grid<32xf16>
  func.return %y : !lstencil.grid<32xf16>
}

// -----

// The same, 2:4: slots (col 0, col 3, col 1, pad) then (col 2, pad, pad, pad). Row 0 reads
// [1, 0, -2, 0]: positions 0 and 2, nibble 0 | 2 << 2 = 0x8; row 1 reads [0, 1, 1, 0]:
// positions 1 and 2, 0x9. Chunks with one value (or none) name positions 0 and 1: 0x4.
// CHECK-LABEL: func.func @two_four
// CHECK-NEXT:    %{{.*}} = sparse_layout.sparse_gemm <2:4> <2x4 -> 2x16> tile [2] halo [1] outputs [[0], [1]] inputs [[-1], [0], [1], [2]] permutation [0, 3, 1, pad, 2, pad, pad, pad, pad, pad, pad, pad, pad, pad, pad, pad] values [[1.0, -2.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0], [1.0, 1.0, -2.0, 0.0, 0.0, 0.0, 0.0, 0.0]] metadata [[0x8, 0x4, 0x4, 0x4], [0x9, 0x4, 0x4, 0x4]] {note = "hand-made"} : !sparse_layout.layout<1>
// GENERIC: "sparse_layout.sparse_gemm"() <{tile = array<i64: 2>, halo = array<i64: 1>, outputs = array<i64: 0, 1>, inputs = array<i64: -1, 0, 1, 2>, sparsity = #sparse_layout.sparsity<2:4>, permutation = array<i64: 0, 3, 1, -1, 2, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1>
// GENERIC-SAME: metadata = array<i8: 8, 4, 4, 4, 9, 4, 4, 4>}> {note = "hand-made"} : () -> !sparse_layout.layout<1>
func.func @two_four(%x: !lstencil.grid<32xbf16>) -> !lstencil.grid<32xbf16> {
  %l = sparse_layout.sparse_gemm <2:4> <2x4 -> 2x16> tile [2] halo [1] outputs [[0], [1]] inputs [[-1], [0], [1], [2]] permutation [0, 3, 1, pad, 2, pad, pad, pad, pad, pad, pad, pad, pad, pad, pad, pad] values [[1.0, -2.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0], [1.0, 1.0, -2.0, 0.0, 0.0, 0.0, 0.0, 0.0]] metadata [[0x8, 0x4, 0x4, 0x4], [0x9, 0x4, 0x4, 0x4]] {note = "hand-made"} : !sparse_layout.layout<1>
  %y = sparse_layout.apply %l to %x steps 1 : !lstencil.grid<32xbf16>
  func.return %y : !lstencil.grid<32xbf16>
}

// -----

// tf32's 1:2: one value per pair; 0x4 keeps the even slot, 0xE the odd one.
// CHECK-LABEL: func.func @one_two
// CHECK-NEXT:    sparse_layout.sparse_gemm <1:2> <1x3 -> 1x8> tile [1] halo [1] outputs [[0]] inputs [[-1], [0], [1]] permutation [pad, 0, 1, pad, 2, pad, pad, pad] values [[1.0, -2.0, 1.0, 0.0]] metadata [[0xe, 0x4, 0x4, 0x4]] : !sparse_layout.layout<1>
func.func @one_two(%x: !lstencil.grid<8xf32>) -> !lstencil.grid<8xf32> {
  %l = sparse_layout.sparse_gemm <1:2> <1x3 -> 1x8> tile [1] halo [1] outputs [[0]] inputs [[-1], [0], [1]] permutation [pad, 0, 1, pad, 2, pad, pad, pad] values [[1.0, -2.0, 1.0, 0.0]] metadata [[0xE, 0x4, 0x4, 0x4]] : !sparse_layout.layout<1>
  %y = sparse_layout.apply %l to %x steps 2 : !lstencil.grid<8xf32>
  func.return %y : !lstencil.grid<8xf32>
}

// -----

// A 3D layout: a 2-point tile along the innermost axis of a 4-point irregular stencil.
// Written on one line (that form still reads), printed an array a line: the inputs hold
// 21 numbers, more than 16, so they print a row a line.
// CHECK-LABEL: func.func @irregular3d
// CHECK-NEXT:    sparse_layout.gemm <2x7> tile [1, 1, 2] halo [1, 2, 1]{{$}}
// CHECK-NEXT:        outputs {{\[}}[0, 0, 0], [0, 0, 1]]
// CHECK-NEXT:        inputs [
// CHECK-NEXT:          [-1, 2, 0],
// CHECK-NEXT:          [-1, 2, 1],
// CHECK-NEXT:          [0, 0, 0],
// CHECK-NEXT:          [0, 0, 1],
// CHECK-NEXT:          [0, 0, 2],
// CHECK-NEXT:          [1, -1, -1],
// CHECK-NEXT:          [1, -1, 0]
// CHECK-NEXT:        ]
// CHECK-NEXT:        matrix {{\[}}[0.5, 0.0, 1.0e-05, 3.0, 0.0, -0.25, 0.0], [0.0, 0.5, 0.0, 1.0e-05, 3.0, 0.0, -0.25]] : !sparse_layout.layout<3>
func.func @irregular3d(%x: !lstencil.grid<4x6x5xf16>) -> !lstencil.grid<4x6x5xf16> {
  %l = sparse_layout.gemm <2x7> tile [1, 1, 2] halo [1, 2, 1] outputs [[0, 0, 0], [0, 0, 1]] inputs [[-1, 2, 0], [-1, 2, 1], [0, 0, 0], [0, 0, 1], [0, 0, 2], [1, -1, -1], [1, -1, 0]] matrix [[0.5, 0.0, 1.0e-05, 3.0, 0.0, -0.25, 0.0], [0.0, 0.5, 0.0, 1.0e-05, 3.0, 0.0, -0.25]] : !sparse_layout.layout<3>
  %y = sparse_layout.apply %l to %x steps 1 : !lstencil.grid<4x6x5xf16>
  func.return %y : !lstencil.grid<4x6x5xf16>
}
