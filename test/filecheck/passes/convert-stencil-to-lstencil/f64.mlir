// RUN: sparse-stencil-opt %s -p 'convert-stencil-to-lstencil{dtype=f16}' | filecheck %s
// RUN: not sparse-stencil-opt %s -p convert-stencil-to-lstencil 2>&1 | filecheck %s --check-prefix=NO-DTYPE

// xDSL's own stencil tests compute in f64, which L0 grids do not store: the `dtype` option
// chooses the storage type. 0.5 * (x[1] - x[-1]) gives -0.5 and 0.5; the store writes
// [0,64) and the radius is 1: a 66-point grid.

func.func @gradient(%in : !stencil.field<?xf64>, %out : !stencil.field<?xf64>) {
  %a = stencil.cast %in : !stencil.field<?xf64> -> !stencil.field<[-4,68]xf64>
  %b = stencil.cast %out : !stencil.field<?xf64> -> !stencil.field<[-4,68]xf64>
  %t = stencil.load %a : !stencil.field<[-4,68]xf64> -> !stencil.temp<[-1,65]xf64>
  %r = stencil.apply(%x = %t : !stencil.temp<[-1,65]xf64>) -> (!stencil.temp<[0,64]xf64>) {
    %hi = stencil.access %x[1] : !stencil.temp<[-1,65]xf64>
    %lo = stencil.access %x[-1] : !stencil.temp<[-1,65]xf64>
    %d = arith.subf %hi, %lo : f64
    %half = arith.constant 5.000000e-01 : f64
    %v = arith.mulf %d, %half : f64
    stencil.return %v : f64
  }
  stencil.store %r to %b(<[0], [64]>) : !stencil.temp<[0,64]xf64> to !stencil.field<[-4,68]xf64>
  func.return
}

// CHECK:       func.func @gradient(%[[X:.*]]: !lstencil.grid<66xf16>) -> !lstencil.grid<66xf16> {
// CHECK-NEXT:    %[[S:.*]] = lstencil.stencil [[1] = 0.5, [-1] = -0.5] : !lstencil.stencil<1>
// CHECK-NEXT:    %[[Y:.*]] = lstencil.apply %[[S]] to %[[X]] steps 1 : !lstencil.grid<66xf16>

// NO-DTYPE:    error: {{.*}}f64.mlir:8:1: @gradient computes in f64, which L0 grids cannot store (f16, bf16, f32); choose one with convert-stencil-to-lstencil{dtype=f32}
// NO-DTYPE-NOT: Traceback
