// RUN: sparse-stencil-opt %s -p lower-mma-to-ptx | filecheck %s
// RUN: sparse-stencil-opt %s -p lower-mma-to-ptx -t ptx | filecheck %s --check-prefix=PTX

// A CUDA-core kernel (heat-2d with dyadic coefficients on a 20x24 f16 grid) becomes one
// `ptx.entry`, with no table: staging to f32, then per row of the stencil the thread's
// window (aligned vector loads), then FMAs with f32 immediates, then per output one
// rounding and a predicated store.

// CHECK:      builtin.module {
// CHECK-NEXT:   "ptx.entry"() <{sym_name = "heat", param_names = ["heat_x", "heat_y"], param_types = ["u64", "u64"]}> ({
// CHECK-NEXT:     "ptx.shared"() <{sym_name = "heat_box", size = #builtin.int<1440>, alignment = #builtin.int<16>}> : () -> ()
// CHECK:          "ptx.bar_sync"
// CHECK:          "ptx.ret"()
// CHECK-NEXT:   }) : () -> ()
// CHECK-NEXT:   func.func @apply

// PTX:       .visible .entry heat(
// PTX:       .shared .align 16 .b8 heat_box[1440];
// PTX:       ld.global.nc.v4.b16 {%rs{{[0-9]+}}, %rs{{[0-9]+}}, %rs{{[0-9]+}}, %rs{{[0-9]+}}}
// PTX:       cvt.f32.f16
// PTX:       st.shared.v4.f32
// PTX:       bar.sync 0;
// PTX:       ld.shared.v4.f32
// PTX:       mul.rn.f32 %f{{[0-9]+}}, %f{{[0-9]+}}, 0f3E800000;
// PTX:       mad.rn.f32 %f{{[0-9]+}}, %f{{[0-9]+}}, 0fBF800000, %f{{[0-9]+}};
// PTX:       cvt.rn.f16.f32
// PTX:       @%p{{[0-9]+}} st.global.b16
// PTX-NOT:   mma
// PTX-NOT:   div
// PTX:       ret;

mma.kernel @heat grid !lstencil.grid<20x24xf16> halo [1, 1] tile [1, 8] instruction "fma.rn.f32" warps 1 groups 1 arrangement [8, 4] pad 2 {
  mma.stage box [10, 34] pitch 36
  mma.direct offsets [[-1, 0], [0, -1], [0, 0], [0, 1], [1, 0]] coefficients [0.25, 0.25, -1.0, 0.25, 0.25]
}
func.func @apply(%x: !lstencil.grid<20x24xf16>) -> !lstencil.grid<20x24xf16> {
  %y = mma.launch @heat(%x) steps 3 : !lstencil.grid<20x24xf16> -> !lstencil.grid<20x24xf16>
  func.return %y : !lstencil.grid<20x24xf16>
}
