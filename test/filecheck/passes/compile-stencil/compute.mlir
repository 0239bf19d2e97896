// RUN: sparse-stencil-opt %s -p 'compile-stencil{compute=split-f16}' -t ptx | filecheck %s
// RUN: sparse-stencil-opt %s -p 'compile-stencil{compute=split-bf16}' -t ptx | filecheck %s --check-prefix=BF16
// RUN: sparse-stencil-opt %s -p compile-stencil -t ptx | filecheck %s --check-prefix=TF32
// RUN: not sparse-stencil-opt %s -p 'compile-stencil{compute=split-f32}' 2>&1 | filecheck %s --check-prefix=UNKNOWN

// Heat-2D on a 20x24 f32 grid in the split-f16 precision mode: each value is staged as an
// f16 hi part and the f16 rounding of what it leaves (x - hi, exact in f32), in two planes;
// each K step issues three 2:4 f16 MMAs (ch·hi, ch·lo, cl·hi) into one f32 accumulator,
// and the output is stored as f32.
func.func @apply(%0: !lstencil.grid<20x24xf32>) -> !lstencil.grid<20x24xf32> {
  %1 = lstencil.stencil [[-1, 0] = 0.1873, [0, -1] = 0.1876, [0, 0] = 0.25, [0, 1] = 0.1877, [1, 0] = 0.1874] : !lstencil.stencil<2>
  %2 = lstencil.apply %1 to %0 steps 3 : !lstencil.grid<20x24xf32>
  func.return %2 : !lstencil.grid<20x24xf32>
}

// CHECK:      .visible .entry kernel_0(
// CHECK:      ld.global.nc.f32
// CHECK:      cvt.rn.f16.f32 [[HI:%rs[0-9]+]], [[X:%f[0-9]+]];
// CHECK-NEXT: cvt.f32.f16 [[WIDE:%f[0-9]+]], [[HI]];
// CHECK-NEXT: sub.f32 [[REST:%f[0-9]+]], [[X]], [[WIDE]];
// CHECK-NEXT: cvt.rn.f16.f32 {{%rs[0-9]+}}, [[REST]];
// CHECK:      bar.sync 0;
// CHECK:      mma.sp::ordered_metadata.sync.aligned.m16n8k32.row.col.f32.f16.f16.f32
// CHECK-NEXT: mma.sp::ordered_metadata.sync.aligned.m16n8k32.row.col.f32.f16.f16.f32
// CHECK-NEXT: mma.sp::ordered_metadata.sync.aligned.m16n8k32.row.col.f32.f16.f16.f32
// CHECK-NOT:  cvt.rn.f16.f32
// CHECK:      st.global.f32

// BF16:       cvt.rn.bf16.f32
// BF16:       cvt.f32.bf16
// BF16:       mma.sp::ordered_metadata.sync.aligned.m16n8k32.row.col.f32.bf16.bf16.f32
// BF16-NEXT:  mma.sp::ordered_metadata.sync.aligned.m16n8k32.row.col.f32.bf16.bf16.f32
// BF16-NEXT:  mma.sp::ordered_metadata.sync.aligned.m16n8k32.row.col.f32.bf16.bf16.f32

// TF32-NOT:   cvt.rn.f16.f32
// TF32:       mma.sp::ordered_metadata.sync.aligned.m16n8k16.row.col.f32.tf32.tf32.f32
// TF32-NOT:   mma.sp::ordered_metadata.sync.aligned.m16n8k32

// UNKNOWN:    unknown compute 'split-f32': expected one of tf32, split-f16, split-bf16
