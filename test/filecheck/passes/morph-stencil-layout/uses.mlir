// RUN: sparse-stencil-opt %s --split-input-file -p morph-stencil-layout | filecheck %s

// Two stencils in one function: each gets its own layout, its applies follow it.
// CHECK-LABEL: func.func @two_stencils
// CHECK-NEXT:    %[[H:.*]] = sparse_layout.gemm <14x16> tile [14] halo [1]
// CHECK:           ] : !sparse_layout.layout<1>
// CHECK-NEXT:    %[[I:.*]] = sparse_layout.gemm <12x31> tile [3, 4] halo [2, 3]
// CHECK:           ] : !sparse_layout.layout<2>
// CHECK-NEXT:    sparse_layout.apply %[[H]] to %{{.*}} steps 1 : !lstencil.grid<32xf16>
// CHECK-NEXT:    sparse_layout.apply %[[I]] to %{{.*}} steps 2 : !lstencil.grid<16x16xbf16>
func.func @two_stencils(%x: !lstencil.grid<32xf16>, %z: !lstencil.grid<16x16xbf16>) -> !lstencil.grid<32xf16> {
  %s = lstencil.stencil [[-1] = 1.0, [0] = -2.0, [1] = 1.0] : !lstencil.stencil<1>
  %t = lstencil.stencil [[0, 0] = 1.0, [2, -1] = 0.5, [-1, 3] = 0.25] : !lstencil.stencil<2>
  %y = lstencil.apply %s to %x steps 1 : !lstencil.grid<32xf16>
  %w = lstencil.apply %t to %z steps 2 : !lstencil.grid<16x16xbf16>
  func.return %y : !lstencil.grid<32xf16>
}

// -----

// One 7-point stencil applied to f16, f32 and bf16 grids: f16 and bf16 share the 2:4
// layout, f32 gets its own for tf32's 1:2, and the tiles differ. Under 2:4 a 10-strip reads
// 16 inputs, one K step of 16 for 10 outputs (a 16-strip reads 22: K 32). Under 1:2 K goes
// in steps of 8, and the 16-strip's 22 inputs pair up into K 24: 1.5 slots per output
// against the 10-strip's 1.6.
// CHECK-LABEL: func.func @three_types
// CHECK-NEXT:    %[[HALF:.*]] = sparse_layout.gemm <10x16> tile [10] halo [3]
// CHECK:           ] : !sparse_layout.layout<1>
// CHECK-NEXT:    %[[TF32:.*]] = sparse_layout.gemm <16x22> tile [16] halo [3]
// CHECK:           ] : !sparse_layout.layout<1>
// CHECK-NEXT:    sparse_layout.apply %[[HALF]] to %{{.*}} steps 1 : !lstencil.grid<32xf16>
// CHECK-NEXT:    sparse_layout.apply %[[TF32]] to %{{.*}} steps 2 : !lstencil.grid<32xf32>
// CHECK-NEXT:    sparse_layout.apply %[[HALF]] to %{{.*}} steps 3 : !lstencil.grid<32xbf16>
func.func @three_types(%x: !lstencil.grid<32xf16>, %z: !lstencil.grid<32xf32>, %b: !lstencil.grid<32xbf16>) -> !lstencil.grid<32xf16> {
  %s = lstencil.stencil [[-3] = 1.0, [-2] = 2.0, [-1] = 3.0, [0] = 4.0, [1] = 3.0, [2] = 2.0, [3] = 1.0] : !lstencil.stencil<1>
  %y = lstencil.apply %s to %x steps 1 : !lstencil.grid<32xf16>
  %w = lstencil.apply %s to %z steps 2 : !lstencil.grid<32xf32>
  %v = lstencil.apply %s to %b steps 3 : !lstencil.grid<32xbf16>
  func.return %y : !lstencil.grid<32xf16>
}

