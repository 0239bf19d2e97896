// RUN: not sparse-stencil-opt %s -p 'morph-stencil-layout{tile=4,4}' 2>&1 | filecheck %s --check-prefix=RANK
// RUN: not sparse-stencil-opt %s -p 'morph-stencil-layout{tile=17}' 2>&1 | filecheck %s --check-prefix=SIZE
// RUN: not sparse-stencil-opt %s -p 'morph-stencil-layout{dtype=f32}' 2>&1 | filecheck %s --check-prefix=DTYPE

// RANK: error: lstencil.stencil: tile [4, 4] must have one positive extent per axis (1) whose product is at most 16
// RANK-NOT: Traceback
// SIZE: error: lstencil.stencil: tile [17] must have one positive extent per axis (1) whose product is at most 16
// DTYPE: error: lstencil.stencil is used with several element types (float16, float32); one layout serves one type
// DTYPE-NOT: Traceback
func.func @heat1d(%x: !lstencil.grid<64xf16>) -> !lstencil.grid<64xf16> {
  %s = lstencil.stencil [[-1] = 1.0, [0] = -2.0, [1] = 1.0] : !lstencil.stencil<1>
  %y = lstencil.apply %s to %x steps 1 : !lstencil.grid<64xf16>
  func.return %y : !lstencil.grid<64xf16>
}
