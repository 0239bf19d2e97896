// RUN: sparse-stencil-opt %s --split-input-file -p convert-stencil-to-lstencil | filecheck %s

// Devito's GPU wrapping: the time loop's buffers are device copies of the arguments, made
// with gpu.alloc and unrealized casts. Only the stencil matters: u[-1, 0] + u[0, 1]
// scaled by 0.25, 6 steps (time 0 .. 5), the store's [0,12)x[0,12) widened by radius 1.

func.func @apply_kernel(%arg0 : !stencil.field<[-2,14]x[-2,14]xf32>, %arg1 : !stencil.field<[-2,14]x[-2,14]xf32>, %timers : !llvm.ptr) {
  %0 = "gpu.alloc"() <{operandSegmentSizes = array<i32: 0, 0, 0>}> : () -> memref<16x16xf32>
  %u_vec = builtin.unrealized_conversion_cast %0 : memref<16x16xf32> to !stencil.field<[-2,14]x[-2,14]xf32>
  %1 = builtin.unrealized_conversion_cast %arg1 : !stencil.field<[-2,14]x[-2,14]xf32> to memref<16x16xf32>
  "gpu.memcpy"(%0, %1) {operandSegmentSizes = array<i32: 0, 1, 1>} : (memref<16x16xf32>, memref<16x16xf32>) -> ()
  %2 = "gpu.alloc"() <{operandSegmentSizes = array<i32: 0, 0, 0>}> : () -> memref<16x16xf32>
  %u_vec_1 = builtin.unrealized_conversion_cast %2 : memref<16x16xf32> to !stencil.field<[-2,14]x[-2,14]xf32>
  %time_m = arith.constant 0 : index
  %time_M = arith.constant 6 : index
  %step = arith.constant 1 : index
  %3, %4 = scf.for %time = %time_m to %time_M step %step iter_args(%t0 = %u_vec_1, %t1 = %u_vec) -> (!stencil.field<[-2,14]x[-2,14]xf32>, !stencil.field<[-2,14]x[-2,14]xf32>) {
    %t0_temp = stencil.load %t0 : !stencil.field<[-2,14]x[-2,14]xf32> -> !stencil.temp<[-1,12]x[0,13]xf32>
    %t1_result = stencil.apply(%t0_buff = %t0_temp : !stencil.temp<[-1,12]x[0,13]xf32>) -> (!stencil.temp<[0,12]x[0,12]xf32>) {
      %a = stencil.access %t0_buff[-1, 0] : !stencil.temp<[-1,12]x[0,13]xf32>
      %b = stencil.access %t0_buff[0, 1] : !stencil.temp<[-1,12]x[0,13]xf32>
      %s = arith.addf %a, %b : f32
      %q = arith.constant 2.500000e-01 : f32
      %v = arith.mulf %s, %q : f32
      stencil.return %v : f32
    }
    stencil.store %t1_result to %t1(<[0, 0], [12, 12]>) : !stencil.temp<[0,12]x[0,12]xf32> to !stencil.field<[-2,14]x[-2,14]xf32>
    scf.yield %t1, %t0 : !stencil.field<[-2,14]x[-2,14]xf32>, !stencil.field<[-2,14]x[-2,14]xf32>
  }
  "gpu.memcpy"(%1, %0) {operandSegmentSizes = array<i32: 0, 1, 1>} : (memref<16x16xf32>, memref<16x16xf32>) -> ()
  func.return
}

// CHECK:       func.func @apply_kernel(%[[X:.*]]: !lstencil.grid<14x14xf32>) -> !lstencil.grid<14x14xf32> {
// CHECK-NEXT:    %[[S:.*]] = lstencil.stencil [[-1, 0] = 0.25, [0, 1] = 0.25] : !lstencil.stencil<2>
// CHECK-NEXT:    %[[Y:.*]] = lstencil.apply %[[S]] to %[[X]] steps 6 : !lstencil.grid<14x14xf32>
// CHECK-NEXT:    func.return %[[Y]] : !lstencil.grid<14x14xf32>
// CHECK-NEXT:  }

// -----

// Buffer swapping as xDSL's lowering tests write it: the function returns the last field.
// An identity stencil (radius 0) over [0,20)x[0,20), 11 steps.

func.func @bufferswapping(%f0 : !stencil.field<[-2,22]x[-2,22]xf32>, %f1 : !stencil.field<[-2,22]x[-2,22]xf32>) -> !stencil.field<[-2,22]x[-2,22]xf32> {
  %time_m = arith.constant 0 : index
  %time_M = arith.constant 11 : index
  %step = arith.constant 1 : index
  %t1_out, %t0_out = scf.for %time = %time_m to %time_M step %step iter_args(%fim1 = %f0, %fi = %f1) -> (!stencil.field<[-2,22]x[-2,22]xf32>, !stencil.field<[-2,22]x[-2,22]xf32>) {
    %tim1 = stencil.load %fim1 : !stencil.field<[-2,22]x[-2,22]xf32> -> !stencil.temp<[0,20]x[0,20]xf32>
    %ti = stencil.apply(%tim1_b = %tim1 : !stencil.temp<[0,20]x[0,20]xf32>) -> (!stencil.temp<[0,20]x[0,20]xf32>) {
      %i = stencil.access %tim1_b[0, 0] : !stencil.temp<[0,20]x[0,20]xf32>
      stencil.return %i : f32
    }
    stencil.store %ti to %fi(<[0, 0], [20, 20]>) : !stencil.temp<[0,20]x[0,20]xf32> to !stencil.field<[-2,22]x[-2,22]xf32>
    scf.yield %fi, %fim1 : !stencil.field<[-2,22]x[-2,22]xf32>, !stencil.field<[-2,22]x[-2,22]xf32>
  }
  func.return %t1_out : !stencil.field<[-2,22]x[-2,22]xf32>
}

// CHECK:       func.func @bufferswapping(%[[X:.*]]: !lstencil.grid<20x20xf32>) -> !lstencil.grid<20x20xf32> {
// CHECK-NEXT:    %[[S:.*]] = lstencil.stencil [[0, 0] = 1.0] : !lstencil.stencil<2>
// CHECK-NEXT:    %[[Y:.*]] = lstencil.apply %[[S]] to %[[X]] steps 11 : !lstencil.grid<20x20xf32>
// CHECK-NEXT:    func.return %[[Y]] : !lstencil.grid<20x20xf32>

// -----

// Generic syntax with fields loaded from memref arguments, as xDSL's tensorize tests write
// it. The six neighbours get the f32 constant 0.16666, which xDSL holds as
// 0.16665999591350555; the store writes [0,16)x[0,8)x[0,8) with radius 1.

func.func @jacobi3d(%a : memref<18x10x10xf32>, %b : memref<18x10x10xf32>) {
  %0 = "stencil.external_load"(%a) : (memref<18x10x10xf32>) -> !stencil.field<[-1,17]x[-1,9]x[-1,9]xf32>
  %1 = "stencil.load"(%0) : (!stencil.field<[-1,17]x[-1,9]x[-1,9]xf32>) -> !stencil.temp<[-1,17]x[-1,9]x[-1,9]xf32>
  %2 = "stencil.external_load"(%b) : (memref<18x10x10xf32>) -> !stencil.field<[-1,17]x[-1,9]x[-1,9]xf32>
  %3 = "stencil.apply"(%1) <{operandSegmentSizes = array<i32: 1, 0>}> ({
  ^bb0(%4 : !stencil.temp<[-1,17]x[-1,9]x[-1,9]xf32>):
    %5 = arith.constant 1.666600e-01 : f32
    %6 = "stencil.access"(%4) {offset = #stencil.index<[1, 0, 0]>} : (!stencil.temp<[-1,17]x[-1,9]x[-1,9]xf32>) -> f32
    %7 = "stencil.access"(%4) {offset = #stencil.index<[-1, 0, 0]>} : (!stencil.temp<[-1,17]x[-1,9]x[-1,9]xf32>) -> f32
    %8 = "stencil.access"(%4) {offset = #stencil.index<[0, 1, 0]>} : (!stencil.temp<[-1,17]x[-1,9]x[-1,9]xf32>) -> f32
    %9 = "stencil.access"(%4) {offset = #stencil.index<[0, -1, 0]>} : (!stencil.temp<[-1,17]x[-1,9]x[-1,9]xf32>) -> f32
    %10 = "stencil.access"(%4) {offset = #stencil.index<[0, 0, 1]>} : (!stencil.temp<[-1,17]x[-1,9]x[-1,9]xf32>) -> f32
    %11 = "stencil.access"(%4) {offset = #stencil.index<[0, 0, -1]>} : (!stencil.temp<[-1,17]x[-1,9]x[-1,9]xf32>) -> f32
    %12 = arith.addf %11, %10 : f32
    %13 = arith.addf %12, %9 : f32
    %14 = arith.addf %13, %8 : f32
    %15 = arith.addf %14, %7 : f32
    %16 = arith.addf %15, %6 : f32
    %17 = arith.mulf %16, %5 : f32
    "stencil.return"(%17) : (f32) -> ()
  }) : (!stencil.temp<[-1,17]x[-1,9]x[-1,9]xf32>) -> !stencil.temp<[0,16]x[0,8]x[0,8]xf32>
  "stencil.store"(%3, %2) {bounds = #stencil.bounds<[0, 0, 0], [16, 8, 8]>} : (!stencil.temp<[0,16]x[0,8]x[0,8]xf32>, !stencil.field<[-1,17]x[-1,9]x[-1,9]xf32>) -> ()
  func.return
}

// CHECK:       func.func @jacobi3d(%[[X:.*]]: !lstencil.grid<18x10x10xf32>) -> !lstencil.grid<18x10x10xf32> {
// CHECK-NEXT:    %[[S:.*]] = lstencil.stencil [[0, 0, -1] = 0.16665999591350555, [0, 0, 1] = 0.16665999591350555, [0, -1, 0] = 0.16665999591350555, [0, 1, 0] = 0.16665999591350555, [-1, 0, 0] = 0.16665999591350555, [1, 0, 0] = 0.16665999591350555] : !lstencil.stencil<3>
// CHECK-NEXT:    %[[Y:.*]] = lstencil.apply %[[S]] to %[[X]] steps 1 : !lstencil.grid<18x10x10xf32>
