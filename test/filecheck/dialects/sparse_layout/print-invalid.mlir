// RUN: sparse-stencil-opt %s --split-input-file --disable-verify | filecheck %s
// RUN: sparse-stencil-opt %s --split-input-file --verify-diagnostics | filecheck %s --check-prefix=VERIFY
// RUN: not sparse-stencil-opt %s --split-input-file 2>&1 | filecheck %s --check-prefix=ERROR

// Ops that fail verification still print (with --disable-verify, or inside a diagnostic):
// from what their properties hold. An array whose size does not fit the maps prints flat,
// a size the maps do not determine prints as `?`.

// 3 matrix entries for a 2x4 matrix.
// CHECK:       sparse_layout.gemm <2x4> tile [2] halo [1] outputs {{\[}}[0], [1]] inputs {{\[}}[-1], [0], [1], [2]] matrix [1.0, -2.0, 1.0] : !sparse_layout.layout<1>
// VERIFY:      Operation does not verify: expected 8 matrix entries, got 3
// ERROR:       error: expected 8 matrix entries, got 3
// ERROR-NOT:   Traceback
%l = "sparse_layout.gemm"() <{tile = array<i64: 2>, halo = array<i64: 1>, outputs = array<i64: 0, 1>, inputs = array<i64: -1, 0, 1, 2>, matrix = array<f64: 1.0, -2.0, 1.0>}> : () -> !sparse_layout.layout<1>

// -----

// Rank 2, but 3 output values: no whole offsets, so no row count; the matrix, 20 entries
// that fill no table, prints flat, 16 a line.
// CHECK:       sparse_layout.gemm <?x2> tile [1, 2] halo [1, 1]
// CHECK-NEXT:    outputs [0, 0, 1]
// CHECK-NEXT:    inputs {{\[}}[0, 0], [0, 1]]
// CHECK-NEXT:    matrix [
// CHECK-NEXT:      1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
// CHECK-NEXT:      1.0, 1.0, 1.0, 1.0
// CHECK-NEXT:    ] : !sparse_layout.layout<2>
// VERIFY:      Operation does not verify: outputs holds 3 values, not offsets of rank 2
%l = "sparse_layout.gemm"() <{tile = array<i64: 1, 2>, halo = array<i64: 1, 1>, outputs = array<i64: 0, 0, 1>, inputs = array<i64: 0, 0, 0, 1>, matrix = array<f64: 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0>}> : () -> !sparse_layout.layout<2>

// -----

// 6 permutation slots: no whole 2:4 chunks, so values and metadata fill no table.
// CHECK:       sparse_layout.sparse_gemm <2:4> <1x3 -> 1x6> tile [1] halo [1] outputs {{\[}}[0]] inputs {{\[}}[-1], [0], [1]] permutation [0, 1, 2, pad, pad, pad] values [1.0, -2.0, 1.0] metadata [0x4, 0xe] : !sparse_layout.layout<1>
// VERIFY:      Operation does not verify: the permutation has 6 slots, not a multiple of the chunk width 4
%l = "sparse_layout.sparse_gemm"() <{tile = array<i64: 1>, halo = array<i64: 1>, outputs = array<i64: 0>, inputs = array<i64: -1, 0, 1>, sparsity = #sparse_layout.sparsity<2:4>, permutation = array<i64: 0, 1, 2, -1, -1, -1>, values = array<f64: 1.0, -2.0, 1.0>, metadata = array<i8: 4, 14>}> : () -> !sparse_layout.layout<1>

// -----

// No matrix and no layout result: the custom form needs both, so the op prints the generic
// form's body after its name.
// CHECK:       sparse_layout.gemm() <{tile = array<i64: 1>, halo = array<i64: 1>, outputs = array<i64: 0>, inputs = array<i64: 0>}> : () -> i32
// VERIFY:      Operation does not verify: result 'result' at position 0 does not verify
%l = "sparse_layout.gemm"() <{tile = array<i64: 1>, halo = array<i64: 1>, outputs = array<i64: 0>, inputs = array<i64: 0>}> : () -> i32
