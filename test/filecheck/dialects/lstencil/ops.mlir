// RUN: SST_ROUNDTRIP
// RUN: sparse-stencil-opt %s --split-input-file --print-op-generic | filecheck %s --check-prefix=GENERIC
// The stock xdsl-opt sees our dialect through the xdsl.universe entry point.
// RUN: xdsl-opt %s --split-input-file | filecheck %s

// CHECK-LABEL: func.func @heat1d(%{{.*}}: !lstencil.grid<128xf16>) -> !lstencil.grid<128xf16>
// CHECK-NEXT:    %[[S:.*]] = lstencil.stencil [[-1] = 0.25, [0] = 0.5, [1] = 0.25] : !lstencil.stencil<1>
// CHECK-NEXT:    %[[Y:.*]] = lstencil.apply %[[S]] to %{{.*}} steps 10 : !lstencil.grid<128xf16>
// CHECK-NEXT:    func.return %[[Y]] : !lstencil.grid<128xf16>
// GENERIC: "lstencil.stencil"() <{offsets = array<i64: -1, 0, 1>, coefficients = array<f64: 2.500000e-01, 5.000000e-01, 2.500000e-01>}> : () -> !lstencil.stencil<1>
// GENERIC: "lstencil.apply"(%{{.*}}, %{{.*}}) <{steps = #builtin.int<10>}> : (!lstencil.stencil<1>, !lstencil.grid<128xf16>) -> !lstencil.grid<128xf16>
func.func @heat1d(%x: !lstencil.grid<128xf16>) -> !lstencil.grid<128xf16> {
  %s = lstencil.stencil [[-1] = 0.25, [0] = 0.5, [1] = 0.25] : !lstencil.stencil<1>
  %y = lstencil.apply %s to %x steps 10 : !lstencil.grid<128xf16>
  func.return %y : !lstencil.grid<128xf16>
}

// -----

// Coefficients keep every bit: shortest round-trip text, exponents, negative values.
// CHECK-LABEL: func.func @irregular3d
// CHECK-NEXT:    lstencil.stencil [[0, 0, 0] = -0.1666, [2, -1, 0] = 1.0e-05, [0, 0, -3] = 0.1, [-1, 1, 1] = 3.0e+20, [1, 1, 1] = 0.3333333333333333] : !lstencil.stencil<3>
// CHECK-NEXT:    lstencil.apply %{{.*}} to %{{.*}} steps 1 : !lstencil.grid<16x16x32xbf16>
func.func @irregular3d(%x: !lstencil.grid<16x16x32xbf16>) -> !lstencil.grid<16x16x32xbf16> {
  %s = lstencil.stencil [[0, 0, 0] = -0.1666, [2, -1, 0] = 1.0e-05, [0, 0, -3] = 0.1, [-1, 1, 1] = 3.0e20, [1, 1, 1] = 0.3333333333333333] : !lstencil.stencil<3>
  %y = lstencil.apply %s to %x steps 1 : !lstencil.grid<16x16x32xbf16>
  func.return %y : !lstencil.grid<16x16x32xbf16>
}

// -----

// CHECK-LABEL: func.func @f32_grid
// CHECK:         lstencil.apply %{{.*}} to %{{.*}} steps 2 : !lstencil.grid<9x9xf32>
func.func @f32_grid(%x: !lstencil.grid<9x9xf32>) -> !lstencil.grid<9x9xf32> {
  %s = lstencil.stencil [[-4, 4] = 1.0] : !lstencil.stencil<2>
  %y = lstencil.apply %s to %x steps 2 : !lstencil.grid<9x9xf32>
  func.return %y : !lstencil.grid<9x9xf32>
}
