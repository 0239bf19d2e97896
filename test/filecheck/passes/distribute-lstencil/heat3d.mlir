// RUN: sparse-stencil-opt %s -p 'distribute-lstencil{topology=1,1,2}' | filecheck %s --check-prefix=THREE

// Heat-3D split on its innermost axis only: the 3-D strategy, and a radius-0 axis would
// get no halo (here every axis has radius 1).
// THREE:      func.func @heat3d_0_0_0(%0: !lstencil.grid<6x6x5xbf16>)
// THREE-SAME:     subdomain = #dmp.shape_with_halo<[0, 0, 6, 6]x[0, 0, 6, 6]x[0, 0, 4, 5]>
// THREE:        "dmp.swap"(%{{.*}}) <{strategy = #dmp.grid_slice_3d<#dmp.topo<1x1x2>, false>, swaps = [#dmp.exchange<at [0, 0, 4] size [6, 6, 1] source offset [0, 0, -1] to [0, 0, 1]>]}>
// THREE:      func.func @heat3d_0_0_1(%0: !lstencil.grid<6x6x5xbf16>)
func.func @heat3d(%0: !lstencil.grid<6x6x8xbf16>) -> !lstencil.grid<6x6x8xbf16> {
  %1 = lstencil.stencil [[-1, 0, 0] = 0.125, [0, -1, 0] = 0.125, [0, 0, -1] = 0.125, [0, 0, 0] = 0.25, [0, 0, 1] = 0.125, [0, 1, 0] = 0.125, [1, 0, 0] = 0.125] : !lstencil.stencil<3>
  %2 = lstencil.apply %1 to %0 steps 2 : !lstencil.grid<6x6x8xbf16>
  func.return %2 : !lstencil.grid<6x6x8xbf16>
}
