// RUN: sparse-stencil-opt %s -p 'compile-stencil{k_order=runs fuse_steps=1}' -t ptx | filecheck %s
// RUN: sparse-stencil-opt %s -p 'compile-stencil{k_order=runs fuse_steps=1}' -t ptx | grep -c 'mma.sp::' | filecheck %s --check-prefix=MMAS

// A radius-3 star on a 20x72 f16 grid with its 2x8 tile at phase 0 (docs/design.md §4.7):
// blocks start 3 points before the interior on the innermost axis, so that each arm row
// of a tile is one 16-byte run; the staged box starts 8 points before the tiles (16-byte
// aligned in the grid), the staging checks the low end of that axis, and the stores
// check that a point is not before the interior. The K order gathers whole runs
// (16-byte loads) and half-runs (8-byte loads).
func.func @apply(%0: !lstencil.grid<20x72xf16>) -> !lstencil.grid<20x72xf16> {
  %1 = lstencil.stencil [[-3, 0] = 0.0625, [-2, 0] = 0.0625, [-1, 0] = 0.0625, [0, -3] = 0.0625, [0, -2] = 0.0625, [0, -1] = 0.0625, [0, 0] = 0.25, [0, 1] = 0.0625, [0, 2] = 0.0625, [0, 3] = 0.0625, [1, 0] = 0.0625, [2, 0] = 0.0625, [3, 0] = 0.0625] : !lstencil.stencil<2>
  %2 = lstencil.apply %1 to %0 steps 1 : !lstencil.grid<20x72xf16>
  func.return %2 : !lstencil.grid<20x72xf16>
}

// CHECK:      .visible .entry kernel_0(
// CHECK:      mov.u32 [[BX:%r[0-9]+]], %ctaid.x;
// interior 66 points plus the lead of 3, less the block's start
// CHECK:      mad.lo.s32 {{%r[0-9]+}}, [[BX]], -128, 69;
// CHECK:      sub.s32 {{%r[0-9]+}}, {{%r[0-9]+}}, 8;
// where the interior starts from the block's output origin: 3 - 128 b
// CHECK:      mad.lo.s32 [[FIRST:%r[0-9]+]], [[BX]], -128, 3;
// the staged box starts 8 - 3 = 5 points before the grid in block 0
// CHECK:      add.s32 {{%r[0-9]+}}, [[FIRST]], 5;
// CHECK:      setp.le.s32
// CHECK-COUNT-8: ld.shared.v4.b32
// CHECK:      ld.shared.v2.b32
// CHECK:      setp.ge.and.s32 {{%p[0-9]+}}, {{%r[0-9]+}}, [[FIRST]], {{%p[0-9]+}};
// CHECK:      ret;

// three K32 steps for each of the 8 groups of MMA columns (whole runs at the halo's phase
// take four)
// MMAS: 24
