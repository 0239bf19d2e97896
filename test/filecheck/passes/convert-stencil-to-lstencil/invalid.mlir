// RUN: sparse-stencil-opt %s --split-input-file --verify-diagnostics -p convert-stencil-to-lstencil | filecheck %s
// RUN: not sparse-stencil-opt %s --split-input-file -p convert-stencil-to-lstencil 2>&1 | filecheck %s --check-prefix=EXIT

// Upstream stencils that L0 cannot express: each is refused with a diagnostic on the op at
// fault. Without --verify-diagnostics the tool prints one error line for the first one,
// names the op, and exits with status 1.

func.func @product(%in : !stencil.field<[-1,17]xf32>, %out : !stencil.field<[-1,17]xf32>) {
  %t = stencil.load %in : !stencil.field<[-1,17]xf32> -> !stencil.temp<?xf32>
  %r = stencil.apply(%x = %t : !stencil.temp<?xf32>) -> (!stencil.temp<?xf32>) {
    %a = stencil.access %x[-1] : !stencil.temp<?xf32>
    %b = stencil.access %x[1] : !stencil.temp<?xf32>
    %v = arith.mulf %a, %b : f32
    stencil.return %v : f32
  }
  stencil.store %r to %out(<[0], [16]>) : !stencil.temp<?xf32> to !stencil.field<[-1,17]xf32>
  func.return
}

// CHECK:       nonlinear stencil: arith.mulf multiplies two accessed values
// CHECK:       %v = "arith.mulf"(%a, %b)
// CHECK-NEXT:  ^^^^^^^^^^^^^
// CHECK-NEXT:  | nonlinear stencil: arith.mulf multiplies two accessed values

// EXIT:        error: {{.*}}invalid.mlir:13:5: nonlinear stencil: arith.mulf multiplies two accessed values
// EXIT-NEXT:   in: %v = "arith.mulf"(%a, %b)
// EXIT-NOT:    Traceback

// -----

func.func @quotient(%in : !stencil.field<[-1,17]xf32>, %out : !stencil.field<[-1,17]xf32>) {
  %t = stencil.load %in : !stencil.field<[-1,17]xf32> -> !stencil.temp<?xf32>
  %r = stencil.apply(%x = %t : !stencil.temp<?xf32>) -> (!stencil.temp<?xf32>) {
    %one = arith.constant 1.000000e+00 : f32
    %a = stencil.access %x[0] : !stencil.temp<?xf32>
    %v = arith.divf %one, %a : f32
    stencil.return %v : f32
  }
  stencil.store %r to %out(<[0], [16]>) : !stencil.temp<?xf32> to !stencil.field<[-1,17]xf32>
  func.return
}

// CHECK:       nonlinear stencil: arith.divf divides by an accessed value
// CHECK:       %v = "arith.divf"(%one, %a)
// CHECK-NEXT:  ^^^^^^^^^^^^^

// -----

func.func @root(%in : !stencil.field<[-1,17]xf32>, %out : !stencil.field<[-1,17]xf32>) {
  %t = stencil.load %in : !stencil.field<[-1,17]xf32> -> !stencil.temp<?xf32>
  %r = stencil.apply(%x = %t : !stencil.temp<?xf32>) -> (!stencil.temp<?xf32>) {
    %a = stencil.access %x[0] : !stencil.temp<?xf32>
    %v = math.sqrt %a : f32
    stencil.return %v : f32
  }
  stencil.store %r to %out(<[0], [16]>) : !stencil.temp<?xf32> to !stencil.field<[-1,17]xf32>
  func.return
}

// CHECK:       nonlinear stencil: math.sqrt of an accessed value

// -----

func.func @shifted(%in : !stencil.field<[-1,17]xf32>, %out : !stencil.field<[-1,17]xf32>) {
  %t = stencil.load %in : !stencil.field<[-1,17]xf32> -> !stencil.temp<?xf32>
  %r = stencil.apply(%x = %t : !stencil.temp<?xf32>) -> (!stencil.temp<?xf32>) {
    %a = stencil.access %x[1] : !stencil.temp<?xf32>
    %bias = arith.constant 2.500000e-01 : f32
    %v = arith.addf %a, %bias : f32
    stencil.return %v : f32
  }
  stencil.store %r to %out(<[0], [16]>) : !stencil.temp<?xf32> to !stencil.field<[-1,17]xf32>
  func.return
}

// CHECK:       affine stencil: arith.addf adds the constant 0.25 to accessed values; only linear stencils are supported

// -----

func.func private @limiter(f32) -> f32

func.func @called(%in : !stencil.field<[-1,17]xf32>, %out : !stencil.field<[-1,17]xf32>) {
  %t = stencil.load %in : !stencil.field<[-1,17]xf32> -> !stencil.temp<?xf32>
  %r = stencil.apply(%x = %t : !stencil.temp<?xf32>) -> (!stencil.temp<?xf32>) {
    %a = stencil.access %x[1] : !stencil.temp<?xf32>
    %v = func.call @limiter(%a) : (f32) -> f32
    stencil.return %v : f32
  }
  stencil.store %r to %out(<[0], [16]>) : !stencil.temp<?xf32> to !stencil.field<[-1,17]xf32>
  func.return
}

// CHECK:       nonlinear stencil: the body calls @limiter, which the importer cannot see through

// -----

func.func @upwind(%in : !stencil.field<[-1,17]xf32>, %out : !stencil.field<[-1,17]xf32>) {
  %t = stencil.load %in : !stencil.field<[-1,17]xf32> -> !stencil.temp<?xf32>
  %r = stencil.apply(%x = %t : !stencil.temp<?xf32>) -> (!stencil.temp<?xf32>) {
    %a = stencil.access %x[-1] : !stencil.temp<?xf32>
    %b = stencil.access %x[1] : !stencil.temp<?xf32>
    %c = arith.cmpf olt, %a, %b : f32
    %v = arith.select %c, %a, %b : f32
    stencil.return %v : f32
  }
  stencil.store %r to %out(<[0], [16]>) : !stencil.temp<?xf32> to !stencil.field<[-1,17]xf32>
  func.return
}

// CHECK:       nonlinear stencil: the body compares values (arith.cmpf)
// CHECK:       %c = "arith.cmpf"(%a, %b)
// CHECK-NEXT:  ^^^^^^^^^^^^^

// -----

// A coefficient passed in at run time, as in xDSL's stencil_apply_float_arg test.

func.func @scaled(%in : !stencil.field<[-1,17]xf64>, %out : !stencil.field<[-1,17]xf64>, %k : f64) {
  %t = stencil.load %in : !stencil.field<[-1,17]xf64> -> !stencil.temp<?xf64>
  %r = stencil.apply(%x = %t : !stencil.temp<?xf64>, %kk = %k : f64) -> (!stencil.temp<?xf64>) {
    %a = stencil.access %x[1] : !stencil.temp<?xf64>
    %v = arith.mulf %kk, %a : f64
    stencil.return %v : f64
  }
  stencil.store %r to %out(<[0], [16]>) : !stencil.temp<?xf64> to !stencil.field<[-1,17]xf64>
  func.return
}

// CHECK:       arith.mulf uses argument #1 of stencil.apply directly: a runtime value, not a constant (only stencil.access may read arguments)

// -----

// Two time levels, as Devito writes the wave equation: L0 stencils read one grid.

func.func @wave(%u0 : !stencil.field<[-2,18]xf32>, %u1 : !stencil.field<[-2,18]xf32>, %u2 : !stencil.field<[-2,18]xf32>) {
  %t0 = stencil.load %u0 : !stencil.field<[-2,18]xf32> -> !stencil.temp<?xf32>
  %t2 = stencil.load %u2 : !stencil.field<[-2,18]xf32> -> !stencil.temp<?xf32>
  %r = stencil.apply(%a0 = %t0 : !stencil.temp<?xf32>, %a2 = %t2 : !stencil.temp<?xf32>) -> (!stencil.temp<?xf32>) {
    %c = stencil.access %a0[0] : !stencil.temp<?xf32>
    %p = stencil.access %a2[0] : !stencil.temp<?xf32>
    %v = arith.subf %c, %p : f32
    stencil.return %v : f32
  }
  stencil.store %r to %u1(<[0], [16]>) : !stencil.temp<?xf32> to !stencil.field<[-2,18]xf32>
  func.return
}

// CHECK:       the stencil reads arguments #0 and #1 of stencil.apply; L0 stencils read one grid
// CHECK:       %p = "stencil.access"(%a2)
// CHECK-NEXT:  ^^^^^^^^^^^^^^^^^

// -----

func.func @not_a_number(%in : !stencil.field<[-1,17]xf32>, %out : !stencil.field<[-1,17]xf32>) {
  %t = stencil.load %in : !stencil.field<[-1,17]xf32> -> !stencil.temp<?xf32>
  %r = stencil.apply(%x = %t : !stencil.temp<?xf32>) -> (!stencil.temp<?xf32>) {
    %nan = arith.constant 0x7FC00000 : f32
    %a = stencil.access %x[1] : !stencil.temp<?xf32>
    %v = arith.mulf %nan, %a : f32
    stencil.return %v : f32
  }
  stencil.store %r to %out(<[0], [16]>) : !stencil.temp<?xf32> to !stencil.field<[-1,17]xf32>
  func.return
}

// CHECK:       arith.constant yields nan; stencil coefficients must be finite

// -----

func.func @pipeline(%in : !stencil.field<[-2,18]xf32>, %out : !stencil.field<[-2,18]xf32>) {
  %t = stencil.load %in : !stencil.field<[-2,18]xf32> -> !stencil.temp<?xf32>
  %r = stencil.apply(%x = %t : !stencil.temp<?xf32>) -> (!stencil.temp<?xf32>) {
    %a = stencil.access %x[-1] : !stencil.temp<?xf32>
    stencil.return %a : f32
  }
  %s = stencil.apply(%y = %r : !stencil.temp<?xf32>) -> (!stencil.temp<?xf32>) {
    %b = stencil.access %y[1] : !stencil.temp<?xf32>
    stencil.return %b : f32
  }
  stencil.store %s to %out(<[0], [16]>) : !stencil.temp<?xf32> to !stencil.field<[-2,18]xf32>
  func.return
}

// CHECK:       @pipeline holds a second stencil.apply; the importer takes one per function

// -----

func.func @no_swap(%a : !stencil.field<[-1,9]xf32>, %b : !stencil.field<[-1,9]xf32>) {
  %lb = arith.constant 0 : index
  %ub = arith.constant 4 : index
  %one = arith.constant 1 : index
  %r0, %r1 = scf.for %i = %lb to %ub step %one iter_args(%f0 = %a, %f1 = %b) -> (!stencil.field<[-1,9]xf32>, !stencil.field<[-1,9]xf32>) {
    %t = stencil.load %f0 : !stencil.field<[-1,9]xf32> -> !stencil.temp<?xf32>
    %r = stencil.apply(%x = %t : !stencil.temp<?xf32>) -> (!stencil.temp<?xf32>) {
      %l = stencil.access %x[-1] : !stencil.temp<?xf32>
      stencil.return %l : f32
    }
    stencil.store %r to %f1(<[0], [8]>) : !stencil.temp<?xf32> to !stencil.field<[-1,9]xf32>
    scf.yield %f0, %f1 : !stencil.field<[-1,9]xf32>, !stencil.field<[-1,9]xf32>
  }
  func.return
}

// CHECK:       a time loop must swap its fields: yield the written one in place of the read one

// -----

func.func @runtime_steps(%a : !stencil.field<[-1,9]xf32>, %b : !stencil.field<[-1,9]xf32>, %n : index) {
  %lb = arith.constant 0 : index
  %one = arith.constant 1 : index
  %r0, %r1 = scf.for %i = %lb to %n step %one iter_args(%f0 = %a, %f1 = %b) -> (!stencil.field<[-1,9]xf32>, !stencil.field<[-1,9]xf32>) {
    %t = stencil.load %f0 : !stencil.field<[-1,9]xf32> -> !stencil.temp<?xf32>
    %r = stencil.apply(%x = %t : !stencil.temp<?xf32>) -> (!stencil.temp<?xf32>) {
      %l = stencil.access %x[-1] : !stencil.temp<?xf32>
      stencil.return %l : f32
    }
    stencil.store %r to %f1(<[0], [8]>) : !stencil.temp<?xf32> to !stencil.field<[-1,9]xf32>
    scf.yield %f1, %f0 : !stencil.field<[-1,9]xf32>, !stencil.field<[-1,9]xf32>
  }
  func.return
}

// CHECK:       the time loop's bounds and step must be constants

// -----

// The store writes [0,16) and the radius is 2: the grid [-2,18) needs more halo than
// the field's one point.

func.func @thin_halo(%in : !stencil.field<[-1,17]xf32>, %out : !stencil.field<[-1,17]xf32>) {
  %t = stencil.load %in : !stencil.field<[-1,17]xf32> -> !stencil.temp<?xf32>
  %r = stencil.apply(%x = %t : !stencil.temp<?xf32>) -> (!stencil.temp<?xf32>) {
    %a = stencil.access %x[2] : !stencil.temp<?xf32>
    stencil.return %a : f32
  }
  stencil.store %r to %out(<[0], [16]>) : !stencil.temp<?xf32> to !stencil.field<[-1,17]xf32>
  func.return
}

// CHECK:       the L0 grid [-2,18] (the written box widened by the stencil's radii) is not inside the field's bounds [-1,17]
// CHECK:       %t = "stencil.load"(%in)
// CHECK-NEXT:  ^^^^^^^^^^^^^^^^^

// -----

// xDSL's stencil_ops test writes its "laplace" as (-4 * centre) times the neighbour sum:
// a product of accessed values.

func.func @laplace_product(%in : !stencil.field<?x?xf64>, %out : !stencil.field<?x?xf64>) {
  %a = stencil.cast %in : !stencil.field<?x?xf64> -> !stencil.field<[-4,68]x[-4,68]xf64>
  %b = stencil.cast %out : !stencil.field<?x?xf64> -> !stencil.field<[-4,68]x[-4,68]xf64>
  %t = stencil.load %a : !stencil.field<[-4,68]x[-4,68]xf64> -> !stencil.temp<[-1,65]x[-1,65]xf64>
  %r = stencil.apply(%x = %t : !stencil.temp<[-1,65]x[-1,65]xf64>) -> (!stencil.temp<[0,64]x[0,64]xf64>) {
    %n = stencil.access %x[-1, 0] : !stencil.temp<[-1,65]x[-1,65]xf64>
    %s = stencil.access %x[1, 0] : !stencil.temp<[-1,65]x[-1,65]xf64>
    %c = stencil.access %x[0, 0] : !stencil.temp<[-1,65]x[-1,65]xf64>
    %ns = arith.addf %n, %s : f64
    %m4 = arith.constant -4.000000e+00 : f64
    %c4 = arith.mulf %c, %m4 : f64
    %v = arith.mulf %c4, %ns : f64
    stencil.return %v : f64
  }
  stencil.store %r to %b(<[0, 0], [64, 64]>) : !stencil.temp<[0,64]x[0,64]xf64> to !stencil.field<[-4,68]x[-4,68]xf64>
  func.return
}

// CHECK:       nonlinear stencil: arith.mulf multiplies two accessed values
// CHECK:       %v = "arith.mulf"(%c4, %ns)
// CHECK-NEXT:  ^^^^^^^^^^^^^

// -----

// The program computes 300 * 300 in f16, whose largest finite value is 65504: the
// coefficient overflows in the program's own type, although float64 would hold it.

func.func @f16_overflow(%in : !stencil.field<[-1,17]xf16>, %out : !stencil.field<[-1,17]xf16>) {
  %t = stencil.load %in : !stencil.field<[-1,17]xf16> -> !stencil.temp<?xf16>
  %r = stencil.apply(%x = %t : !stencil.temp<?xf16>) -> (!stencil.temp<?xf16>) {
    %a = stencil.access %x[1] : !stencil.temp<?xf16>
    %k = arith.constant 3.000000e+02 : f16
    %kk = arith.mulf %k, %k : f16
    %v = arith.mulf %kk, %a : f16
    stencil.return %v : f16
  }
  stencil.store %r to %out(<[0], [16]>) : !stencil.temp<?xf16> to !stencil.field<[-1,17]xf16>
  func.return
}

// CHECK:       arith.mulf yields 90000.0, which overflows f16; stencil coefficients must be finite
// CHECK:       %kk = "arith.mulf"(%k, %k)
// CHECK-NEXT:  ^^^^^^^^^^^^^^
