func.func @f(%x: !lstencil.grid<8x2xf16>) -> !lstencil.grid<8x2xf16> {
  %s = lstencil.stencil [[0, 0] = 1.0, [0, 1] = 1.0, [0, -1] = 1.0] : !lstencil.stencil<2>
  %y = lstencil.apply %s to %x steps 1 : !lstencil.grid<8x2xf16>
  func.return %y : !lstencil.grid<8x2xf16>
}
