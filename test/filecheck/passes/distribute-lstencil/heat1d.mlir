// RUN: sparse-stencil-opt %s -p 'distribute-lstencil{topology=3 steps-per-exchange=2}' | filecheck %s --check-prefix=ONE

// Heat-1D on 10 points over 3 ranks, exchanging every 2 steps: cores of 4, 3 and 3 points
// (the uneven split gives the first rank the extra point), halos of 1 x 2 = 2 points toward
// each neighbour and none at the grid's ends. 5 steps are two rounds of 2 in an scf.for,
// then one round of 1. xDSL has no one-axis strategy: 3 ranks are the topology 3x1.
// ONE:      func.func @heat1d_0(%0: !lstencil.grid<6xf16>) -> !lstencil.grid<6xf16> attributes {coordinates = array<i64: 0>, origin = array<i64: 0>, subdomain = #dmp.shape_with_halo<[0, 0, 4, 6]>} {
// ONE-NEXT:   %1 = lstencil.stencil [[-1] = 0.25, [0] = 0.5, [1] = 0.25] : !lstencil.stencil<1>
// ONE-NEXT:   %2 = arith.constant 0 : index
// ONE-NEXT:   %3 = arith.constant 2 : index
// ONE-NEXT:   %4 = arith.constant 1 : index
// ONE-NEXT:   %5 = scf.for %6 = %2 to %3 step %4 iter_args(%7 = %0) -> (!lstencil.grid<6xf16>) {
// ONE-NEXT:     %8 = builtin.unrealized_conversion_cast %7 : !lstencil.grid<6xf16> to !stencil.temp<[0,6]xf16>
// ONE-NEXT:     %9 = "dmp.swap"(%8) <{strategy = #dmp.grid_slice_2d<#dmp.topo<3x1>, false>, swaps = [#dmp.exchange<at [4] size [2] source offset [-2] to [1]>]}> : (!stencil.temp<[0,6]xf16>) -> !stencil.temp<[0,6]xf16>
// ONE-NEXT:     %10 = builtin.unrealized_conversion_cast %9 : !stencil.temp<[0,6]xf16> to !lstencil.grid<6xf16>
// ONE-NEXT:     %11 = lstencil.apply %1 to %10 steps 2 : !lstencil.grid<6xf16>
// ONE-NEXT:     scf.yield %11 : !lstencil.grid<6xf16>
// ONE-NEXT:   }
// ONE-NEXT:   %12 = builtin.unrealized_conversion_cast %5 : !lstencil.grid<6xf16> to !stencil.temp<[0,6]xf16>
// ONE-NEXT:   %13 = "dmp.swap"(%12) <{strategy = #dmp.grid_slice_2d<#dmp.topo<3x1>, false>, swaps = [#dmp.exchange<at [4] size [2] source offset [-2] to [1]>]}> : (!stencil.temp<[0,6]xf16>) -> !stencil.temp<[0,6]xf16>
// ONE-NEXT:   %14 = builtin.unrealized_conversion_cast %13 : !stencil.temp<[0,6]xf16> to !lstencil.grid<6xf16>
// ONE-NEXT:   %15 = lstencil.apply %1 to %14 steps 1 : !lstencil.grid<6xf16>
// ONE-NEXT:   func.return %15 : !lstencil.grid<6xf16>
// ONE-NEXT: }
// The middle rank receives from both sides.
// ONE:      func.func @heat1d_1(%0: !lstencil.grid<7xf16>) -> !lstencil.grid<7xf16> attributes {coordinates = array<i64: 1>, origin = array<i64: 4>, subdomain = #dmp.shape_with_halo<[-2, 0, 3, 5]>} {
// ONE:        "dmp.swap"(%8) <{strategy = #dmp.grid_slice_2d<#dmp.topo<3x1>, false>, swaps = [#dmp.exchange<at [-2] size [2] source offset [2] to [-1]>, #dmp.exchange<at [3] size [2] source offset [-2] to [1]>]}> : (!stencil.temp<[-2,5]xf16>) -> !stencil.temp<[-2,5]xf16>
// ONE:      func.func @heat1d_2(%0: !lstencil.grid<5xf16>) -> !lstencil.grid<5xf16> attributes {coordinates = array<i64: 2>, origin = array<i64: 7>, subdomain = #dmp.shape_with_halo<[-2, 0, 3, 3]>} {
// ONE-NOT:  func.func @heat1d(
func.func @heat1d(%0: !lstencil.grid<10xf16>) -> !lstencil.grid<10xf16> {
  %1 = lstencil.stencil [[-1] = 0.25, [0] = 0.5, [1] = 0.25] : !lstencil.stencil<1>
  %2 = lstencil.apply %1 to %0 steps 5 : !lstencil.grid<10xf16>
  func.return %2 : !lstencil.grid<10xf16>
}
