// RUN: sparse-stencil-opt %s --split-input-file | filecheck %s --strict-whitespace --match-full-lines
// RUN: sparse-stencil-opt %s --split-input-file --print-op-generic | sparse-stencil-opt --split-input-file | filecheck %s --strict-whitespace --match-full-lines

// How layouts print: sizes, tile and halo on the op's line; when some array holds more
// than 16 numbers, each array on a line of its own, indented under the op, and each long
// one a row a line (the flat permutation 16 slots a line). The input is that form itself,
// so these runs also read it back: custom to custom, and custom to generic to custom.

// 1D: outputs (4 numbers) and inputs (6) stay inline, the 4x6 matrix takes a row a line.
// CHECK:  %l = sparse_layout.gemm <4x6> tile [4] halo [1]
// CHECK-NEXT:      outputs {{\[\[}}0], [1], [2], [3]]
// CHECK-NEXT:      inputs {{\[\[}}-1], [0], [1], [2], [3], [4]]
// CHECK-NEXT:      matrix [
// CHECK-NEXT:        [1.0, -2.0, 1.0, 0.0, 0.0, 0.0],
// CHECK-NEXT:        [0.0, 1.0, -2.0, 1.0, 0.0, 0.0],
// CHECK-NEXT:        [0.0, 0.0, 1.0, -2.0, 1.0, 0.0],
// CHECK-NEXT:        [0.0, 0.0, 0.0, 1.0, -2.0, 1.0]
// CHECK-NEXT:      ] : !sparse_layout.layout<1>
%l = sparse_layout.gemm <4x6> tile [4] halo [1]
    outputs [[0], [1], [2], [3]]
    inputs [[-1], [0], [1], [2], [3], [4]]
    matrix [
      [1.0, -2.0, 1.0, 0.0, 0.0, 0.0],
      [0.0, 1.0, -2.0, 1.0, 0.0, 0.0],
      [0.0, 0.0, 1.0, -2.0, 1.0, 0.0],
      [0.0, 0.0, 0.0, 1.0, -2.0, 1.0]
    ] : !sparse_layout.layout<1>

// -----

// 2D, 1:2: 8 outputs of rank 2 (16 numbers) inline, 20 inputs a row a line, 24 slots of
// permutation 16 a line, the values and metadata tables a row a line.
// CHECK:  %l = sparse_layout.sparse_gemm <1:2> <8x20 -> 8x24> tile [2, 4] halo [1, 1]
// CHECK-NEXT:      outputs {{\[\[}}0, 0], [0, 1], [0, 2], [0, 3], [1, 0], [1, 1], [1, 2], [1, 3]]
// CHECK-NEXT:      inputs [
// CHECK-NEXT:        [-1, 0],
// CHECK-NEXT:        [-1, 1],
// CHECK-NEXT:        [-1, 2],
// CHECK-NEXT:        [-1, 3],
// CHECK-NEXT:        [0, -1],
// CHECK-NEXT:        [0, 0],
// CHECK-NEXT:        [0, 1],
// CHECK-NEXT:        [0, 2],
// CHECK-NEXT:        [0, 3],
// CHECK-NEXT:        [0, 4],
// CHECK-NEXT:        [1, -1],
// CHECK-NEXT:        [1, 0],
// CHECK-NEXT:        [1, 1],
// CHECK-NEXT:        [1, 2],
// CHECK-NEXT:        [1, 3],
// CHECK-NEXT:        [1, 4],
// CHECK-NEXT:        [2, 0],
// CHECK-NEXT:        [2, 1],
// CHECK-NEXT:        [2, 2],
// CHECK-NEXT:        [2, 3]
// CHECK-NEXT:      ]
// CHECK-NEXT:      permutation [
// CHECK-NEXT:        0, 1, 2, 3, 4, 9, 5, 13, 6, 14, 7, 11, 8, 12, 10, 15,
// CHECK-NEXT:        16, 17, 18, 19, pad, pad, pad, pad
// CHECK-NEXT:      ]
// CHECK-NEXT:      values [
// CHECK-NEXT:        [0.25, 0.0, 0.25, -1.0, 0.25, 0.25, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
// CHECK-NEXT:        [0.25, 0.0, 0.0, 0.25, -1.0, 0.25, 0.25, 0.0, 0.0, 0.0, 0.0, 0.0],
// CHECK-NEXT:        [0.0, 0.25, 0.0, 0.25, 0.25, -1.0, 0.25, 0.0, 0.0, 0.0, 0.0, 0.0],
// CHECK-NEXT:        [0.0, 0.25, 0.25, 0.0, 0.25, 0.25, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0],
// CHECK-NEXT:        [0.0, 0.0, 0.0, 0.25, 0.0, -1.0, 0.25, 0.25, 0.25, 0.0, 0.0, 0.0],
// CHECK-NEXT:        [0.0, 0.0, 0.0, 0.25, 0.25, 0.25, -1.0, 0.0, 0.25, 0.0, 0.0, 0.0],
// CHECK-NEXT:        [0.0, 0.0, 0.0, -1.0, 0.25, 0.25, 0.25, 0.0, 0.0, 0.25, 0.0, 0.0],
// CHECK-NEXT:        [0.0, 0.0, 0.0, 0.25, -1.0, 0.0, 0.25, 0.25, 0.0, 0.25, 0.0, 0.0]
// CHECK-NEXT:      ]
// CHECK-NEXT:      metadata [
// CHECK-NEXT:        [0x4, 0x4, 0x4, 0x4, 0x4, 0xe, 0x4, 0x4, 0x4, 0x4, 0x4, 0x4],
// CHECK-NEXT:        [0xe, 0x4, 0x4, 0x4, 0x4, 0x4, 0xe, 0x4, 0x4, 0x4, 0x4, 0x4],
// CHECK-NEXT:        [0x4, 0x4, 0x4, 0xe, 0x4, 0x4, 0x4, 0x4, 0x4, 0x4, 0x4, 0x4],
// CHECK-NEXT:        [0x4, 0xe, 0xe, 0x4, 0xe, 0x4, 0x4, 0x4, 0x4, 0x4, 0x4, 0x4],
// CHECK-NEXT:        [0x4, 0x4, 0x4, 0x4, 0x4, 0xe, 0xe, 0x4, 0x4, 0x4, 0x4, 0x4],
// CHECK-NEXT:        [0x4, 0x4, 0x4, 0xe, 0x4, 0xe, 0xe, 0x4, 0xe, 0x4, 0x4, 0x4],
// CHECK-NEXT:        [0x4, 0x4, 0x4, 0xe, 0xe, 0x4, 0xe, 0x4, 0x4, 0x4, 0x4, 0x4],
// CHECK-NEXT:        [0x4, 0x4, 0x4, 0xe, 0xe, 0x4, 0x4, 0xe, 0x4, 0xe, 0x4, 0x4]
// CHECK-NEXT:      ] : !sparse_layout.layout<2>
%l = sparse_layout.sparse_gemm <1:2> <8x20 -> 8x24> tile [2, 4] halo [1, 1]
    outputs [[0, 0], [0, 1], [0, 2], [0, 3], [1, 0], [1, 1], [1, 2], [1, 3]]
    inputs [
      [-1, 0],
      [-1, 1],
      [-1, 2],
      [-1, 3],
      [0, -1],
      [0, 0],
      [0, 1],
      [0, 2],
      [0, 3],
      [0, 4],
      [1, -1],
      [1, 0],
      [1, 1],
      [1, 2],
      [1, 3],
      [1, 4],
      [2, 0],
      [2, 1],
      [2, 2],
      [2, 3]
    ]
    permutation [
      0, 1, 2, 3, 4, 9, 5, 13, 6, 14, 7, 11, 8, 12, 10, 15,
      16, 17, 18, 19, pad, pad, pad, pad
    ]
    values [
      [0.25, 0.0, 0.25, -1.0, 0.25, 0.25, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.25, 0.0, 0.0, 0.25, -1.0, 0.25, 0.25, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.25, 0.0, 0.25, 0.25, -1.0, 0.25, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.25, 0.25, 0.0, 0.25, 0.25, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.25, 0.0, -1.0, 0.25, 0.25, 0.25, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.25, 0.25, 0.25, -1.0, 0.0, 0.25, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, -1.0, 0.25, 0.25, 0.25, 0.0, 0.0, 0.25, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.25, -1.0, 0.0, 0.25, 0.25, 0.0, 0.25, 0.0, 0.0]
    ]
    metadata [
      [0x4, 0x4, 0x4, 0x4, 0x4, 0xe, 0x4, 0x4, 0x4, 0x4, 0x4, 0x4],
      [0xe, 0x4, 0x4, 0x4, 0x4, 0x4, 0xe, 0x4, 0x4, 0x4, 0x4, 0x4],
      [0x4, 0x4, 0x4, 0xe, 0x4, 0x4, 0x4, 0x4, 0x4, 0x4, 0x4, 0x4],
      [0x4, 0xe, 0xe, 0x4, 0xe, 0x4, 0x4, 0x4, 0x4, 0x4, 0x4, 0x4],
      [0x4, 0x4, 0x4, 0x4, 0x4, 0xe, 0xe, 0x4, 0x4, 0x4, 0x4, 0x4],
      [0x4, 0x4, 0x4, 0xe, 0x4, 0xe, 0xe, 0x4, 0xe, 0x4, 0x4, 0x4],
      [0x4, 0x4, 0x4, 0xe, 0xe, 0x4, 0xe, 0x4, 0x4, 0x4, 0x4, 0x4],
      [0x4, 0x4, 0x4, 0xe, 0xe, 0x4, 0x4, 0xe, 0x4, 0xe, 0x4, 0x4]
    ] : !sparse_layout.layout<2>
