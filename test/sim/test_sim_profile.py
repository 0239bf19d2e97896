"""The instruction profile (sparse_stencil.sim.profile) and launching a subset of blocks.

Expected counts are derived by hand in each test from the kernel text and the bank model of
the profile module's docstring, not computed with the simulator's own helpers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sim_cases import CASES, kernel_text

from sparse_stencil.sim import Program, PtxLaunchError, run_ptx

HEADER = ".version 8.5\n.target sm_80\n.address_size 64\n"

MIX = (
    HEADER
    + """
.visible .entry mix(.param .u64 mix_out)
{
    .reg .pred  %p<2>;
    .reg .b32   %r<2>;
    .reg .f32   %f<2>;
    .reg .b64   %rd<3>;

    ld.param.u64        %rd0, [mix_out];
    mov.u32             %r0, %tid.x;
    setp.lt.u32         %p0, %r0, 16;
    setp.gt.u32         %p1, %r0, 1000;
    @%p1 st.global.u32  [%rd0], %r0;
    cvt.rn.f32.u32      %f0, %r0;
    @%p0 bra            SKIP;
    add.f32             %f0, %f0, 0f3F800000;
SKIP:
    mul.wide.u32        %rd1, %r0, 4;
    add.s64             %rd2, %rd0, %rd1;
    st.global.f32       [%rd2], %f0;
    bar.sync            0;
    ret;
}
"""
)

MIX_PER_BLOCK = {
    "ld.const": 2,  # ld.param, 2 warps
    "int": 2 * 5,  # mov, 2 setp, mul.wide, add.s64
    "st.global": 2 * 2,  # the never-true @%p1 store is issued too
    "float": 2 * 2,  # cvt; add.f32 by warp 0's lanes 16-31 and all of warp 1
    "control": 2 * 2,  # bra, ret
    "barrier": 2,
    "global.store_bytes": 64 * 4,  # only the unguarded store moves bytes
}
"""mix on a block of 64 threads (2 warps): every instruction is issued once per warp."""


def _nonzero(profile: dict[str, int]) -> dict[str, int]:
    return {key: value for key, value in profile.items() if value}


def test_profile_counts_warp_instructions_by_class() -> None:
    out = np.zeros(64, dtype=np.float32)
    stats = run_ptx(MIX, "mix", 3, 64, [out])
    assert _nonzero(stats.profile) == {key: 3 * value for key, value in MIX_PER_BLOCK.items()}
    assert stats.profile["bank_conflicts"] == 0
    assert stats.profile["mma"] == 0  # every key is present
    np.testing.assert_array_equal(out, np.arange(64) + (np.arange(64) >= 16))


def test_profile_of_the_mma_sp_stencil_kernel() -> None:
    """stencil2d_sp (kernels/stencil2d_sp.ptx): each warp issues one ldmatrix and one mma.sp
    per k-step; the profile agrees with the warp-collective counters."""
    case = next(c for c in CASES if c.name == "stencil2d_sp")
    args, _ = case.make(np.random.default_rng(0), True)
    stats = run_ptx(kernel_text(case.ptx), case.kernel, case.grid, case.block, args)
    warps = 4 * int(np.prod(case.grid))
    assert stats.profile["mma"] == stats.counters["mma.sp"] == warps * args[5]
    assert stats.profile["ldmatrix"] == stats.counters["ldmatrix"] == warps * args[5]


# ---------------------------------------------------------------------------------------------
# Bank conflicts
# ---------------------------------------------------------------------------------------------


def _shared_kernel(access: str, guard: str = "") -> str:
    """One warp: lane L loads its shared address from table[L] (global), then runs `access`
    on %r2 (the address of buf + table[L]), optionally guarded by `guard` (p: even lanes)."""
    return (
        HEADER
        + f"""
.visible .entry shared_access(.param .u64 shared_access_table)
{{
    .reg .pred  %p<1>;
    .reg .b32   %r<12>;
    .reg .b64   %rd<4>;
    .shared .align 16 .b8 buf[8192];

    ld.param.u64        %rd0, [shared_access_table];
    mov.u32             %r0, %tid.x;
    mul.wide.u32        %rd1, %r0, 4;
    add.s64             %rd2, %rd0, %rd1;
    ld.global.u32       %r1, [%rd2];
    mov.u32             %r3, buf;
    add.u32             %r2, %r3, %r1;
    and.b32             %r4, %r0, 1;
    setp.eq.u32         %p0, %r4, 0;
    {guard} {access}
    ret;
}}
"""
    )


def _conflicts(access: str, addresses: Any, guard: str = "") -> int:
    table = np.asarray(addresses, dtype=np.uint32)
    assert table.shape == (32,)
    return run_ptx(_shared_kernel(access, guard), "shared_access", 1, 32, [table]).profile[
        "bank_conflicts"
    ]


LANES = np.arange(32)
LOAD4 = "ld.shared.u32 %r5, [%r2];"
STORE4 = "st.shared.u32 [%r2], %r0;"
LOAD8 = "ld.shared.v2.u32 {%r5, %r6}, [%r2];"
LOAD16 = "ld.shared.v4.u32 {%r5, %r6, %r7, %r8}, [%r2];"
STORE16 = "st.shared.v4.u32 [%r2], {%r0, %r0, %r0, %r0};"
GENERIC4 = "cvt.u64.u32 %rd3, %r2;\n    cvta.shared.u64 %rd3, %rd3;\n    ld.u32 %r5, [%rd3];"


@pytest.mark.parametrize(
    ("access", "addresses", "expected"),
    [
        # 4-byte words: one phase of 32 lanes
        (LOAD4, 4 * LANES, 0),  # a row: 32 words in 32 banks
        (STORE4, 4 * LANES, 0),
        (LOAD4, 8 * LANES, 1),  # stride 2 words: even banks hold 2 words each
        (LOAD4, 128 * LANES, 31),  # stride 32 words: 32 words in bank 0
        (STORE4, 128 * LANES, 31),
        (LOAD4, np.zeros(32), 0),  # one word for all: a broadcast
        (LOAD4, 4 * (LANES // 2), 0),  # pairs share a word
        (LOAD4, 128 * (LANES % 2), 1),  # words 0 and 32 of bank 0, each read by 16 lanes
        (GENERIC4, 128 * LANES, 31),  # a generic address in the shared window
        # 8 bytes: two phases of 16 lanes, 2 words each
        (LOAD8, 8 * LANES, 0),  # each half-warp reads 32 consecutive words
        (LOAD8, 16 * LANES, 2),  # banks 4i, 4i+1 (i < 16): i and i+8 collide, per phase
        # 16 bytes: four phases of 8 lanes, 4 words each
        (LOAD16, 16 * LANES, 0),  # each phase reads 32 consecutive words
        (STORE16, 16 * LANES, 0),
        (LOAD16, 32 * LANES, 4),  # banks 8i..8i+3 (i < 8): i and i+4 collide, per phase
        (LOAD16, 128 * LANES, 28),  # banks 0-3 hold 8 words each: 7 extra per phase
        (LOAD16, 16 * (LANES % 8), 0),  # every phase reads the same 32 words
    ],
)
def test_bank_conflicts(access: str, addresses: Any, expected: int) -> None:
    assert _conflicts(access, addresses) == expected


def test_bank_conflicts_count_guard_true_lanes_only() -> None:
    """Stride 128 B, only even lanes: 16 distinct words in bank 0, 15 extra wavefronts."""
    assert _conflicts(LOAD4, 128 * LANES, "@%p0") == 15


GENERIC_MIX = (
    HEADER
    + """
// a generic load: even lanes from shared words[32 lane] (bank 0), odd lanes from data[lane]
.visible .entry generic_mix(.param .u64 generic_mix_data)
{
    .reg .pred  %p<1>;
    .reg .b32   %r<3>;
    .reg .b64   %rd<6>;
    .shared .align 4 .b8 words[4096];

    ld.param.u64        %rd0, [generic_mix_data];
    mov.u32             %r0, %tid.x;
    mul.wide.u32        %rd1, %r0, 4;
    add.s64             %rd2, %rd0, %rd1;
    mov.u64             %rd3, words;
    cvta.shared.u64     %rd3, %rd3;
    mul.wide.u32        %rd4, %r0, 128;
    add.s64             %rd3, %rd3, %rd4;
    and.b32             %r1, %r0, 1;
    setp.eq.u32         %p0, %r1, 0;
    selp.b64            %rd5, %rd3, %rd2, %p0;
    ld.u32              %r2, [%rd5];
    ret;
}
"""
)


def test_generic_access_traffic_goes_by_space() -> None:
    """16 odd lanes load 4 bytes each from global; 16 even lanes read 16 distinct words of
    bank 0 (15 extra wavefronts); the instruction counts once, as ld.generic."""
    profile = run_ptx(GENERIC_MIX, "generic_mix", 1, 32, [np.zeros(32, np.uint32)]).profile
    assert (profile["ld.generic"], profile["global.load_bytes"]) == (1, 16 * 4)
    assert profile["bank_conflicts"] == 15


def _ldmatrix_kernel(pitch: int) -> str:
    """One warp reads four 8x8 b16 matrices side by side from a tile of row pitch `pitch`:
    matrix j, row r at r * pitch + 16 j (lane 8j + r gives it)."""
    return (
        HEADER
        + f"""
.visible .entry tile(.param .u64 tile_out)
{{
    .reg .b32   %r<12>;
    .reg .b64   %rd<4>;
    .shared .align 16 .b8 tile[2048];

    ld.param.u64        %rd0, [tile_out];
    mov.u32             %r0, %laneid;
    and.b32             %r1, %r0, 7;
    mul.lo.u32          %r1, %r1, {pitch};
    shr.u32             %r2, %r0, 3;
    shl.b32             %r2, %r2, 4;
    add.u32             %r1, %r1, %r2;
    mov.u32             %r3, tile;
    add.u32             %r1, %r1, %r3;
    ldmatrix.sync.aligned.m8n8.x4.shared.b16 {{%r4, %r5, %r6, %r7}}, [%r1];
    mul.wide.u32        %rd1, %r0, 4;
    add.s64             %rd2, %rd0, %rd1;
    st.global.u32       [%rd2], %r4;
    ret;
}}
"""
    )


@pytest.mark.parametrize(
    ("pitch", "expected"),
    [
        # 64 halves (128 B): every row starts in bank 0, 8 words per bank: 7 per matrix
        (128, 4 * 7),
        # padded by 8 halves (144 B): rows start in banks 4r, disjoint quadruples
        (144, 0),
        # 32 halves (64 B): rows start in banks 0 and 16 alternately, 4 words each: 3 each
        (64, 4 * 3),
        # padded (80 B): rows start in banks 20r mod 32 = 0, 20, 8, 28, 16, 4, 24, 12
        (80, 0),
    ],
)
def test_ldmatrix_bank_conflicts(pitch: int, expected: int) -> None:
    stats = run_ptx(_ldmatrix_kernel(pitch), "tile", 1, 32, [np.zeros(32, np.uint32)])
    assert stats.profile["bank_conflicts"] == expected
    assert stats.profile["ldmatrix"] == 1


# ---------------------------------------------------------------------------------------------
# A subset of blocks
# ---------------------------------------------------------------------------------------------

WHERE = (
    HEADER
    + """
// out[block][0..3] = 1 + %ctaid.x, %ctaid.y, %nctaid.x, %nctaid.y (thread 0 of each block)
.visible .entry where(.param .u64 where_out)
{
    .reg .pred  %p<1>;
    .reg .b32   %r<8>;
    .reg .b64   %rd<4>;

    ld.param.u64        %rd0, [where_out];
    mov.u32             %r0, %tid.x;
    setp.ne.u32         %p0, %r0, 0;
    @%p0 bra            DONE;
    mov.u32             %r1, %ctaid.x;
    mov.u32             %r2, %ctaid.y;
    mov.u32             %r3, %nctaid.x;
    mov.u32             %r4, %nctaid.y;
    mad.lo.u32          %r5, %r2, %r3, %r1;
    mul.wide.u32        %rd1, %r5, 16;
    add.s64             %rd2, %rd0, %rd1;
    add.u32             %r6, %r1, 1;
    st.global.v4.u32    [%rd2], {%r6, %r2, %r3, %r4};
DONE:
    ret;
}
"""
)


@pytest.mark.parametrize("batch_threads", [16384, 64])
def test_launch_runs_only_the_given_blocks(batch_threads: int) -> None:
    out = np.zeros((4, 3, 4), dtype=np.uint32)  # (by, bx, field)
    stats = Program(WHERE).launch(
        "where", (3, 4), 64, [out], blocks=[(2, 3, 0), (1, 0, 0)], batch_threads=batch_threads
    )
    expected = np.zeros_like(out)
    expected[3, 2] = [3, 3, 3, 4]
    expected[0, 1] = [2, 0, 3, 4]
    np.testing.assert_array_equal(out, expected)
    assert stats.blocks == 2


def test_one_block_profile_is_a_share_of_the_whole() -> None:
    """mix does the same work in every block, so one block's profile is a third of three's."""
    whole = run_ptx(MIX, "mix", 3, 64, [np.zeros(64, np.float32)]).profile
    one = run_ptx(MIX, "mix", 3, 64, [np.zeros(64, np.float32)], blocks=[(1, 0, 0)]).profile
    assert _nonzero(one) == MIX_PER_BLOCK
    assert {key: 3 * value for key, value in one.items()} == whole


@pytest.mark.parametrize(
    ("blocks", "message"),
    [
        ([(3, 0, 0)], r"block index \(3, 0, 0\) is not an \(x, y, z\) inside grid \(3, 4, 1\)"),
        ([(0, 0)], r"block index \(0, 0\) is not"),
        ([(0, 0, 0), (0, 0, 0)], "names a block twice"),
        ([], "must be a non-empty list"),
    ],
)
def test_bad_block_lists_are_refused(blocks: Any, message: str) -> None:
    with pytest.raises(PtxLaunchError, match=message):
        run_ptx(WHERE, "where", (3, 4), 64, [np.zeros(48, np.uint32)], blocks=blocks)
