// RUN: not sparse-stencil-opt %s -p 'compile-stencil{arch=sm_75}' 2>&1 | filecheck %s --check-prefix=ARCH
// RUN: not sparse-stencil-opt %s -p 'compile-stencil{tile=3,3,3}' 2>&1 | filecheck %s --check-prefix=TILE

// ARCH: error: unsupported arch 'sm_75': expected one of sm_80, sm_90
// ARCH-NOT: Traceback
// A refusal names the apply's source location and shows its op line.
// TILE: error: {{.*}}invalid.mlir:[[# @LINE + 4]]:3: lstencil.apply: tile [3, 3, 3] must have one positive extent per axis (2) whose product is at most 16
// TILE-NEXT: in: %{{.*}} = "lstencil.apply"
func.func @apply(%0: !lstencil.grid<20x24xf16>) -> !lstencil.grid<20x24xf16> {
  %1 = lstencil.stencil [[-1, 0] = 0.1873, [0, -1] = 0.1876, [0, 0] = 0.25, [0, 1] = 0.1877, [1, 0] = 0.1874] : !lstencil.stencil<2>
  %2 = lstencil.apply %1 to %0 steps 1 : !lstencil.grid<20x24xf16>
  func.return %2 : !lstencil.grid<20x24xf16>
}
