// RUN: sparse-stencil-opt %s -p morph-stencil-layout,convert-structured-sparsity,lower-layout-to-mma | filecheck %s

// An f32 grid's 1:2 layout runs as tf32 on the sparse tensor cores.
// CHECK: mma.kernel @kernel_0 grid !lstencil.grid<20x24xf32> {{.*}} instruction "mma.sp.m16n8k16.tf32"
// CHECK: mma.launch @kernel_0(%{{.*}}) {{.*}} : !lstencil.grid<20x24xf32> -> !lstencil.grid<20x24xf32>
func.func @apply(%0: !lstencil.grid<20x24xf32>) -> !lstencil.grid<20x24xf32> {
  %1 = lstencil.stencil [[-1, 0] = 0.1873, [0, -1] = 0.1876, [0, 0] = 0.25, [0, 1] = 0.1877, [1, 0] = 0.1874] : !lstencil.stencil<2>
  %2 = lstencil.apply %1 to %0 steps 1 : !lstencil.grid<20x24xf32>
  func.return %2 : !lstencil.grid<20x24xf32>
}
