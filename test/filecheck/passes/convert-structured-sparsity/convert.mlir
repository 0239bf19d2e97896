// RUN: sparse-stencil-opt %s --split-input-file -p convert-structured-sparsity | filecheck %s
// RUN: sparse-stencil-opt %s --split-input-file -p 'convert-structured-sparsity{strategy=matching}' | filecheck %s --check-prefix=MATCHING

// Heat on a 2-point tile. Row masks: col 0 (input -1) row 0 only, cols 1 and 2 both rows,
// col 3 (input 2) row 1 only. A row has 3 non-zeros: 2 chunks (8 slots) at least.
//
// Packing (columns with most rows first: 1, 2, 0, 3; 2 chunks open): col 1 -> chunk A;
// col 2 would make both rows hold 2 in A, so it goes to the empty chunk B; col 0 adds one
// row-2 count to A or B alike, so A (first); col 3 then fits A (row 1 holds one there)
// better than B. Chunks {0, 1, 3}, {2}: 8 slots, the bound, then padded to 16.
// Chunk A reads (input -1, 0, 2, pad): row 0 [1, -2, 0, 0] keeps 0, 1: 0x4; row 1
// [0, 1, 1, 0] keeps 1, 2: 0x9. Chunk B: row 0 keeps 1 at 0, row 1 keeps -2 at 0.
// CHECK-LABEL: func.func @heat
// CHECK-NEXT:    %[[L:.*]] = sparse_layout.sparse_gemm <2:4> <2x4 -> 2x16> tile [2] halo [1] outputs [[0], [1]] inputs [[-1], [0], [1], [2]] permutation [0, 1, 3, pad, 2, pad, pad, pad, pad, pad, pad, pad, pad, pad, pad, pad] values [[1.0, -2.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0], [1.0, 1.0, -2.0, 0.0, 0.0, 0.0, 0.0, 0.0]] metadata [[0x4, 0x4, 0x4, 0x4], [0x9, 0x4, 0x4, 0x4]] {lower_bound = 16 : i64} : !sparse_layout.layout<1>
// CHECK-NEXT:    sparse_layout.apply %[[L]] to %{{.*}} steps 2 : !lstencil.grid<32xf16>
//
// Maximum matching (docs/design.md §4.2): only cols 0 and 3 are compatible (no common row); cols 1, 2 pair
// with zero columns. Halves (0, 3), (1, pad), (2, pad) make chunks (0, 3, 1, pad) and
// (2, pad, pad, pad): row 0 reads [1, 0, -2, 0] (0x8), row 1 [0, 1, 1, 0] (0x9).
// MATCHING-LABEL: func.func @heat
// MATCHING-NEXT:    sparse_layout.sparse_gemm <2:4> <2x4 -> 2x16> {{.*}} permutation [0, 3, 1, pad, 2, pad, {{.*}}] values [[1.0, -2.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0], [1.0, 1.0, -2.0, 0.0, 0.0, 0.0, 0.0, 0.0]] metadata [[0x8, 0x4, 0x4, 0x4], [0x9, 0x4, 0x4, 0x4]]
func.func @heat(%x: !lstencil.grid<32xf16>) -> !lstencil.grid<32xf16> {
  %l = sparse_layout.gemm <2x4> tile [2] halo [1] outputs [[0], [1]] inputs [[-1], [0], [1], [2]] matrix [[1.0, -2.0, 1.0, 0.0], [0.0, 1.0, -2.0, 1.0]] : !sparse_layout.layout<1>
  %y = sparse_layout.apply %l to %x steps 2 : !lstencil.grid<32xf16>
  func.return %y : !lstencil.grid<32xf16>
}

// -----

// The same on f32: tf32 takes 1:2, one value per pair, K in steps of 8. Cols 1 and 2 are
// compatible with nothing: K >= 4 + 2 = 6 (the bound), padded to 8. Pairs (0, 3), (1, pad),
// (2, pad): row 0 keeps input -1 at the even slot (0x4), row 1 input 2 at the odd (0xE).
// CHECK-LABEL: func.func @heat_tf32
// CHECK-NEXT:    sparse_layout.sparse_gemm <1:2> <2x4 -> 2x8> tile [2] halo [1] outputs [[0], [1]] inputs [[-1], [0], [1], [2]] permutation [0, 3, 1, pad, 2, pad, pad, pad] values [[1.0, -2.0, 1.0, 0.0], [1.0, 1.0, -2.0, 0.0]] metadata [[0x4, 0x4, 0x4, 0x4], [0xe, 0x4, 0x4, 0x4]] {lower_bound = 8 : i64} : !sparse_layout.layout<1>
// MATCHING-LABEL: func.func @heat_tf32
// MATCHING-NEXT:    sparse_layout.sparse_gemm <1:2> <2x4 -> 2x8> {{.*}} permutation [0, 3, 1, pad, 2, pad, pad, pad]
func.func @heat_tf32(%x: !lstencil.grid<32xf32>) -> !lstencil.grid<32xf32> {
  %l = sparse_layout.gemm <2x4> tile [2] halo [1] outputs [[0], [1]] inputs [[-1], [0], [1], [2]] matrix [[1.0, -2.0, 1.0, 0.0], [0.0, 1.0, -2.0, 1.0]] : !sparse_layout.layout<1>
  %y = sparse_layout.apply %l to %x steps 1 : !lstencil.grid<32xf32>
  func.return %y : !lstencil.grid<32xf32>
}

// -----

// A layout that no grid uses converts for f16 (2:4).
// CHECK-LABEL: builtin.module
// CHECK:         sparse_layout.sparse_gemm <2:4> <2x4 -> 2x16>
%l = sparse_layout.gemm <2x4> tile [2] halo [1] outputs [[0], [1]] inputs [[-1], [0], [1], [2]] matrix [[1.0, -2.0, 1.0, 0.0], [0.0, 1.0, -2.0, 1.0]] : !sparse_layout.layout<1>

// -----

// One layout applied to an f16 and an f32 grid: converted once per rule, each apply takes
// the conversion its element type needs (and the lower bound of its own rule).
// CHECK-LABEL: func.func @two_rules
// CHECK-NEXT:    %[[HALF:.*]] = sparse_layout.sparse_gemm <2:4> <2x4 -> 2x16> {{.*}} {lower_bound = 16 : i64}
// CHECK-NEXT:    %[[TF32:.*]] = sparse_layout.sparse_gemm <1:2> <2x4 -> 2x8> {{.*}} {lower_bound = 8 : i64}
// CHECK-NEXT:    sparse_layout.apply %[[HALF]] to %{{.*}} steps 1 : !lstencil.grid<32xf16>
// CHECK-NEXT:    sparse_layout.apply %[[TF32]] to %{{.*}} steps 1 : !lstencil.grid<32xf32>
func.func @two_rules(%x: !lstencil.grid<32xf16>, %z: !lstencil.grid<32xf32>) -> !lstencil.grid<32xf16> {
  %l = sparse_layout.gemm <2x4> tile [2] halo [1] outputs [[0], [1]] inputs [[-1], [0], [1], [2]] matrix [[1.0, -2.0, 1.0, 0.0], [0.0, 1.0, -2.0, 1.0]] : !sparse_layout.layout<1>
  %y = sparse_layout.apply %l to %x steps 1 : !lstencil.grid<32xf16>
  %w = sparse_layout.apply %l to %z steps 1 : !lstencil.grid<32xf32>
  func.return %y : !lstencil.grid<32xf16>
}
