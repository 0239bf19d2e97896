// RUN: sparse-stencil-opt %s --split-input-file --verify-diagnostics --parsing-diagnostics | filecheck %s

// xDSL verifies a kernel's body, phase by phase, before the kernel itself: a phase's
// tables that are not under test stay empty, and a kernel under test has a body that is no
// phase (a phase asks its kernel for the geometry).

mma.kernel @k grid !lstencil.grid<40xf16> halo [1] tile [14] instruction "mma.sp.m16n8k64.f16" warps 1 groups 1 arrangement [8] pad 0 {
  "test.op"() : () -> ()
}
// CHECK: Operation does not verify: unknown instruction 'mma.sp.m16n8k64.f16': expected one of

// -----

mma.kernel @k grid !lstencil.grid<40xf16> halo [1] tile [14] instruction "mma.sp.m16n8k16.tf32" warps 1 groups 1 arrangement [8] pad 0 {
  "test.op"() : () -> ()
}
// CHECK: Operation does not verify: mma.sp.m16n8k16.tf32 cannot multiply a f16 grid

// -----

mma.kernel @k grid !lstencil.grid<40xf16> halo [1] tile [14] instruction "mma.sp.m16n8k32.f16" warps 1 groups 1 arrangement [8] pad 0 {
  mma.stage box [114] pitch 114
}
// CHECK: Operation does not verify: a kernel's body is mma.stage, mma.tile_product and mma.store, in order

// -----

mma.kernel @k grid !lstencil.grid<40xf16> halo [1] tile [14] instruction "mma.sp.m16n8k32.f16" warps 1 groups 1 arrangement [8] pad 0 {
  mma.stage box [112] pitch 114
  mma.tile_product steps 1 last "mma.sp.m16n8k16.f16" fragments [] tile_bases []
  mma.store points []
}
// CHECK: Operation does not verify: the block stages a box of [114] with pitch 114, not [112] with pitch 114

// -----

mma.kernel @k grid !lstencil.grid<40xf16> halo [1] tile [14] instruction "mma.sp.m16n8k32.f16" warps 1 groups 1 arrangement [8] pad 0 {
  mma.stage box [114] pitch 114
  mma.tile_product steps 1 last "mma.sp.m16n8k16.f16" fragments [[1, 2, 3]] tile_bases []
  mma.store points []
}
// CHECK: Operation does not verify: expected 512 fragment words, got 3

// -----

mma.kernel @k grid !lstencil.grid<40xf16> halo [1] tile [14] instruction "mma.sp.m16n8k32.f16" warps 1 groups 1 arrangement [8] pad 0 {
  mma.stage box [114] pitch 114
  mma.tile_product steps 0 last "mma.sp.m16n8k16.f16" fragments [] tile_bases []
  mma.store points []
}
// CHECK: Operation does not verify: a tile product needs at least one K step

// -----

mma.kernel @k grid !lstencil.grid<40xf16> halo [1] tile [14] instruction "mma.sp.m16n8k32.f16" warps 1 groups 1 arrangement [8] pad 0 {
  mma.stage box [114] pitch 114
  mma.tile_product steps 1 last "mma.m16n8k16.f16" fragments [] tile_bases []
  mma.store points []
}
// CHECK: Operation does not verify: the last step issues mma.sp.m16n8k32.f16 or mma.sp.m16n8k16.f16, not mma.m16n8k16.f16

// -----

mma.stage box [114] pitch 114
// CHECK: Operation does not verify: 'mma.stage' expects parent op 'mma.kernel'

// -----

%x = "test.op"() : () -> !lstencil.grid<40xf16>
%y = "mma.launch"(%x) <{kernel = @k, steps = #builtin.int<0>}> : (!lstencil.grid<40xf16>) -> !lstencil.grid<40xf16>
// CHECK: Operation does not verify: steps must be at least 1, got 0

// -----

%x = "test.op"() : () -> !lstencil.grid<40xf16>
%y = "mma.launch"(%x) <{kernel = @k, steps = #builtin.int<1>}> : (!lstencil.grid<40xf16>) -> !lstencil.grid<40xf32>
// CHECK: Operation does not verify: the output grid type must equal the input grid type

// -----

mma.kernel @k grid i32 halo [1] tile [14] instruction "mma.sp.m16n8k32.f16" warps 1 groups 1 arrangement [8] pad 0 {
}
// CHECK: expected a !lstencil.grid type, got i32
