// RUN: sparse-stencil-opt %s -p 'compile-stencil{fuse_steps=2}' -t ptx | filecheck %s
// RUN: sparse-stencil-opt %s -p 'compile-stencil{fuse_steps=1}' -t ptx | filecheck %s --check-prefix=ONE

// Heat-2D on a 20x24 f16 grid, two steps per launch: the block stages its output box
// widened by the halo and the first round's ring into both of its shared buffers, runs one intermediate round (tile
// products, rounded to f16 and stored to the other buffer where interior), a barrier, and
// the last round, stored to global memory.
func.func @apply(%0: !lstencil.grid<20x24xf16>) -> !lstencil.grid<20x24xf16> {
  %1 = lstencil.stencil [[-1, 0] = 0.125, [0, -1] = 0.125, [0, 0] = 0.5, [0, 1] = 0.125, [1, 0] = 0.125] : !lstencil.stencil<2>
  %2 = lstencil.apply %1 to %0 steps 3 : !lstencil.grid<20x24xf16>
  func.return %2 : !lstencil.grid<20x24xf16>
}

// CHECK:      .visible .entry kernel_0(
// CHECK:      st.shared
// CHECK:      bar.sync 0;
// CHECK:      mma.sp
// CHECK:      cvt.rn.f16.f32 [[R:%rs[0-9]+]]
// CHECK-NEXT: @{{%p[0-9]+}} st.shared.b16 [{{%r[0-9]+}}+{{[0-9]+}}], [[R]];
// CHECK:      bar.sync 0;
// CHECK:      mma.sp
// CHECK:      st.global.b16
// CHECK-NOT:  bar.sync

// ONE:        bar.sync 0;
// ONE-NOT:    bar.sync
// ONE:        st.global.b16
