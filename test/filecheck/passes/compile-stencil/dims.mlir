// RUN: sparse-stencil-opt %s --split-input-file -p 'compile-stencil{fuse_steps=1}' -t ptx | filecheck %s

// Heat-1D on 40 points: one tile product step of the single-chunk sparse instruction.
// CHECK:      .target sm_80
// CHECK:      .visible .entry kernel_0(
// CHECK:      	bar.sync 0;
// CHECK:      	mma.sp::ordered_metadata.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// CHECK:      	ret;
func.func @heat1d(%0: !lstencil.grid<40xf16>) -> !lstencil.grid<40xf16> {
  %1 = lstencil.stencil [[-1] = 0.25, [0] = 0.5, [1] = 0.25] : !lstencil.stencil<1>
  %2 = lstencil.apply %1 to %0 steps 1 : !lstencil.grid<40xf16>
  func.return %2 : !lstencil.grid<40xf16>
}

// -----

// Heat-3D on an 8x8x12 grid.
// CHECK:      .target sm_80
// CHECK:      .visible .entry kernel_0(
// CHECK:      	bar.sync 0;
// CHECK:      	mma.sp::ordered_metadata.sync.aligned.m16n8k32.row.col.f32.f16.f16.f32
// CHECK:      	ret;
func.func @heat3d(%0: !lstencil.grid<8x8x12xf16>) -> !lstencil.grid<8x8x12xf16> {
  %1 = lstencil.stencil [[-1, 0, 0] = 0.1248, [0, -1, 0] = 0.125, [0, 0, -1] = 0.1252, [0, 0, 0] = 0.25, [0, 0, 1] = 0.1253, [0, 1, 0] = 0.1251, [1, 0, 0] = 0.1249] : !lstencil.stencil<3>
  %2 = lstencil.apply %1 to %0 steps 1 : !lstencil.grid<8x8x12xf16>
  func.return %2 : !lstencil.grid<8x8x12xf16>
}
