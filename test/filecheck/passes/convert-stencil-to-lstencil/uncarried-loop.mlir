// RUN: sparse-stencil-opt %s --split-input-file -p convert-stencil-to-lstencil | filecheck %s

// A time loop that carries no fields, as hand-written programs often do: each of the 10
// iterations loads %in and stores into %out, so each computes the same output from the
// same input. The loop is ONE step.
// CHECK:       func.func @repeat(%[[X:.*]]: !lstencil.grid<34xf32>) -> !lstencil.grid<34xf32> {
// CHECK-NEXT:    %[[S:.*]] = lstencil.stencil [[-1] = 0.5, [1] = 0.5] : !lstencil.stencil<1>
// CHECK-NEXT:    %{{.*}} = lstencil.apply %[[S]] to %[[X]] steps 1 : !lstencil.grid<34xf32>
func.func @repeat(%in : !stencil.field<[-1,33]xf32>, %out : !stencil.field<[-1,33]xf32>) {
  %lb = arith.constant 0 : index
  %ub = arith.constant 10 : index
  %one = arith.constant 1 : index
  scf.for %i = %lb to %ub step %one {
    %t = stencil.load %in : !stencil.field<[-1,33]xf32> -> !stencil.temp<?xf32>
    %r = stencil.apply(%x = %t : !stencil.temp<?xf32>) -> (!stencil.temp<?xf32>) {
      %w = stencil.access %x[-1] : !stencil.temp<?xf32>
      %e = stencil.access %x[1] : !stencil.temp<?xf32>
      %s = arith.addf %w, %e : f32
      %h = arith.constant 5.000000e-01 : f32
      %v = arith.mulf %h, %s : f32
      stencil.return %v : f32
    }
    stencil.store %r to %out(<[0], [32]>) : !stencil.temp<?xf32> to !stencil.field<[-1,33]xf32>
  }
  func.return
}

// -----

// The same loop storing into the field it loads: each iteration is a step further.
// CHECK:       func.func @in_place(%[[X:.*]]: !lstencil.grid<34xf32>) -> !lstencil.grid<34xf32> {
// CHECK-NEXT:    %[[S:.*]] = lstencil.stencil [[-1] = 0.5, [1] = 0.5] : !lstencil.stencil<1>
// CHECK-NEXT:    %{{.*}} = lstencil.apply %[[S]] to %[[X]] steps 10 : !lstencil.grid<34xf32>
func.func @in_place(%u : !stencil.field<[-1,33]xf32>) {
  %lb = arith.constant 0 : index
  %ub = arith.constant 10 : index
  %one = arith.constant 1 : index
  scf.for %i = %lb to %ub step %one {
    %t = stencil.load %u : !stencil.field<[-1,33]xf32> -> !stencil.temp<?xf32>
    %r = stencil.apply(%x = %t : !stencil.temp<?xf32>) -> (!stencil.temp<?xf32>) {
      %w = stencil.access %x[-1] : !stencil.temp<?xf32>
      %e = stencil.access %x[1] : !stencil.temp<?xf32>
      %s = arith.addf %w, %e : f32
      %h = arith.constant 5.000000e-01 : f32
      %v = arith.mulf %h, %s : f32
      stencil.return %v : f32
    }
    stencil.store %r to %u(<[0], [32]>) : !stencil.temp<?xf32> to !stencil.field<[-1,33]xf32>
  }
  func.return
}
