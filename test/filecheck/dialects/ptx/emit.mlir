// RUN: sparse-stencil-opt %s -t ptx | filecheck %s
// RUN: sparse-stencil-opt %s -t 'ptx{arch=sm_90}' | filecheck %s --check-prefix=SM90
// RUN: xdsl-opt %s -t ptx | filecheck %s
// RUN: not sparse-stencil-opt %s -t 'ptx{arch=sm_75}' 2>&1 | filecheck %s --check-prefix=ARCH

// CHECK:      .version 8.5
// CHECK-NEXT: .target sm_80
// CHECK-NEXT: .address_size 64
// CHECK-EMPTY:
// SM90:      .version 8.5
// SM90-NEXT: .target sm_90
// SM90-NEXT: .address_size 64
// ARCH: error: unsupported PTX target 'sm_75': choose one of sm_80, sm_90

// A long initializer breaks after every 8 values; s32 prints patterns signed.
// CHECK-NEXT: .const .align 16 .s32 table[10] = {
// CHECK-NEXT: 	0, 1, 2, 3, 4, 5, 6, 7,
// CHECK-NEXT: 	8, -1
// CHECK-NEXT: };
// CHECK-NEXT: .global .align 4 .b16 halves[2] = {15360, 65535};
"ptx.global"() <{sym_name = "table", space = "const", element = "s32", values = array<i64: 0, 1, 2, 3, 4, 5, 6, 7, 8, 4294967295>, alignment = #builtin.int<16>}> : () -> ()
"ptx.global"() <{sym_name = "halves", space = "global", element = "b16", values = array<i64: 15360, -1>, alignment = #builtin.int<4>}> : () -> ()

// Registers are numbered from 1 per class in order of definition; declarations come first,
// then the shared arrays (wherever the body declares them), then the code.
// CHECK-EMPTY:
// CHECK-NEXT: .visible .entry guarded(
// CHECK-NEXT: 	.param .u64 x,
// CHECK-NEXT: 	.param .u32 n
// CHECK-NEXT: )
// CHECK-NEXT: {
// CHECK-NEXT: 	.reg .pred %p<3>;
// CHECK-NEXT: 	.reg .b16 %rs<2>;
// CHECK-NEXT: 	.reg .b32 %r<7>;
// CHECK-NEXT: 	.reg .b64 %rd<4>;
// CHECK-NEXT: 	.reg .f32 %f<4>;
// CHECK-NEXT: 	.shared .align 16 .b8 tile[256];
// CHECK-NEXT: 	ld.param.u64 %rd1, [x];
// CHECK-NEXT: 	cvta.to.global.u64 %rd2, %rd1;
// CHECK-NEXT: 	ld.param.u32 %r1, [n];
// CHECK-NEXT: 	mov.u32 %r2, %tid.x;
// CHECK-NEXT: 	setp.lt.s32 %p1, %r2, 10;
// CHECK-NEXT: 	setp.lt.and.u32 %p2, %r2, %r1, %p1;
// CHECK-NEXT: 	mul.wide.s32 %rd3, %r2, 8;
// CHECK-NEXT: 	@%p2 ld.global.nc.v2.f32 {%f1, %f2}, [%rd3+16];
// CHECK-NEXT: 	mov.u32 %r3, tile;
// CHECK-NEXT: 	@!%p2 ld.shared.b16 %rs1, [%r3+-4];
// CHECK-NEXT: 	ld.shared.u32 %r4, [%r3];
// CHECK-NEXT: 	mov.f32 %f3, 0f3F800000;
// CHECK-NEXT: 	st.global.v2.f32 [%rd3+8], {%f1, %f3};
// CHECK-NEXT: 	bar.sync 0;
// CHECK-NEXT: 	ldmatrix.sync.aligned.m8n8.x2.trans.shared.b16 {%r5, %r6}, [%r3];
// CHECK-NEXT: 	ret;
// CHECK-NEXT: }
"ptx.entry"() <{sym_name = "guarded", param_names = ["x", "n"], param_types = ["u64", "u32"]}> ({
  %0 = "ptx.ld_param"() <{param = "x", type = "u64", operandSegmentSizes = array<i32: 0>}> : () -> !ptx.reg<b64>
  %1 = "ptx.cvta"(%0) <{space = "global", operandSegmentSizes = array<i32: 1, 0>}> : (!ptx.reg<b64>) -> !ptx.reg<b64>
  %2 = "ptx.ld_param"() <{param = "n", type = "u32", operandSegmentSizes = array<i32: 0>}> : () -> !ptx.reg<b32>
  %3 = "ptx.special_reg"() <{register = "tid.x", operandSegmentSizes = array<i32: 0>}> : () -> !ptx.reg<b32>
  %4 = "ptx.setp"(%3) <{compare = "lt", type = "s32", rhs_imm = #builtin.int<10>, operandSegmentSizes = array<i32: 1, 0, 0, 0>}> : (!ptx.reg<b32>) -> !ptx.reg<pred>
  %5 = "ptx.setp"(%3, %2, %4) <{compare = "lt", type = "u32", combine_op = "and", operandSegmentSizes = array<i32: 1, 1, 1, 0>}> : (!ptx.reg<b32>, !ptx.reg<b32>, !ptx.reg<pred>) -> !ptx.reg<pred>
  %6 = "ptx.mul"(%3) <{type = "s32", mode = "wide", rhs_imm = #builtin.int<8>, operandSegmentSizes = array<i32: 1, 0, 0>}> : (!ptx.reg<b32>) -> !ptx.reg<b64>
  %7, %8 = "ptx.ld"(%6, %5) <{space = "global", type = "f32", offset = #builtin.int<16>, non_coherent, operandSegmentSizes = array<i32: 1, 1>}> : (!ptx.reg<b64>, !ptx.reg<pred>) -> (!ptx.reg<f32>, !ptx.reg<f32>)
  %9 = "ptx.address_of"() <{symbol = @tile, type = "u32", operandSegmentSizes = array<i32: 0>}> : () -> !ptx.reg<b32>
  %10 = "ptx.ld"(%9, %5) <{space = "shared", type = "b16", offset = #builtin.int<-4>, negate, operandSegmentSizes = array<i32: 1, 1>}> : (!ptx.reg<b32>, !ptx.reg<pred>) -> !ptx.reg<b16>
  %11 = "ptx.ld"(%9) <{space = "shared", type = "u32", offset = #builtin.int<0>, operandSegmentSizes = array<i32: 1, 0>}> : (!ptx.reg<b32>) -> !ptx.reg<b32>
  "ptx.shared"() <{sym_name = "tile", size = #builtin.int<256>, alignment = #builtin.int<16>}> : () -> ()
  %12 = "ptx.mov"() <{type = "f32", source_imm = #builtin.int<1065353216>, operandSegmentSizes = array<i32: 0, 0>}> : () -> !ptx.reg<f32>
  "ptx.st"(%6, %7, %12) <{space = "global", type = "f32", offset = #builtin.int<8>, operandSegmentSizes = array<i32: 1, 2, 0>}> : (!ptx.reg<b64>, !ptx.reg<f32>, !ptx.reg<f32>) -> ()
  "ptx.bar_sync"() <{barrier = #builtin.int<0>, operandSegmentSizes = array<i32: 0>}> : () -> ()
  %13, %14 = "ptx.ldmatrix"(%9) <{trans, operandSegmentSizes = array<i32: 1, 0>}> : (!ptx.reg<b32>) -> (!ptx.reg<b32>, !ptx.reg<b32>)
  "ptx.ret"() <{operandSegmentSizes = array<i32: 0>}> : () -> ()
}) : () -> ()

// A one-warp mma.sp tile: fragments in brace vectors, then metadata and selector.
// CHECK-EMPTY:
// CHECK-NEXT: .visible .entry tile()
// CHECK-NEXT: {
// CHECK-NEXT: 	.reg .b32 %r<4>;
// CHECK-NEXT: 	.reg .f32 %f<10>;
// CHECK-NEXT: 	mov.b32 %r1, 0;
// CHECK-NEXT: 	mov.b32 %r2, 4;
// CHECK-NEXT: 	mov.f32 %f1, 0f00000000;
// CHECK-NEXT: 	cvt.rna.tf32.f32 %r3, %f1;
// CHECK-NEXT: 	mma.sp::ordered_metadata.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%f2, %f3, %f4, %f5}, {%r1, %r1}, {%r1, %r1}, {%f1, %f1, %f1, %f1}, %r2, 3;
// CHECK-NEXT: 	mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%f6, %f7, %f8, %f9}, {%r3, %r3, %r3, %r3}, {%r3, %r3}, {%f2, %f3, %f4, %f5};
// CHECK-NEXT: 	ret;
// CHECK-NEXT: }
"ptx.entry"() <{sym_name = "tile", param_names = [], param_types = []}> ({
  %0 = "ptx.mov"() <{type = "b32", source_imm = #builtin.int<0>, operandSegmentSizes = array<i32: 0, 0>}> : () -> !ptx.reg<b32>
  %1 = "ptx.mov"() <{type = "b32", source_imm = #builtin.int<4>, operandSegmentSizes = array<i32: 0, 0>}> : () -> !ptx.reg<b32>
  %2 = "ptx.mov"() <{type = "f32", source_imm = #builtin.int<0>, operandSegmentSizes = array<i32: 0, 0>}> : () -> !ptx.reg<f32>
  %3 = "ptx.cvt"(%2) <{to = "tf32", frm = "f32", rounding = "rna", operandSegmentSizes = array<i32: 1, 0>}> : (!ptx.reg<f32>) -> !ptx.reg<b32>
  %4, %5, %6, %7 = "ptx.mma_sp"(%1, %0, %0, %0, %0, %2, %2, %2, %2) <{shape = "m16n8k16", a_type = "f16", selector = #builtin.int<3>, operandSegmentSizes = array<i32: 1, 2, 2, 4, 0>}> : (!ptx.reg<b32>, !ptx.reg<b32>, !ptx.reg<b32>, !ptx.reg<b32>, !ptx.reg<b32>, !ptx.reg<f32>, !ptx.reg<f32>, !ptx.reg<f32>, !ptx.reg<f32>) -> (!ptx.reg<f32>, !ptx.reg<f32>, !ptx.reg<f32>, !ptx.reg<f32>)
  %8, %9, %10, %11 = "ptx.mma"(%3, %3, %3, %3, %3, %3, %4, %5, %6, %7) <{shape = "m16n8k8", a_type = "tf32", operandSegmentSizes = array<i32: 4, 2, 4, 0>}> : (!ptx.reg<b32>, !ptx.reg<b32>, !ptx.reg<b32>, !ptx.reg<b32>, !ptx.reg<b32>, !ptx.reg<b32>, !ptx.reg<f32>, !ptx.reg<f32>, !ptx.reg<f32>, !ptx.reg<f32>) -> (!ptx.reg<f32>, !ptx.reg<f32>, !ptx.reg<f32>, !ptx.reg<f32>)
  "ptx.ret"() <{operandSegmentSizes = array<i32: 0>}> : () -> ()
}) : () -> ()
