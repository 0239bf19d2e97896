// RUN: sparse-stencil-opt %s -p 'compile-stencil{k_order=runs}' -t ptx | filecheck %s
// RUN: sparse-stencil-opt %s -p 'compile-stencil{k_order=runs sparsity=dense}' -t ptx | filecheck %s --check-prefix=DENSE

// Box-2D radius 2 on a 64x64 f16 grid with K in 16-byte runs: a 2x8 tile reads rows of
// 8 + 4 = 12 inputs, two runs of 8 each, which fit one 2:4 chunk side by side (radius <= 3),
// so each lane loads all four B registers of an m16n8k32 step with one 16-byte load.
func.func @apply(%0: !lstencil.grid<64x64xf16>) -> !lstencil.grid<64x64xf16> {
  %1 = lstencil.stencil [[-2, -2] = 1.0, [-2, 2] = 1.0, [0, 0] = 2.0, [1, -1] = 0.5, [2, 2] = 1.0] : !lstencil.stencil<2>
  %2 = lstencil.apply %1 to %0 steps 1 : !lstencil.grid<64x64xf16>
  func.return %2 : !lstencil.grid<64x64xf16>
}

// CHECK:     .visible .entry kernel_0(
// CHECK:     ld.shared.v4.b32 {%r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}}, [%r{{[0-9]+}}];
// CHECK-NEXT: mma.sp::ordered_metadata.sync.aligned.m16n8k32.row.col.f32.f16.f16.f32

// The dense kernel loads the same 16 bytes for two m16n8k16 steps.
// DENSE:     ld.shared.v4.b32 {%r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}}, [%r{{[0-9]+}}];
// DENSE-NEXT: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// DENSE-NEXT: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
