// RUN: sparse-stencil-opt %s --split-input-file --verify-diagnostics --parsing-diagnostics | filecheck %s

"ptx.entry"() <{sym_name = "k", param_names = [], param_types = []}> ({
  %f = "ptx.mov"() <{type = "f32", source_imm = #builtin.int<0>, operandSegmentSizes = array<i32: 0, 0>}> : () -> !ptx.reg<f32>
  %r = "ptx.add"(%f) <{type = "s32", rhs_imm = #builtin.int<1>, operandSegmentSizes = array<i32: 1, 0, 0>}> : (!ptx.reg<f32>) -> !ptx.reg<b32>
}) : () -> ()
// CHECK: Operation does not verify: lhs must be a !ptx.reg<b32> register, got !ptx.reg<f32>

// -----

"ptx.entry"() <{sym_name = "k", param_names = [], param_types = []}> ({
  %r = "ptx.mov"() <{type = "b32", operandSegmentSizes = array<i32: 0, 0>}> : () -> !ptx.reg<b32>
}) : () -> ()
// CHECK: Operation does not verify: source must be either a register or an immediate

// -----

"ptx.entry"() <{sym_name = "k", param_names = [], param_types = []}> ({
  %r = "ptx.mov"() <{type = "b32", source_imm = #builtin.int<0>, operandSegmentSizes = array<i32: 0, 0>}> : () -> !ptx.reg<b32>
  "ptx.ret"(%r) <{operandSegmentSizes = array<i32: 1>}> : (!ptx.reg<b32>) -> ()
}) : () -> ()
// CHECK: Operation does not verify: guard must be a !ptx.reg<pred> register, got !ptx.reg<b32>

// -----

"ptx.entry"() <{sym_name = "k", param_names = [], param_types = []}> ({
  %r = "ptx.mov"() <{type = "b32", source_imm = #builtin.int<0>, operandSegmentSizes = array<i32: 0, 0>}> : () -> !ptx.reg<b32>
  %c = "ptx.mov"() <{type = "f32", source_imm = #builtin.int<0>, operandSegmentSizes = array<i32: 0, 0>}> : () -> !ptx.reg<f32>
  %d:4 = "ptx.mma_sp"(%r, %r, %r, %r, %r, %c, %c, %c, %c) <{shape = "m16n8k16", a_type = "f16", selector = #builtin.int<4>, operandSegmentSizes = array<i32: 1, 2, 2, 4, 0>}> : (!ptx.reg<b32>, !ptx.reg<b32>, !ptx.reg<b32>, !ptx.reg<b32>, !ptx.reg<b32>, !ptx.reg<f32>, !ptx.reg<f32>, !ptx.reg<f32>, !ptx.reg<f32>) -> (!ptx.reg<f32>, !ptx.reg<f32>, !ptx.reg<f32>, !ptx.reg<f32>)
}) : () -> ()
// CHECK: Operation does not verify: sparsity selector must be one of 0, 1, 2, 3, got '4'

// -----

"ptx.entry"() <{sym_name = "k", param_names = [], param_types = []}> ({
  %r = "ptx.mov"() <{type = "b32", source_imm = #builtin.int<0>, operandSegmentSizes = array<i32: 0, 0>}> : () -> !ptx.reg<b32>
  %c = "ptx.mov"() <{type = "f32", source_imm = #builtin.int<0>, operandSegmentSizes = array<i32: 0, 0>}> : () -> !ptx.reg<f32>
  %d:4 = "ptx.mma"(%r, %r, %r, %r, %c, %c, %c, %c) <{shape = "m16n8k16", a_type = "f16", operandSegmentSizes = array<i32: 2, 2, 4, 0>}> : (!ptx.reg<b32>, !ptx.reg<b32>, !ptx.reg<b32>, !ptx.reg<b32>, !ptx.reg<f32>, !ptx.reg<f32>, !ptx.reg<f32>, !ptx.reg<f32>) -> (!ptx.reg<f32>, !ptx.reg<f32>, !ptx.reg<f32>, !ptx.reg<f32>)
}) : () -> ()
// CHECK: Operation does not verify: A takes 4 registers, got 2

// -----

"ptx.entry"() <{sym_name = "k", param_names = [], param_types = []}> ({
  %a = "ptx.address_of"() <{symbol = @missing, type = "u32", operandSegmentSizes = array<i32: 0>}> : () -> !ptx.reg<b32>
}) : () -> ()
// CHECK: Operation does not verify: a 32-bit address names a .shared variable, not 'missing'

// -----

"ptx.entry"() <{sym_name = "k", param_names = ["p"], param_types = ["u32"]}> ({
  %p = "ptx.ld_param"() <{param = "p", type = "u64", operandSegmentSizes = array<i32: 0>}> : () -> !ptx.reg<b64>
}) : () -> ()
// CHECK: Operation does not verify: ld.param.u64 reads 'p', which is no .u64 parameter of kernel 'k'

// -----

"ptx.entry"() <{sym_name = "k", param_names = [], param_types = []}> ({
  %p = "ptx.mov"() <{type = "u64", source_imm = #builtin.int<0>, operandSegmentSizes = array<i32: 0, 0>}> : () -> !ptx.reg<b64>
  %v:3 = "ptx.ld"(%p) <{space = "global", type = "f32", offset = #builtin.int<0>, operandSegmentSizes = array<i32: 1, 0>}> : (!ptx.reg<b64>) -> (!ptx.reg<f32>, !ptx.reg<f32>, !ptx.reg<f32>)
}) : () -> ()
// CHECK: Operation does not verify: ld vector width must be one of 1, 2, 4, got '3'

// -----

"ptx.global"() <{sym_name = "g", space = "shared", element = "b32", values = array<i64: 1>, alignment = #builtin.int<16>}> : () -> ()
// CHECK: Operation does not verify: global space must be one of const, global, got 'shared'

// -----

%r = "test.op"() : () -> !ptx.reg<b128>
// CHECK: register class must be one of pred, b16, b32, b64, f32, got 'b128'
