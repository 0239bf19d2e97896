// RUN: not sparse-stencil-opt %s -p 'morph-stencil-layout{tile=4,4}' 2>&1 | filecheck %s --check-prefix=RANK
// RUN: not sparse-stencil-opt %s -p 'morph-stencil-layout{tile=17}' 2>&1 | filecheck %s --check-prefix=SIZE
// RUN: not sparse-stencil-opt %s -p 'morph-stencil-layout{dtype=f32}' 2>&1 | filecheck %s --check-prefix=DTYPE
// RUN: not sparse-stencil-opt %s -p 'morph-stencil-layout{dtype=f64}' 2>&1 | filecheck %s --check-prefix=OPTION
// RUN: not sparse-stencil-opt %s -p morph-stencil-layout 2>&1 | filecheck %s --check-prefix=USE
// RUN: sparse-stencil-opt %s --verify-diagnostics -p 'morph-stencil-layout{dtype=f32}' | filecheck %s --check-prefix=DIAG

// Each error names the stencil's source location, and the op line under it; no traceback.
// RANK: error: {{.*}}invalid.mlir:22:3: lstencil.stencil: tile [4, 4] must have one positive extent per axis (1) whose product is at most 16
// RANK-NEXT: in: %s = "lstencil.stencil"()
// RANK-NOT: Traceback
// SIZE: error: {{.*}}invalid.mlir:22:3: lstencil.stencil: tile [17] must have one positive extent per axis (1) whose product is at most 16
// DTYPE: error: {{.*}}invalid.mlir:22:3: lstencil.stencil: dtype=f32 disagrees with the f16 grid it is applied to
// DTYPE-NOT: Traceback
// A bad option value concerns no op: the pass and option are named instead.
// OPTION: error: morph-stencil-layout{dtype=f64}: unsupported dtype 'f64': expected one of float16, bfloat16, float32
// With --verify-diagnostics the message stands under the op.
// DIAG:      %s = "lstencil.stencil"()
// DIAG-NEXT: ^^^^^^^^^^^^^^^^^^^^^^^
// DIAG-NEXT: | dtype=f32 disagrees with the f16 grid it is applied to
func.func @heat1d(%x: !lstencil.grid<64xf16>) -> !lstencil.grid<64xf16> {
  %s = lstencil.stencil [[-1] = 1.0, [0] = -2.0, [1] = 1.0] : !lstencil.stencil<1>
  %y = lstencil.apply %s to %x steps 1 : !lstencil.grid<64xf16>
  func.return %y : !lstencil.grid<64xf16>
}

// A stencil value that leaves its function cannot become a layout.
// USE: error: {{.*}}invalid.mlir:30:3: lstencil.stencil: its result is used by func.return; only lstencil.apply can take a layout
func.func @escapes() -> !lstencil.stencil<1> {
  %s = lstencil.stencil [[-1] = 1.0, [0] = -2.0, [1] = 1.0] : !lstencil.stencil<1>
  func.return %s : !lstencil.stencil<1>
}
