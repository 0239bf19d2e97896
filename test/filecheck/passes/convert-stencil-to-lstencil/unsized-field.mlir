// RUN: not sparse-stencil-opt %s -p convert-stencil-to-lstencil 2>&1 | filecheck %s
// RUN: not sparse-stencil show %s 2>&1 | filecheck %s --check-prefix=SHOW
// RUN: not sparse-stencil show %s 2>&1 | wc -l | filecheck %s --check-prefix=ONE-LINE

// stencil.load needs a field of known bounds: a dynamic `?x?` field must go through
// stencil.cast first. xDSL refuses the load while parsing; the message says where, and
// what to do.

func.func @dynamic(%in : !stencil.field<?x?xf32>, %out : !stencil.field<?x?xf32>) {
  %t = stencil.load %in : !stencil.field<?x?xf32> -> !stencil.temp<?x?xf32>
  %r = stencil.apply(%x = %t : !stencil.temp<?x?xf32>) -> (!stencil.temp<?x?xf32>) {
    %a = stencil.access %x[-1, 0] : !stencil.temp<?x?xf32>
    stencil.return %a : f32
  }
  stencil.store %r to %out(<[0, 0], [16, 16]>) : !stencil.temp<?x?xf32> to !stencil.field<?x?xf32>
  func.return
}

// CHECK:       error: {{.*}}unsized-field.mlir:10:3
// CHECK-NEXT:    %t = stencil.load %in
// CHECK-NEXT:    ^^^^^^^^^^^^^^^^^^^^^
// CHECK-NEXT:    stencil.load: {{.*}}; a stencil field of unknown bounds (?) must be cast to a sized field (stencil.cast) before it is loaded or stored
// CHECK-NOT:   Traceback

// SHOW:        error: {{.*}}unsized-field.mlir:10:3: stencil.load: {{.*}}; a stencil field of unknown bounds (?) must be cast to a sized field (stencil.cast) before it is loaded or stored
// ONE-LINE:    {{^ *1$}}
