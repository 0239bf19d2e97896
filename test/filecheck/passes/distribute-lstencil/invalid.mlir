// RUN: not sparse-stencil-opt %s --split-input-file -p 'distribute-lstencil{topology=2,2,1}' 2>&1 | filecheck %s --check-prefix=AXES
// RUN: not sparse-stencil-opt %s --split-input-file -p 'distribute-lstencil{topology=8,1 steps-per-exchange=4}' 2>&1 | filecheck %s --check-prefix=THIN
// RUN: not sparse-stencil-opt %s --split-input-file -p 'distribute-lstencil{topology=2,1}' 2>&1 | filecheck %s --check-prefix=FORM

// AXES: error: {{.*}}invalid.mlir:[[# @LINE + 5]]:3: lstencil.apply: topology 2x2x1 has 3 axes, the grid has 2
// AXES-NOT: Traceback
// THIN: error: {{.*}}invalid.mlir:[[# @LINE + 3]]:3: lstencil.apply: 8 ranks on axis 0 leave subdomains of 3 points, thinner than the halo of 4 (radius 1 x 4 steps per exchange): use fewer ranks on axis 0 or fewer steps per exchange
func.func @apply(%0: !lstencil.grid<24x20xf16>) -> !lstencil.grid<24x20xf16> {
  %1 = lstencil.stencil [[-1, 0] = 0.25, [0, -1] = 0.25, [0, 1] = 0.25, [1, 0] = 0.25] : !lstencil.stencil<2>
  %2 = lstencil.apply %1 to %0 steps 1 : !lstencil.grid<24x20xf16>
  func.return %2 : !lstencil.grid<24x20xf16>
}

// -----

// Only a function that applies a stencil to its argument and returns the result splits.
// FORM: error: {{.*}}invalid.mlir:[[# @LINE + 3]]:3: lstencil.apply: distribute-lstencil takes a function that applies a stencil to its grid argument and returns the result, and nothing else
func.func @twice(%0: !lstencil.grid<24x20xf16>) -> !lstencil.grid<24x20xf16> {
  %1 = lstencil.stencil [[-1, 0] = 0.25, [0, -1] = 0.25, [0, 1] = 0.25, [1, 0] = 0.25] : !lstencil.stencil<2>
  %2 = lstencil.apply %1 to %0 steps 1 : !lstencil.grid<24x20xf16>
  %3 = lstencil.apply %1 to %2 steps 1 : !lstencil.grid<24x20xf16>
  func.return %3 : !lstencil.grid<24x20xf16>
}
