// RUN: not sparse-stencil-opt %s --split-input-file -p 'morph-stencil-layout,convert-structured-sparsity,lower-layout-to-mma{arch=sm_75}' 2>&1 | filecheck %s --check-prefix=ARCH
// RUN: not sparse-stencil-opt %s --split-input-file -p 'morph-stencil-layout,convert-structured-sparsity,lower-layout-to-mma{block=1,1}' 2>&1 | filecheck %s --check-prefix=BLOCK
// RUN: not sparse-stencil-opt %s --split-input-file -p 'morph-stencil-layout,convert-structured-sparsity,lower-layout-to-mma{block=1,1,8}' 2>&1 | filecheck %s --check-prefix=RANK
// RUN: not sparse-stencil-opt %s --split-input-file -p morph-stencil-layout,convert-structured-sparsity,lower-layout-to-mma 2>&1 | filecheck %s --check-prefix=OVERFLOW

// Bad options concern no op.
// ARCH: error: unsupported arch 'sm_75': expected one of sm_80, sm_90
// ARCH-NOT: Traceback
// BLOCK: error: block=1,1 must give warps, groups and the tiles per axis of a group
// BLOCK-NOT: Traceback
// RANK: error: {{.*}}block arrangement [8] needs one extent per axis of the rank-2 grid
// RANK-NEXT: in: %{{.*}} = "sparse_layout.apply"
func.func @apply(%0: !lstencil.grid<20x24xf16>) -> !lstencil.grid<20x24xf16> {
  %1 = lstencil.stencil [[-1, 0] = 0.1873, [0, -1] = 0.1876, [0, 0] = 0.25, [0, 1] = 0.1877, [1, 0] = 0.1874] : !lstencil.stencil<2>
  %2 = lstencil.apply %1 to %0 steps 1 : !lstencil.grid<20x24xf16>
  func.return %2 : !lstencil.grid<20x24xf16>
}

// -----

// 1.0e6 does not fit in f16: the pass refuses the apply and names the coefficient.
// OVERFLOW: error: {{.*}}coefficient {{.+}} at offset [0, 0] overflows f16 (largest finite value 65504.0)
// OVERFLOW-NEXT: in: %{{.*}} = "sparse_layout.apply"
// OVERFLOW-NOT: Traceback
func.func @apply(%0: !lstencil.grid<20x24xf16>) -> !lstencil.grid<20x24xf16> {
  %1 = lstencil.stencil [[-1, 0] = 0.1873, [0, -1] = 0.1876, [0, 0] = 1.0e6, [0, 1] = 0.1877, [1, 0] = 0.1874] : !lstencil.stencil<2>
  %2 = lstencil.apply %1 to %0 steps 1 : !lstencil.grid<20x24xf16>
  func.return %2 : !lstencil.grid<20x24xf16>
}
