// RUN: sparse-stencil-opt %s -p morph-stencil-layout,convert-structured-sparsity,lower-layout-to-mma | filecheck %s
// RUN: sparse-stencil-opt %s -p morph-stencil-layout,lower-layout-to-mma | filecheck %s --check-prefix=DENSE
// RUN: sparse-stencil-opt %s -p 'morph-stencil-layout,convert-structured-sparsity,lower-layout-to-mma{block=1,1,1,8}' | filecheck %s --check-prefix=BLOCK

// Heat-2D on a 20x24 f16 grid (`sparse-stencil show heat-2d --shape 20x24 --mlir`).
builtin.module {
  func.func @apply(%0: !lstencil.grid<20x24xf16>) -> !lstencil.grid<20x24xf16> {
    %1 = lstencil.stencil [[-1, 0] = 0.1873, [0, -1] = 0.1876, [0, 0] = 0.25, [0, 1] = 0.1877, [1, 0] = 0.1874] : !lstencil.stencil<2>
    %2 = lstencil.apply %1 to %0 steps 1 : !lstencil.grid<20x24xf16>
    func.return %2 : !lstencil.grid<20x24xf16>
  }
}

// The converted 2:4 layout runs on the sparse tensor cores. The kernel goes to the top of
// the module, the apply becomes its launch and the layout is erased.
// CHECK:      builtin.module {
// CHECK-NEXT:   mma.kernel @kernel_0 grid !lstencil.grid<20x24xf16> halo [1, 1] tile [{{[0-9, ]+}}] instruction "mma.sp.m16n8k32.f16" warps {{[0-9]+}} groups {{[0-9]+}} arrangement [{{[0-9, ]+}}] pad {{[0-9]+}} {
// CHECK-NEXT:     mma.stage box [{{[0-9]+}}, {{[0-9]+}}] pitch {{[0-9]+}}
// CHECK-NEXT:     mma.tile_product steps 1 last "mma.sp.m16n8k32.f16" fragments [
// CHECK:          ] tile_bases [
// CHECK:          mma.store points [
// CHECK:        func.func @apply(%[[X:.*]]: !lstencil.grid<20x24xf16>) -> !lstencil.grid<20x24xf16> {
// CHECK-NEXT:     %[[Y:.*]] = mma.launch @kernel_0(%[[X]]) steps {{.*}}1{{.*}} : !lstencil.grid<20x24xf16> -> !lstencil.grid<20x24xf16>
// CHECK-NEXT:     func.return %[[Y]] : !lstencil.grid<20x24xf16>
// CHECK-NOT:    sparse_layout

// The morphed (unconverted) layout is the dense baseline: mma.sync, two K steps of 16.
// DENSE:      mma.kernel @kernel_0 grid !lstencil.grid<20x24xf16> {{.*}} instruction "mma.m16n8k16.f16"
// DENSE:        mma.tile_product steps 2 last "mma.m16n8k16.f16" fragments [
// DENSE:      mma.launch @kernel_0(

// `block` forces the block layout: one warp of one group of 1x8 tiles.
// BLOCK: mma.kernel @kernel_0 grid !lstencil.grid<20x24xf16> {{.*}} instruction "mma.sp.m16n8k32.f16" warps 1 groups 1 arrangement [1, 8] pad {{[0-9]+}} {
