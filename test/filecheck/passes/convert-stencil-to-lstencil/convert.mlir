// RUN: sparse-stencil-opt %s --split-input-file -p convert-stencil-to-lstencil | filecheck %s
// RUN: sparse-stencil-opt %s --split-input-file -p 'convert-stencil-to-lstencil{dtype=bf16}' | filecheck %s --check-prefix=BF16

// A 2D heat step as xDSL's stencil tests write it: dynamic fields cast to sized ones, temps
// with shape-inferred bounds, and stencil.store_result. The result is u + 0.125 * laplace(u):
// the centre gets 1 + 0.125 * -4 = 0.5 and comes first (u is the left operand of the last
// addf); each neighbour gets 0.125. The store writes [0,64)x[0,64) and the radius is 1, so
// the grid is 66x66.

builtin.module {
  func.func @heat2d(%arg0 : !stencil.field<?x?xf32>, %arg1 : !stencil.field<?x?xf32>) {
    %0 = stencil.cast %arg0 : !stencil.field<?x?xf32> -> !stencil.field<[-4,68]x[-4,68]xf32>
    %1 = stencil.cast %arg1 : !stencil.field<?x?xf32> -> !stencil.field<[-4,68]x[-4,68]xf32>
    %2 = stencil.load %0 : !stencil.field<[-4,68]x[-4,68]xf32> -> !stencil.temp<[-1,65]x[-1,65]xf32>
    %3 = stencil.apply(%4 = %2 : !stencil.temp<[-1,65]x[-1,65]xf32>) -> (!stencil.temp<[0,64]x[0,64]xf32>) {
      %5 = stencil.access %4[-1, 0] : !stencil.temp<[-1,65]x[-1,65]xf32>
      %6 = stencil.access %4[1, 0] : !stencil.temp<[-1,65]x[-1,65]xf32>
      %7 = stencil.access %4[0, 1] : !stencil.temp<[-1,65]x[-1,65]xf32>
      %8 = stencil.access %4[0, -1] : !stencil.temp<[-1,65]x[-1,65]xf32>
      %9 = stencil.access %4[0, 0] : !stencil.temp<[-1,65]x[-1,65]xf32>
      %10 = arith.addf %5, %6 : f32
      %11 = arith.addf %7, %8 : f32
      %12 = arith.addf %10, %11 : f32
      %13 = arith.constant -4.000000e+00 : f32
      %14 = arith.mulf %9, %13 : f32
      %15 = arith.addf %12, %14 : f32
      %16 = arith.constant 1.250000e-01 : f32
      %17 = arith.mulf %15, %16 : f32
      %18 = arith.addf %9, %17 : f32
      %19 = stencil.store_result %18 : !stencil.result<f32>
      stencil.return %19 : !stencil.result<f32>
    }
    stencil.store %3 to %1(<[0, 0], [64, 64]>) : !stencil.temp<[0,64]x[0,64]xf32> to !stencil.field<[-4,68]x[-4,68]xf32>
    func.return
  }
}

// CHECK:       builtin.module {
// CHECK-NEXT:    func.func @heat2d(%[[X:.*]]: !lstencil.grid<66x66xf32>) -> !lstencil.grid<66x66xf32> {
// CHECK-NEXT:      %[[S:.*]] = lstencil.stencil [[0, 0] = 0.5, [-1, 0] = 0.125, [1, 0] = 0.125, [0, 1] = 0.125, [0, -1] = 0.125] : !lstencil.stencil<2>
// CHECK-NEXT:      %[[Y:.*]] = lstencil.apply %[[S]] to %[[X]] steps 1 : !lstencil.grid<66x66xf32>
// CHECK-NEXT:      func.return %[[Y]] : !lstencil.grid<66x66xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:  }

// BF16:        func.func @heat2d(%{{.*}}: !lstencil.grid<66x66xbf16>) -> !lstencil.grid<66x66xbf16> {

// -----

// A 1D heat equation as Devito's xDSL output writes it: a time loop that swaps two
// buffers, h_x**-2 as math.fpowi, and timer calls around the loop. h_x = 1/2 and
// dt = 1/16: u + dt * (4 u[-1] + 4 u[1] - 8 u) gives 0.25 to each neighbour and
// 1 - 0.5 = 0.5 to the centre. time runs 0 .. time_M = 9 inclusive: 10 steps. The store
// writes [0,16) with radius 1: an 18-point grid. The timers are dropped, their
// declarations kept.

builtin.module {
  func.func @Kernel(%u_vec0 : !stencil.field<[-2,18]xf32>, %u_vec1 : !stencil.field<[-2,18]xf32>, %timers : !llvm.ptr) {
    %0 = func.call @timer_start() : () -> f64
    %time_m = arith.constant 0 : index
    %time_M = arith.constant 9 : index
    %1 = arith.constant 1 : index
    %2 = arith.addi %time_M, %1 : index
    %step = arith.constant 1 : index
    %3, %4 = scf.for %time = %time_m to %2 step %step iter_args(%u_t0 = %u_vec0, %u_t1 = %u_vec1) -> (!stencil.field<[-2,18]xf32>, !stencil.field<[-2,18]xf32>) {
      %u_t0_temp = stencil.load %u_t0 : !stencil.field<[-2,18]xf32> -> !stencil.temp<?xf32>
      %u_t1_temp = stencil.apply(%u_t0_blk = %u_t0_temp : !stencil.temp<?xf32>) -> (!stencil.temp<?xf32>) {
        %dt = arith.constant 6.250000e-02 : f32
        %h_x = arith.constant 5.000000e-01 : f32
        %5 = arith.constant -2 : i64
        %6 = "math.fpowi"(%h_x, %5) : (f32, i64) -> f32
        %7 = stencil.access %u_t0_blk[-1] : !stencil.temp<?xf32>
        %8 = arith.mulf %6, %7 : f32
        %9 = stencil.access %u_t0_blk[1] : !stencil.temp<?xf32>
        %10 = arith.mulf %6, %9 : f32
        %11 = arith.constant -2.000000e+00 : f32
        %12 = arith.mulf %11, %6 : f32
        %13 = stencil.access %u_t0_blk[0] : !stencil.temp<?xf32>
        %14 = arith.mulf %12, %13 : f32
        %15 = arith.addf %8, %10 : f32
        %16 = arith.addf %15, %14 : f32
        %17 = arith.mulf %dt, %16 : f32
        %18 = arith.addf %13, %17 : f32
        stencil.return %18 : f32
      }
      stencil.store %u_t1_temp to %u_t1(<[0], [16]>) : !stencil.temp<?xf32> to !stencil.field<[-2,18]xf32>
      scf.yield %u_t1, %u_t0 : !stencil.field<[-2,18]xf32>, !stencil.field<[-2,18]xf32>
    }
    %19 = func.call @timer_end(%0) : (f64) -> f64
    "llvm.store"(%19, %timers) <{"ordering" = 0 : i64}> : (f64, !llvm.ptr) -> ()
    func.return
  }
  func.func private @timer_start() -> f64
  func.func private @timer_end(f64) -> f64
}

// CHECK:       builtin.module {
// CHECK-NEXT:    func.func @Kernel(%[[X:.*]]: !lstencil.grid<18xf32>) -> !lstencil.grid<18xf32> {
// CHECK-NEXT:      %[[S:.*]] = lstencil.stencil [[0] = 0.5, [-1] = 0.25, [1] = 0.25] : !lstencil.stencil<1>
// CHECK-NEXT:      %[[Y:.*]] = lstencil.apply %[[S]] to %[[X]] steps 10 : !lstencil.grid<18xf32>
// CHECK-NEXT:      func.return %[[Y]] : !lstencil.grid<18xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    func.func private @timer_start() -> f64
// CHECK-NEXT:    func.func private @timer_end(f64) -> f64
// CHECK-NEXT:  }

// BF16:        func.func @Kernel(%{{.*}}: !lstencil.grid<18xbf16>) -> !lstencil.grid<18xbf16> {

// -----

// A 3D 7-point mean on sized field arguments, divided by a constant: each point gets
// 1/7 in float64. The store writes [0,32)x[0,16)x[0,8): a 34x18x10 grid.

func.func private @mean3d(%in : !stencil.field<[-1,33]x[-1,17]x[-1,9]xf32>, %out : !stencil.field<[-1,33]x[-1,17]x[-1,9]xf32>) {
  %t = stencil.load %in : !stencil.field<[-1,33]x[-1,17]x[-1,9]xf32> -> !stencil.temp<?x?x?xf32>
  %r = stencil.apply(%x = %t : !stencil.temp<?x?x?xf32>) -> (!stencil.temp<?x?x?xf32>) {
    %c = stencil.access %x[0, 0, 0] : !stencil.temp<?x?x?xf32>
    %a0 = stencil.access %x[-1, 0, 0] : !stencil.temp<?x?x?xf32>
    %a1 = stencil.access %x[1, 0, 0] : !stencil.temp<?x?x?xf32>
    %a2 = stencil.access %x[0, -1, 0] : !stencil.temp<?x?x?xf32>
    %a3 = stencil.access %x[0, 1, 0] : !stencil.temp<?x?x?xf32>
    %a4 = stencil.access %x[0, 0, -1] : !stencil.temp<?x?x?xf32>
    %a5 = stencil.access %x[0, 0, 1] : !stencil.temp<?x?x?xf32>
    %s0 = arith.addf %c, %a0 : f32
    %s1 = arith.addf %s0, %a1 : f32
    %s2 = arith.addf %s1, %a2 : f32
    %s3 = arith.addf %s2, %a3 : f32
    %s4 = arith.addf %s3, %a4 : f32
    %s5 = arith.addf %s4, %a5 : f32
    %seven = arith.constant 7.000000e+00 : f32
    %v = arith.divf %s5, %seven : f32
    stencil.return %v : f32
  }
  stencil.store %r to %out(<[0, 0, 0], [32, 16, 8]>) : !stencil.temp<?x?x?xf32> to !stencil.field<[-1,33]x[-1,17]x[-1,9]xf32>
  func.return
}

// CHECK:       func.func private @mean3d(%[[X:.*]]: !lstencil.grid<34x18x10xf32>) -> !lstencil.grid<34x18x10xf32> {
// CHECK-NEXT:    %[[S:.*]] = lstencil.stencil [[0, 0, 0] = 0.14285714285714285, [-1, 0, 0] = 0.14285714285714285, [1, 0, 0] = 0.14285714285714285, [0, -1, 0] = 0.14285714285714285, [0, 1, 0] = 0.14285714285714285, [0, 0, -1] = 0.14285714285714285, [0, 0, 1] = 0.14285714285714285] : !lstencil.stencil<3>
// CHECK-NEXT:    %[[Y:.*]] = lstencil.apply %[[S]] to %[[X]] steps 1 : !lstencil.grid<34x18x10xf32>

// BF16:        func.func private @mean3d(%{{.*}}: !lstencil.grid<34x18x10xbf16>) -> !lstencil.grid<34x18x10xbf16> {

// -----

// An apply with a destination field (buffer semantics, as after stencil-bufferize) in
// bf16: its `to` bounds [0,60) are the written box; the radius is 2, so the grid is 64.

func.func @smooth(%in : !stencil.field<[-2,62]xbf16>, %out : !stencil.field<[-2,62]xbf16>) {
  stencil.apply(%x = %in : !stencil.field<[-2,62]xbf16>) outs (%out : !stencil.field<[-2,62]xbf16>) {
    %l = stencil.access %x[-2] : !stencil.field<[-2,62]xbf16>
    %r = stencil.access %x[2] : !stencil.field<[-2,62]xbf16>
    %half = arith.constant 5.000000e-01 : bf16
    %s = arith.subf %r, %l : bf16
    %v = arith.mulf %half, %s : bf16
    stencil.return %v : bf16
  } to <[0], [60]>
  func.return
}

// CHECK:       func.func @smooth(%[[X:.*]]: !lstencil.grid<64xbf16>) -> !lstencil.grid<64xbf16> {
// CHECK-NEXT:    %[[S:.*]] = lstencil.stencil [[2] = 0.5, [-2] = -0.5] : !lstencil.stencil<1>
// CHECK-NEXT:    %[[Y:.*]] = lstencil.apply %[[S]] to %[[X]] steps 1 : !lstencil.grid<64xbf16>

// BF16:        func.func @smooth(%{{.*}}: !lstencil.grid<64xbf16>) -> !lstencil.grid<64xbf16> {
