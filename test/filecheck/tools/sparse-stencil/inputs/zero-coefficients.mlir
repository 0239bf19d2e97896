// A stencil whose every coefficient is zero: it computes nothing, so it is refused.
%s = lstencil.stencil [[0, 0] = 0.0, [1, 0] = 0.0, [0, -1] = -0.0] : !lstencil.stencil<2>
