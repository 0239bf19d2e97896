// RUN: sparse-stencil-opt %s -p compile-stencil -t ptx | filecheck %s
// RUN: sparse-stencil-opt %s -p 'compile-stencil{sparsity=dense}' -t ptx | filecheck %s --check-prefix=DENSE
// RUN: sparse-stencil-opt %s -p 'compile-stencil{arch=sm_90}' -t 'ptx{arch=sm_90}' | filecheck %s --check-prefix=SM90
// RUN: sparse-stencil-opt %s -p compile-stencil | filecheck %s --check-prefix=IR

// Heat-2D on a 20x24 f16 grid: the whole pipeline, L0 to PTX, in one pass.
func.func @apply(%0: !lstencil.grid<20x24xf16>) -> !lstencil.grid<20x24xf16> {
  %1 = lstencil.stencil [[-1, 0] = 0.1873, [0, -1] = 0.1876, [0, 0] = 0.25, [0, 1] = 0.1877, [1, 0] = 0.1874] : !lstencil.stencil<2>
  %2 = lstencil.apply %1 to %0 steps 3 : !lstencil.grid<20x24xf16>
  func.return %2 : !lstencil.grid<20x24xf16>
}

// CHECK:      .version 8.5
// CHECK-NEXT: .target sm_80
// CHECK-NEXT: .address_size 64
// CHECK:      .global .align 16 .b32 kernel_0_fragments[{{[0-9]+}}] = {
// CHECK:      .visible .entry kernel_0(
// CHECK:      	.shared .align 16 .b8 kernel_0_box[{{[0-9]+}}];
// CHECK:      	bar.sync 0;
// CHECK:      	mma.sp::ordered_metadata.sync.aligned.m16n8k32.row.col.f32.f16.f16.f32
// CHECK:      	ret;
// CHECK-NEXT: }

// The dense baseline issues mma.sync on the morphed matrix.
// DENSE:     .target sm_80
// DENSE:     .visible .entry kernel_0(
// DENSE:     	mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// DENSE-NOT: mma.sp

// SM90: .target sm_90
// SM90: mma.sp::ordered_metadata.sync.aligned.m16n8k32

// The host function keeps the apply's place, as a launch of the kernel.
// IR:      builtin.module {
// IR:        "ptx.entry"() <{sym_name = "kernel_0", param_names = ["kernel_0_x", "kernel_0_y"], param_types = ["u64", "u64"]}> ({
// IR:        func.func @apply(%[[X:.*]]: !lstencil.grid<20x24xf16>) -> !lstencil.grid<20x24xf16> {
// IR-NEXT:     %[[Y:.*]] = mma.launch @kernel_0(%[[X]]) steps {{.*}}3{{.*}} : !lstencil.grid<20x24xf16> -> !lstencil.grid<20x24xf16>
// IR-NEXT:     func.return %[[Y]] : !lstencil.grid<20x24xf16>
// IR-NOT:    lstencil.apply
// IR-NOT:    mma.kernel

