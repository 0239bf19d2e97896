// RUN: sparse-stencil-opt %s --split-input-file --verify-diagnostics --parsing-diagnostics | filecheck %s

// Row 1 has -3 where row 0 has -2: the rows are not one stencil.
%l = sparse_layout.gemm <2x4> tile [2] halo [1] outputs [[0], [1]] inputs [[-1], [0], [1], [2]] matrix [[1.0, -2.0, 1.0, 0.0], [0.0, 1.0, -3.0, 1.0]] : !sparse_layout.layout<1>
// CHECK: Operation does not verify: row 1 computes a different stencil than row 0: offset [0] has coefficient -3.0 instead of -2.0

// -----

%l = sparse_layout.gemm <2x4> tile [2] halo [0] outputs [[0], [1]] inputs [[-1], [0], [1], [2]] matrix [[1.0, -2.0, 1.0, 0.0], [0.0, 1.0, -2.0, 1.0]] : !sparse_layout.layout<1>
// CHECK: Operation does not verify: the stencil reaches 1 points on axis 0, beyond the halo 0

// -----

// A halo wider than the largest supported radius (8).
%l = sparse_layout.gemm <2x4> tile [2] halo [9] outputs [[0], [1]] inputs [[-1], [0], [1], [2]] matrix [[1.0, -2.0, 1.0, 0.0], [0.0, 1.0, -2.0, 1.0]] : !sparse_layout.layout<1>
// CHECK: Operation does not verify: halo [9] must give one width from 0 to 8 per axis (1)

// -----

%l = sparse_layout.gemm <2x2> tile [2] halo [1] outputs [[1], [0]] inputs [[0], [1]] matrix [[0.0, 1.0], [1.0, 0.0]] : !sparse_layout.layout<1>
// CHECK: Operation does not verify: outputs must list the points of the 2 tile in row-major order, got [[1], [0]]

// -----

%l = sparse_layout.gemm <2x3> tile [2] halo [1] outputs [[0], [1]] inputs [[0], [1], [1]] matrix [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]] : !sparse_layout.layout<1>
// CHECK: Operation does not verify: inputs must be distinct offsets

// -----

// Column 3 is placed twice and column 2 never.
%l = sparse_layout.sparse_gemm <2:4> <2x4 -> 2x16> tile [2] halo [1] outputs [[0], [1]] inputs [[-1], [0], [1], [2]] permutation [0, 3, 1, pad, 3, pad, pad, pad, pad, pad, pad, pad, pad, pad, pad, pad] values [[1.0, -2.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0], [1.0, 1.0, -2.0, 0.0, 0.0, 0.0, 0.0, 0.0]] metadata [[0x8, 0x4, 0x4, 0x4], [0x9, 0x4, 0x4, 0x4]] : !sparse_layout.layout<1>
// CHECK: Operation does not verify: the permutation must hold each of the 4 columns once and -1 for padding

// -----

// 0xA names position 2 twice: not an ordered 2:4 choice.
%l = sparse_layout.sparse_gemm <2:4> <2x4 -> 2x16> tile [2] halo [1] outputs [[0], [1]] inputs [[-1], [0], [1], [2]] permutation [0, 3, 1, pad, 2, pad, pad, pad, pad, pad, pad, pad, pad, pad, pad, pad] values [[1.0, -2.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0], [1.0, 1.0, -2.0, 0.0, 0.0, 0.0, 0.0, 0.0]] metadata [[0xA, 0x4, 0x4, 0x4], [0x9, 0x4, 0x4, 0x4]] : !sparse_layout.layout<1>
// CHECK: Operation does not verify: metadata 0xa at row 0, chunk 0 names no ordered 2:4 choice

// -----

// The second chunk's second kept value sits in slot 5, a padding slot.
%l = sparse_layout.sparse_gemm <2:4> <2x4 -> 2x16> tile [2] halo [1] outputs [[0], [1]] inputs [[-1], [0], [1], [2]] permutation [0, 3, 1, pad, 2, pad, pad, pad, pad, pad, pad, pad, pad, pad, pad, pad] values [[1.0, -2.0, 1.0, 7.0, 0.0, 0.0, 0.0, 0.0], [1.0, 1.0, -2.0, 0.0, 0.0, 0.0, 0.0, 0.0]] metadata [[0x8, 0x4, 0x4, 0x4], [0x9, 0x4, 0x4, 0x4]] : !sparse_layout.layout<1>
// CHECK: Operation does not verify: padding slot 5 holds a non-zero coefficient

// -----

// m16n8k16 takes K in steps of 16: 8 slots are not enough.
%l = sparse_layout.sparse_gemm <2:4> <2x4 -> 2x8> tile [2] halo [1] outputs [[0], [1]] inputs [[-1], [0], [1], [2]] permutation [0, 3, 1, pad, 2, pad, pad, pad] values [[1.0, -2.0, 1.0, 0.0], [1.0, 1.0, -2.0, 0.0]] metadata [[0x8, 0x4], [0x9, 0x4]] : !sparse_layout.layout<1>
// CHECK: Operation does not verify: K after conversion (8) must be a multiple of 16, the K of m16n8k16

// -----

%l = sparse_layout.sparse_gemm <3:4> <1x1 -> 1x16> tile [1] halo [0] outputs [[0]] inputs [[0]] permutation [] values [] metadata [] : !sparse_layout.layout<1>
// CHECK: unsupported sparsity 3:4: expected one of 2:4, 1:2

// -----

%l = sparse_layout.gemm <2x5> tile [2] halo [1] outputs [[0], [1]] inputs [[-1], [0], [1], [2]] matrix [[1.0, -2.0, 1.0, 0.0], [0.0, 1.0, -2.0, 1.0]] : !sparse_layout.layout<1>
// CHECK: the stated size 2x5 does not match the 2 rows and 4 columns listed

// -----

// A 2:4 layout on an f32 grid, which multiplies as tf32 under 1:2.
func.func @rule(%x: !lstencil.grid<32xf32>) -> !lstencil.grid<32xf32> {
  %l = sparse_layout.sparse_gemm <2:4> <2x4 -> 2x16> tile [2] halo [1] outputs [[0], [1]] inputs [[-1], [0], [1], [2]] permutation [0, 3, 1, pad, 2, pad, pad, pad, pad, pad, pad, pad, pad, pad, pad, pad] values [[1.0, -2.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0], [1.0, 1.0, -2.0, 0.0, 0.0, 0.0, 0.0, 0.0]] metadata [[0x8, 0x4, 0x4, 0x4], [0x9, 0x4, 0x4, 0x4]] : !sparse_layout.layout<1>
  %y = sparse_layout.apply %l to %x steps 1 : !lstencil.grid<32xf32>
  func.return %y : !lstencil.grid<32xf32>
}
// CHECK: Operation does not verify: a 2:4 layout cannot apply to !lstencil.grid<32xf32>: its element type needs 1:2

// -----

func.func @small(%x: !lstencil.grid<2xf16>) -> !lstencil.grid<2xf16> {
  %l = sparse_layout.gemm <2x4> tile [2] halo [1] outputs [[0], [1]] inputs [[-1], [0], [1], [2]] matrix [[1.0, -2.0, 1.0, 0.0], [0.0, 1.0, -2.0, 1.0]] : !sparse_layout.layout<1>
  %y = sparse_layout.apply %l to %x steps 1 : !lstencil.grid<2xf16>
  func.return %y : !lstencil.grid<2xf16>
}
// CHECK: Operation does not verify: grid (2,) is smaller than the stencil: axis 0 has 2 points, the stencil needs at least 3

// -----

func.func @steps(%x: !lstencil.grid<8xf16>) -> !lstencil.grid<8xf16> {
  %l = sparse_layout.gemm <2x4> tile [2] halo [1] outputs [[0], [1]] inputs [[-1], [0], [1], [2]] matrix [[1.0, -2.0, 1.0, 0.0], [0.0, 1.0, -2.0, 1.0]] : !sparse_layout.layout<1>
  %y = sparse_layout.apply %l to %x steps 0 : !lstencil.grid<8xf16>
  func.return %y : !lstencil.grid<8xf16>
}
// CHECK: Operation does not verify: steps must be at least 1, got 0
