// RUN: SST_ROUNDTRIP
// RUN: sparse-stencil-opt %s --split-input-file --print-op-generic | filecheck %s
// The stock xdsl-opt sees the dialect through the xdsl.universe entry point.
// RUN: xdsl-opt %s --split-input-file | filecheck %s

// CHECK:      "ptx.global"() <{sym_name = "table", space = "const", element = "b32", values = array<i64: 1, 2, 3>, alignment = #builtin.int<16>}> : () -> ()
// CHECK-NEXT: "ptx.entry"() <{sym_name = "k", param_names = ["p", "n"], param_types = ["u64", "u32"]}> ({
// CHECK-NEXT:   %[[P:.*]] = "ptx.ld_param"() <{param = "p", type = "u64", operandSegmentSizes = array<i32: 0>}> : () -> !ptx.reg<b64>
// CHECK-NEXT:   %[[N:.*]] = "ptx.ld_param"() <{param = "n", type = "u32", operandSegmentSizes = array<i32: 0>}> : () -> !ptx.reg<b32>
// CHECK-NEXT:   %[[Q:.*]] = "ptx.setp"(%[[N]], %[[N]]) <{compare = "hs", type = "u32", operandSegmentSizes = array<i32: 1, 1, 0, 0>}> : (!ptx.reg<b32>, !ptx.reg<b32>) -> !ptx.reg<pred>
// CHECK-NEXT:   %[[S:.*]] = "ptx.selp"(%[[N]], %[[Q]]) <{type = "u32", b_imm = #builtin.int<7>, operandSegmentSizes = array<i32: 1, 0, 1, 0>}> : (!ptx.reg<b32>, !ptx.reg<pred>) -> !ptx.reg<b32>
// CHECK-NEXT:   %[[W:.*]] = "ptx.mad"(%[[S]], %[[N]], %[[P]]) <{type = "u32", mode = "wide", operandSegmentSizes = array<i32: 1, 1, 1, 0>}> : (!ptx.reg<b32>, !ptx.reg<b32>, !ptx.reg<b64>) -> !ptx.reg<b64>
// CHECK-NEXT:   %[[V0:[^,]*]], %[[V1:[^,]*]], %[[V2:[^,]*]], %{{[^ ]*}} = "ptx.ld"(%[[W]], %[[Q]]) <{space = "global", type = "u32", offset = #builtin.int<-16>, non_coherent, negate, operandSegmentSizes = array<i32: 1, 1>}> : (!ptx.reg<b64>, !ptx.reg<pred>) -> (!ptx.reg<b32>, !ptx.reg<b32>, !ptx.reg<b32>, !ptx.reg<b32>)
// CHECK-NEXT:   %[[H:.*]] = "ptx.cvt"(%[[V0]]) <{to = "u16", frm = "u32", operandSegmentSizes = array<i32: 1, 0>}> : (!ptx.reg<b32>) -> !ptx.reg<b16>
// CHECK-NEXT:   %{{.*}} = "ptx.pack"(%[[H]], %[[H]]) <{operandSegmentSizes = array<i32: 1, 1, 0>}> : (!ptx.reg<b16>, !ptx.reg<b16>) -> !ptx.reg<b32>
// CHECK-NEXT:   "ptx.st"(%[[W]], %[[V1]], %[[V2]]) <{space = "global", type = "u32", offset = #builtin.int<8>, operandSegmentSizes = array<i32: 1, 2, 0>}> : (!ptx.reg<b64>, !ptx.reg<b32>, !ptx.reg<b32>) -> ()
// CHECK-NEXT:   "ptx.ret"(%[[Q]]) <{operandSegmentSizes = array<i32: 1>}> : (!ptx.reg<pred>) -> ()
// CHECK-NEXT: }) : () -> ()
"ptx.global"() <{sym_name = "table", space = "const", element = "b32", values = array<i64: 1, 2, 3>, alignment = #builtin.int<16>}> : () -> ()
"ptx.entry"() <{sym_name = "k", param_names = ["p", "n"], param_types = ["u64", "u32"]}> ({
  %p = "ptx.ld_param"() <{param = "p", type = "u64", operandSegmentSizes = array<i32: 0>}> : () -> !ptx.reg<b64>
  %n = "ptx.ld_param"() <{param = "n", type = "u32", operandSegmentSizes = array<i32: 0>}> : () -> !ptx.reg<b32>
  %q = "ptx.setp"(%n, %n) <{compare = "hs", type = "u32", operandSegmentSizes = array<i32: 1, 1, 0, 0>}> : (!ptx.reg<b32>, !ptx.reg<b32>) -> !ptx.reg<pred>
  %s = "ptx.selp"(%n, %q) <{type = "u32", b_imm = #builtin.int<7>, operandSegmentSizes = array<i32: 1, 0, 1, 0>}> : (!ptx.reg<b32>, !ptx.reg<pred>) -> !ptx.reg<b32>
  %w = "ptx.mad"(%s, %n, %p) <{type = "u32", mode = "wide", operandSegmentSizes = array<i32: 1, 1, 1, 0>}> : (!ptx.reg<b32>, !ptx.reg<b32>, !ptx.reg<b64>) -> !ptx.reg<b64>
  %v:4 = "ptx.ld"(%w, %q) <{space = "global", type = "u32", offset = #builtin.int<-16>, non_coherent, negate, operandSegmentSizes = array<i32: 1, 1>}> : (!ptx.reg<b64>, !ptx.reg<pred>) -> (!ptx.reg<b32>, !ptx.reg<b32>, !ptx.reg<b32>, !ptx.reg<b32>)
  %h = "ptx.cvt"(%v#0) <{to = "u16", frm = "u32", operandSegmentSizes = array<i32: 1, 0>}> : (!ptx.reg<b32>) -> !ptx.reg<b16>
  %pair = "ptx.pack"(%h, %h) <{operandSegmentSizes = array<i32: 1, 1, 0>}> : (!ptx.reg<b16>, !ptx.reg<b16>) -> !ptx.reg<b32>
  "ptx.st"(%w, %v#1, %v#2) <{space = "global", type = "u32", offset = #builtin.int<8>, operandSegmentSizes = array<i32: 1, 2, 0>}> : (!ptx.reg<b64>, !ptx.reg<b32>, !ptx.reg<b32>) -> ()
  "ptx.ret"(%q) <{operandSegmentSizes = array<i32: 1>}> : (!ptx.reg<pred>) -> ()
}) : () -> ()

// -----

// CHECK:      "ptx.entry"() <{sym_name = "warp", param_names = [], param_types = []}> ({
// CHECK-NEXT:   %[[S:.*]] = "ptx.address_of"() <{symbol = @buffer, type = "u32", operandSegmentSizes = array<i32: 0>}> : () -> !ptx.reg<b32>
// CHECK-NEXT:   %[[A0:[^,]*]], %[[A1:[^,]*]], %[[A2:[^,]*]], %[[A3:[^ ]*]] = "ptx.ldmatrix"(%[[S]]) <{operandSegmentSizes = array<i32: 1, 0>}> : (!ptx.reg<b32>) -> (!ptx.reg<b32>, !ptx.reg<b32>, !ptx.reg<b32>, !ptx.reg<b32>)
// CHECK-NEXT:   %[[C:.*]] = "ptx.mov"() <{type = "f32", source_imm = #builtin.int<0>, operandSegmentSizes = array<i32: 0, 0>}> : () -> !ptx.reg<f32>
// CHECK-NEXT:   %{{.*}} = "ptx.mma_sp"(%[[S]], %[[A0]], %[[A1]], %[[A2]], %[[A3]], %[[A0]], %[[A1]], %[[A2]], %[[A3]], %[[C]], %[[C]], %[[C]], %[[C]]) <{shape = "m16n8k32", a_type = "bf16", selector = #builtin.int<1>, operandSegmentSizes = array<i32: 1, 4, 4, 4, 0>}>
// CHECK-NEXT:   "ptx.shared"() <{sym_name = "buffer", size = #builtin.int<512>, alignment = #builtin.int<16>}> : () -> ()
// CHECK-NEXT:   "ptx.bar_sync"() <{barrier = #builtin.int<1>, operandSegmentSizes = array<i32: 0>}> : () -> ()
"ptx.entry"() <{sym_name = "warp", param_names = [], param_types = []}> ({
  %s = "ptx.address_of"() <{symbol = @buffer, type = "u32", operandSegmentSizes = array<i32: 0>}> : () -> !ptx.reg<b32>
  %a:4 = "ptx.ldmatrix"(%s) <{operandSegmentSizes = array<i32: 1, 0>}> : (!ptx.reg<b32>) -> (!ptx.reg<b32>, !ptx.reg<b32>, !ptx.reg<b32>, !ptx.reg<b32>)
  %c = "ptx.mov"() <{type = "f32", source_imm = #builtin.int<0>, operandSegmentSizes = array<i32: 0, 0>}> : () -> !ptx.reg<f32>
  %d:4 = "ptx.mma_sp"(%s, %a#0, %a#1, %a#2, %a#3, %a#0, %a#1, %a#2, %a#3, %c, %c, %c, %c) <{shape = "m16n8k32", a_type = "bf16", selector = #builtin.int<1>, operandSegmentSizes = array<i32: 1, 4, 4, 4, 0>}> : (!ptx.reg<b32>, !ptx.reg<b32>, !ptx.reg<b32>, !ptx.reg<b32>, !ptx.reg<b32>, !ptx.reg<b32>, !ptx.reg<b32>, !ptx.reg<b32>, !ptx.reg<b32>, !ptx.reg<f32>, !ptx.reg<f32>, !ptx.reg<f32>, !ptx.reg<f32>) -> (!ptx.reg<f32>, !ptx.reg<f32>, !ptx.reg<f32>, !ptx.reg<f32>)
  "ptx.shared"() <{sym_name = "buffer", size = #builtin.int<512>, alignment = #builtin.int<16>}> : () -> ()
  "ptx.bar_sync"() <{barrier = #builtin.int<1>, operandSegmentSizes = array<i32: 0>}> : () -> ()
}) : () -> ()
