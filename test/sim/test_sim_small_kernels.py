"""Small hand-written kernels for single features: div.approx/div.full at the ends of the f32
range, ld.global.nc, ld.const from an initialised module .const array, selp.b16."""

from __future__ import annotations

import math
import struct
from fractions import Fraction

import numpy as np
from fraction_rounding import round_fraction

from sparse_stencil.sim import run_ptx

HEADER = ".version 8.5\n.target sm_80\n.address_size 64\n"

DIVIDE = (
    HEADER
    + """
// out[i] = div.approx(x[i], y[i]), div.full(..), div.approx.ftz(..); operands read with .nc
.visible .entry divide(
    .param .u64 divide_x,
    .param .u64 divide_y,
    .param .u64 divide_out
)
{
    .reg .b32   %r<1>;
    .reg .f32   %f<5>;
    .reg .b64   %rd<8>;

    ld.param.u64        %rd0, [divide_x];
    ld.param.u64        %rd1, [divide_y];
    ld.param.u64        %rd2, [divide_out];
    mov.u32             %r0, %tid.x;
    mul.wide.u32        %rd3, %r0, 4;
    add.s64             %rd4, %rd0, %rd3;
    add.s64             %rd5, %rd1, %rd3;
    ld.global.nc.f32    %f0, [%rd4];
    ld.global.nc.f32    %f1, [%rd5];
    div.approx.f32      %f2, %f0, %f1;
    div.full.f32        %f3, %f0, %f1;
    div.approx.ftz.f32  %f4, %f0, %f1;
    mul.wide.u32        %rd6, %r0, 12;
    add.s64             %rd7, %rd2, %rd6;
    st.global.f32       [%rd7], %f2;
    st.global.f32       [%rd7+4], %f3;
    st.global.f32       [%rd7+8], %f4;
    ret;
}
"""
)

HUGE = 1.5 * 2.0**126
NAN_BITS = 0x7FFFFFFF
"""The canonical NaN the simulator gives (as NVIDIA GPUs do)."""


# (a, y, div.approx): div.approx.f32 is a * (1/y), and for 2**126 < |y| < 2**128 that
# reciprocal is 0 (PTX ISA, div): a zero with the sign of a*y, NaN for an infinite a.
APPROX = [
    (1.0, HUGE, 0.0),
    (-3.0, 2.0**127, -0.0),
    (1.0, -(2.0**127), -0.0),
    (-5.0, -HUGE, 0.0),
    (2.0**127, HUGE, 0.0),  # the true quotient 4/3 is lost too
    (0.0, float(np.finfo(np.float32).max), 0.0),
    (math.inf, 2.0**127, math.nan),
    (math.nan, 2.0**127, math.nan),
    (1.0, 2.0**126, 2.0**-126),  # the range is open: 2**126 itself divides normally
    (6.0, 3.0, 2.0),
    (1.0, math.inf, 0.0),
]


def _bits(value: float) -> int:
    return NAN_BITS if math.isnan(value) else struct.unpack("<I", struct.pack("<f", value))[0]


def _divide() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.array([a for a, _, _ in APPROX], dtype=np.float32)
    y = np.array([b for _, b, _ in APPROX], dtype=np.float32)
    out = np.zeros((len(APPROX), 3), dtype=np.float32)
    run_ptx(DIVIDE, "divide", 1, len(APPROX), [x, y, out])
    return x, y, out.view(np.uint32)


def test_div_approx_gives_zero_for_huge_divisors() -> None:
    _, _, out = _divide()
    assert out[:, 0].tolist() == [_bits(expected) for _, _, expected in APPROX]
    assert out[:, 2].tolist() == out[:, 0].tolist()  # no subnormal here for .ftz to flush


def _full(a: float, y: float) -> float:
    """The correctly rounded quotient (exact rationals), IEEE's answer for inf and NaN."""
    if math.isfinite(a) and math.isfinite(y):
        return round_fraction(Fraction(a) / Fraction(y), "f32")
    return a / y  # inf / 2**127, NaN / y, 1 / inf: exact special values


def test_div_full_is_full_range() -> None:
    """div.full.f32 has no such range (2 ulp everywhere, PTX ISA): the simulator gives the
    correctly rounded quotient, e.g. the subnormal 1 / (1.5 * 2**126) and 4/3 for row 4."""
    _, _, out = _divide()
    assert out[:, 1].tolist() == [_bits(_full(a, y)) for a, y, _ in APPROX]


TABLES = (
    HEADER
    + """
.const .align 8 .u32 table[6] = {10, 20, 30, 40, 50, 60};

// out[i] = table[3] + lanes i < 4 ? table[4] : table[5] (the second through selp.b16)
.visible .entry tables(.param .u64 tables_out)
{
    .reg .pred  %p<1>;
    .reg .b16   %h<3>;
    .reg .b32   %r<6>;
    .reg .b64   %rd<3>;

    ld.param.u64        %rd0, [tables_out];
    mov.u32             %r0, %tid.x;
    ld.const.u32        %r1, [table+12];
    ld.const.v2.u32     {%r2, %r3}, [table+16];
    cvt.u16.u32         %h0, %r2;
    cvt.u16.u32         %h1, %r3;
    setp.lt.u32         %p0, %r0, 4;
    selp.b16            %h2, %h0, %h1, %p0;
    cvt.u32.u16         %r4, %h2;
    add.u32             %r5, %r1, %r4;
    mul.wide.u32        %rd1, %r0, 4;
    add.s64             %rd2, %rd0, %rd1;
    st.global.u32       [%rd2], %r5;
    ret;
}
"""
)


def test_const_table_and_selp_b16() -> None:
    out = np.zeros(32, dtype=np.uint32)
    stats = run_ptx(TABLES, "tables", 1, 32, [out])
    np.testing.assert_array_equal(out, np.where(np.arange(32) < 4, 40 + 50, 40 + 60))
    assert stats.profile["ld.const"] == 3  # ld.param and two ld.const, one warp
