// RUN: sparse-stencil-opt %s -p 'distribute-lstencil{topology=2,2}' | filecheck %s --check-prefix=TWO
// The pass's output parses back: the dmp attributes and ops round-trip.
// RUN: sparse-stencil-opt %s -p 'distribute-lstencil{topology=2,2}' | sparse-stencil-opt | filecheck %s --check-prefix=TWO

// A diagonal stencil on 2x2 ranks, one step: each rank receives both faces and the one
// corner that the offset [1, 1] (or [-1, -1]) reaches, so the strategy says diagonals;
// the other corner no offset reaches. One round needs no loop.
// TWO:      func.func @diagonal_0_0(%0: !lstencil.grid<5x4xf32>) -> !lstencil.grid<5x4xf32> attributes {coordinates = array<i64: 0, 0>, origin = array<i64: 0, 0>, subdomain = #dmp.shape_with_halo<[0, 0, 4, 5]x[0, 0, 3, 4]>} {
// TWO-NEXT:   %1 = lstencil.stencil
// TWO-NEXT:   %2 = arith.constant 0 : index
// TWO:        "dmp.swap"(%{{.*}}) <{strategy = #dmp.grid_slice_2d<#dmp.topo<2x2>, true>, swaps = [#dmp.exchange<at [0, 3] size [4, 1] source offset [0, -1] to [0, 1]>, #dmp.exchange<at [4, 0] size [1, 3] source offset [-1, 0] to [1, 0]>, #dmp.exchange<at [4, 3] size [1, 1] source offset [-1, -1] to [1, 1]>]}> : (!stencil.temp<[0,5]x[0,4]xf32>) -> !stencil.temp<[0,5]x[0,4]xf32>
// TWO:      func.func @diagonal_0_1(%0: !lstencil.grid<5x4xf32>)
// TWO-SAME:     subdomain = #dmp.shape_with_halo<[0, 0, 4, 5]x[-1, 0, 3, 3]>
// TWO:        swaps = [#dmp.exchange<at [0, -1] size [4, 1] source offset [0, 1] to [0, -1]>, #dmp.exchange<at [4, 0] size [1, 3] source offset [-1, 0] to [1, 0]>, #dmp.exchange<at [4, -1] size [1, 1] source offset [-1, 1] to [1, -1]>]
// TWO:      func.func @diagonal_1_0(
// TWO:      func.func @diagonal_1_1(%0: !lstencil.grid<5x4xf32>)
// TWO-SAME:     origin = array<i64: 4, 3>, subdomain = #dmp.shape_with_halo<[-1, 0, 4, 4]x[-1, 0, 3, 3]>
// TWO:        swaps = [#dmp.exchange<at [-1, 0] size [1, 3] source offset [1, 0] to [-1, 0]>, #dmp.exchange<at [0, -1] size [4, 1] source offset [0, 1] to [0, -1]>, #dmp.exchange<at [-1, -1] size [1, 1] source offset [1, 1] to [-1, -1]>]
func.func @diagonal(%0: !lstencil.grid<8x6xf32>) -> !lstencil.grid<8x6xf32> {
  %1 = lstencil.stencil [[-1, -1] = 0.25, [0, 0] = 0.5, [1, 1] = 0.25] : !lstencil.stencil<2>
  %2 = lstencil.apply %1 to %0 steps 1 : !lstencil.grid<8x6xf32>
  func.return %2 : !lstencil.grid<8x6xf32>
}
