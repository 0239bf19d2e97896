// An upstream stencil whose coefficients cancel: x[-1] - x[-1] is zero everywhere.
func.func @cancel(%in : !stencil.field<[-1,17]xf32>, %out : !stencil.field<[-1,17]xf32>) {
  %t = stencil.load %in : !stencil.field<[-1,17]xf32> -> !stencil.temp<?xf32>
  %r = stencil.apply(%x = %t : !stencil.temp<?xf32>) -> (!stencil.temp<?xf32>) {
    %a = stencil.access %x[-1] : !stencil.temp<?xf32>
    %v = arith.subf %a, %a : f32
    stencil.return %v : f32
  }
  stencil.store %r to %out(<[0], [16]>) : !stencil.temp<?xf32> to !stencil.field<[-1,17]xf32>
  func.return
}
