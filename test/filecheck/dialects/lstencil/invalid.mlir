// RUN: sparse-stencil-opt %s --split-input-file --verify-diagnostics --parsing-diagnostics | filecheck %s

%s = lstencil.stencil [] : !lstencil.stencil<2>
// CHECK: Operation does not verify: stencil has no points

// -----

%s = lstencil.stencil [[1, 0] = 1.0, [0, 0] = 2.0, [1, 0] = 3.0] : !lstencil.stencil<2>
// CHECK: Operation does not verify: duplicate offset [1, 0]

// -----

%s = lstencil.stencil [[0] = nan] : !lstencil.stencil<1>
// CHECK: Operation does not verify: coefficient of offset [0] is nan, not finite

// -----

%s = lstencil.stencil [[0] = -inf] : !lstencil.stencil<1>
// CHECK: Operation does not verify: coefficient of offset [0] is -inf, not finite

// -----

%s = lstencil.stencil [[9, 0] = 1.0] : !lstencil.stencil<2>
// CHECK: Operation does not verify: offset [9, 0] exceeds the supported radius 8

// -----

%s = lstencil.stencil [[1, 0, 0] = 1.0] : !lstencil.stencil<2>
// CHECK: offset [1, 0, 0] has 3 entries, but the stencil type !lstencil.stencil<2> has rank 2

// -----

%s = lstencil.stencil [[0, 0, 0, 0] = 1.0] : !lstencil.stencil<4>
// CHECK: stencil rank must be 1 to 3, got 4

// -----

func.func @rank_mismatch(%x: !lstencil.grid<16xf16>) -> !lstencil.grid<16xf16> {
  %s = "lstencil.stencil"() <{offsets = array<i64: 0, 1>, coefficients = array<f64: 1.0>}> : () -> !lstencil.stencil<2>
  %y = "lstencil.apply"(%s, %x) <{steps = #builtin.int<1>}> : (!lstencil.stencil<2>, !lstencil.grid<16xf16>) -> !lstencil.grid<16xf16>
  func.return %y : !lstencil.grid<16xf16>
}
// CHECK: Operation does not verify: a rank-2 stencil cannot apply to the rank-1 grid !lstencil.grid<16xf16>

// -----

func.func @too_small(%x: !lstencil.grid<4x16xf16>) -> !lstencil.grid<4x16xf16> {
  %s = lstencil.stencil [[-2, 0] = 1.0, [0, 0] = 1.0] : !lstencil.stencil<2>
  %y = lstencil.apply %s to %x steps 1 : !lstencil.grid<4x16xf16>
  func.return %y : !lstencil.grid<4x16xf16>
}
// CHECK: Operation does not verify: grid (4, 16) is smaller than the stencil: axis 0 has 4 points, the stencil needs at least 5

// -----

func.func @zero_steps(%x: !lstencil.grid<16xf16>) -> !lstencil.grid<16xf16> {
  %s = lstencil.stencil [[0] = 1.0] : !lstencil.stencil<1>
  %y = lstencil.apply %s to %x steps 0 : !lstencil.grid<16xf16>
  func.return %y : !lstencil.grid<16xf16>
}
// CHECK: Operation does not verify: steps must be at least 1, got 0

// -----

func.func @f64_grid(%x: !lstencil.grid<16xf64>) -> !lstencil.grid<16xf64> {
  %s = lstencil.stencil [[0] = 1.0] : !lstencil.stencil<1>
  %y = lstencil.apply %s to %x steps 1 : !lstencil.grid<16xf64>
  func.return %y : !lstencil.grid<16xf64>
}
// CHECK: grid element type must be f16, bf16 or f32, got f64

// -----

%s = lstencil.stencil [[0, 0] = 1.0, [1, 0, 2] = 2.0] : !lstencil.stencil<2>
// CHECK:      %s = lstencil.stencil [[0, 0] = 1.0, [1, 0, 2] = 2.0] : !lstencil.stencil<2>
// CHECK-NEXT:                                      ^^^^^^^^^^
// CHECK-NEXT: offset [1, 0, 2] has 3 entries, but the stencil type !lstencil.stencil<2> has rank 2

// -----

%s = lstencil.stencil [[0] = 0x7FC00000] : !lstencil.stencil<1>
// CHECK: write coefficients in decimal: MLIR reads a hex literal as a bit pattern

// -----

%s = lstencil.stencil [[0] = 1e300] : !lstencil.stencil<1>
// CHECK: a coefficient with an exponent needs a decimal point, e.g. 1.0e-3
