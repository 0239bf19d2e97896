// RUN: SST_ROUNDTRIP
// RUN: sparse-stencil-opt %s > %t.custom
// RUN: sparse-stencil-opt %s --print-op-generic | sparse-stencil-opt > %t.roundtrip
// RUN: diff %t.custom %t.roundtrip
// RUN: sparse-stencil-opt %s --print-op-generic | filecheck %s --check-prefix=GENERIC

// A CUDA-core kernel: heat-2d on a 20x24 f16 grid as `compile(..., path="cuda-core")` lays it
// out: 32 threads as 8x4, each computing a run of 8 outputs (tile [1, 8]); the coefficients
// are f32 values, printed so that they read back exactly.

// CHECK:      mma.kernel @heat grid !lstencil.grid<20x24xf16> halo [1, 1] tile [1, 8] instruction "fma.rn.f32" warps 1 groups 1 arrangement [8, 4] pad 2 {
// CHECK-NEXT:   mma.stage box [10, 34] pitch 36
// CHECK-NEXT:   mma.direct offsets [[-1, 0], [0, -1], [0, 0], [0, 1], [1, 0]] coefficients [0.18729999661445618, 0.1876000016927719, -1.0, 0.18770000338554382, 7.62939453125e-06]
// CHECK-NEXT: }

// GENERIC: "mma.direct"() <{offsets = array<i64: -1, 0, 0, -1, 0, 0, 0, 1, 1, 0>, coefficients = array<f64:

mma.kernel @heat grid !lstencil.grid<20x24xf16> halo [1, 1] tile [1, 8] instruction "fma.rn.f32" warps 1 groups 1 arrangement [8, 4] pad 2 {
  mma.stage box [10, 34] pitch 36
  mma.direct offsets [[-1, 0], [0, -1], [0, 0], [0, 1], [1, 0]] coefficients [0.18729999661445618, 0.1876000016927719, -1.0, 0.18770000338554382, 7.62939453125e-06]
}
