// RUN: sparse-stencil-opt %s --split-input-file --verify-diagnostics --parsing-diagnostics | filecheck %s

// The CUDA-core form of mma.kernel: its header, body and terms are checked.

mma.kernel @k grid !lstencil.grid<20x24xf16> halo [1, 1] tile [2, 8] instruction "fma.rn.f32" warps 1 groups 1 arrangement [8, 4] pad 2 {
  "test.op"() : () -> ()
}
// CHECK: Operation does not verify: a CUDA-core kernel's tile is a run along the innermost axis, [1, ..., P], not [2, 8]

// -----

mma.kernel @k grid !lstencil.grid<20x24xf16> halo [1, 1] tile [1, 8] instruction "fma.rn.f32" warps 1 groups 1 arrangement [8, 2] pad 2 {
  "test.op"() : () -> ()
}
// CHECK: Operation does not verify: the thread arrangement 8x2 must hold 32 threads, a power of two per axis

// -----

mma.kernel @k grid !lstencil.grid<20x24xf16> halo [1, 1] tile [1, 8] instruction "fma.rn.f32" warps 1 groups 1 arrangement [8, 4] pad 2 {
  mma.stage box [10, 34] pitch 36
}
// CHECK: Operation does not verify: a fma.rn.f32 kernel's body is mma.stage and mma.direct, in order

// -----

mma.kernel @k grid !lstencil.grid<20x24xf16> halo [1, 1] tile [1, 8] instruction "fma.rn.f32" warps 1 groups 1 arrangement [8, 4] pad 2 {
  mma.stage box [10, 34] pitch 36
  mma.direct offsets [[-2, 0]] coefficients [0.25]
}
// CHECK: Operation does not verify: offset [-2, 0] reaches beyond the halo [1, 1]

// -----

mma.kernel @k grid !lstencil.grid<20x24xf16> halo [1, 1] tile [1, 8] instruction "fma.rn.f32" warps 1 groups 1 arrangement [8, 4] pad 2 {
  mma.stage box [10, 34] pitch 36
  mma.direct offsets [[0, 0]] coefficients [0.1]
}
// CHECK: Operation does not verify: coefficient 0.1 is not an f32 value

// -----

mma.kernel @k grid !lstencil.grid<20x24xf16> halo [1, 1] tile [1, 8] instruction "fma.rn.f32" warps 1 groups 1 arrangement [8, 4] pad 2 {
  mma.stage box [10, 34] pitch 36
  mma.direct offsets [[0, 0], [1]] coefficients [0.25, 0.5]
}
// CHECK: Operation does not verify: expected 4 offset words, got 3

// -----

mma.kernel @k grid !lstencil.grid<40xf16> halo [1] tile [14] instruction "mma.sp.m16n8k32.f16" warps 1 groups 1 arrangement [8] pad 0 {
  mma.direct offsets [[0]] coefficients [0.25]
}
// CHECK: Operation does not verify: mma.direct belongs to a CUDA-core kernel
