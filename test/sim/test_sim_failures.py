"""What the simulator refuses, and how it says so: one line naming the PTX line, the
instruction and, for run-time faults, the thread (as a memory checker would)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from sim_cases import CASES, kernel_text, lane_metadata, quad_words

from sparse_stencil.errors import StencilError
from sparse_stencil.sim import (
    PtxExecutionError,
    PtxLaunchError,
    PtxMemoryError,
    PtxParseError,
    run_ptx,
)


def _line_of(file: str, needle: str) -> int:
    """1-based line of the first line of `file` containing `needle`."""
    lines = kernel_text(file).splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


REFUSALS = {
    "unknown instruction": (
        "unsupported_atomic.ptx",
        "atom.global.add.u32 %r1",
        "count_all",
        [np.zeros(1, np.uint32)],
        PtxParseError,
        r"unsupported instruction 'atom\.global\.add\.u32' \(not in the simulator's PTX subset\)",
    ),
    "misaligned load": (
        "faults.ptx",
        "[%rd0+2]",
        "misaligned",
        [np.zeros(4, np.uint32)],
        PtxMemoryError,
        r"ld\.global\.u32: misaligned 4-byte access to global address 0x\w+ by thread \(0,0,0\)",
    ),
    "wrapped address": (
        "faults.ptx",
        "[%rd1+-8]",
        "below_null",
        [],
        PtxMemoryError,
        r"st\.global\.u32: out-of-bounds 4-byte access to global address 0xfffffffffffffff8: "
        r"no allocation there by thread \(0,0,0\)",
    ),
    "shared overflow": (
        "faults.ptx",
        "st.shared.u32",
        "shared_overflow",
        [],
        PtxMemoryError,
        r"st\.shared\.u32: out-of-bounds 4-byte access to shared address 0x10: the block has 16 "
        r"bytes of shared memory by thread \(4,0,0\)",
    ),
    "diverged warp": (
        "faults.ptx",
        "mma.sp::ordered_metadata",
        "diverged_mma",
        [],
        PtxExecutionError,
        r"mma\.sp::ordered_metadata\S*: warp-collective instruction executed by only part of the "
        r"warp of thread \(16,0,0\).*: lanes 0, 1, 2, 3, 4, 5, 6, 7, \.\.\. are diverged",
    ),
    "partial barrier": (
        "faults.ptx",
        "@%p1 bar.sync",
        "partial_barrier",
        [],
        PtxExecutionError,
        r"bar\.sync: bar\.sync is predicated off for thread \(8,0,0\)",
    ),
    "member mask": (
        "faults.ptx",
        "shfl.sync.idx.b32",
        "partial_member_mask",
        [],
        PtxExecutionError,
        r"shfl\.sync\.idx\.b32: member mask 0x0000ffff: the simulator requires the full warp",
    ),
    "runaway": (
        "faults.ptx",
        "$L_forever;",
        "runaway",
        [],
        PtxExecutionError,
        r"kernel did not finish within 1000 scheduling steps",
    ),
}
"""What each refusal looks like: (file, text on its PTX line, kernel, arguments, error type,
the message after ``line N: ``, a regular expression)."""


@pytest.mark.parametrize("case", list(REFUSALS))
def test_refusals_are_one_line_naming_the_ptx_line(case: str) -> None:
    """Parse-time and run-time refusals alike: a StencilError whose one-line message starts
    with the PTX line of the instruction (for a runaway loop: where it was still running)."""
    file, needle, kernel, args, error, message = REFUSALS[case]
    line = _line_of(file, needle)
    with pytest.raises(error) as info:
        run_ptx(kernel_text(file), kernel, 1, 32, args, max_steps=1000)
    assert isinstance(info.value, StencilError)
    assert "\n" not in str(info.value)
    assert re.match(rf"line {line}: {message}", str(info.value)), str(info.value)


def test_out_of_bounds_store_names_instruction_thread_and_buffer() -> None:
    line = _line_of("vector_add.ptx", "st.global.f32")
    x = np.ones(1000, np.float32)
    short = np.zeros(900, np.float32)
    with pytest.raises(PtxMemoryError) as info:
        run_ptx(kernel_text("vector_add.ptx"), "vector_add", 4, 256, [x, x, short, 1000])
    message = str(info.value)
    assert message.startswith(f"line {line}: st.global.f32: out-of-bounds 4-byte access")
    assert "0 bytes past the end" not in message
    # thread 900 is the first past the end: block 3, thread 132
    assert "4 bytes past the end of argument 2 'vector_add_param_2' (float32[900])" in message
    assert "thread (132,0,0) of block (3,0,0)" in message
    assert np.all(short == 0.0), "a faulting store is reported before it writes anything"


def test_store_to_read_only_array() -> None:
    x = np.ones(256, np.float32)
    out = np.zeros(256, np.float32)
    out.flags.writeable = False
    with pytest.raises(PtxMemoryError, match="store to read-only argument 2"):
        run_ptx(kernel_text("vector_add.ptx"), "vector_add", 1, 256, [x, x, out, 256])


def _mma_args(selector: int, words: np.ndarray, fill: int | None = None) -> list:
    case = next(c for c in CASES if c.name == f"mma_sp_f16_sel{selector}")
    args, _ = case.make(np.random.default_rng(0), True)
    args[3] = lane_metadata([words], [selector])
    if fill is not None:
        args[3][:] = fill
        args[3][4 * np.arange(8) + selector] = words
    return args


def _words_with(row: int, chunk: int, nibble: int) -> np.ndarray:
    nibbles = np.full((16, 4), 0x4)
    nibbles[row, chunk] = nibble
    return quad_words(nibbles)


@pytest.mark.parametrize(
    ("nibble", "reason"),
    [
        (0x6, "is unordered: ::ordered_metadata needs idx0 < idx1"),
        (0x5, "names the same position twice"),
        (0x0, "names the same position twice"),
    ],
)
def test_bad_metadata_is_refused(nibble: int, reason: str) -> None:
    line = _line_of("mma_sp_f16.ptx", "mma.sp::ordered_metadata")
    words = _words_with(row=9, chunk=2, nibble=nibble)  # row g+8 of quad 1
    with pytest.raises(PtxExecutionError) as info:
        run_ptx(kernel_text("mma_sp_f16.ptx"), "mma_sp_f16_sel0", 1, 32, _mma_args(0, words))
    message = str(info.value)
    assert message.startswith(f"line {line}: mma.sp::ordered_metadata.sync.aligned.m16n8k16")
    assert f"metadata nibble {nibble:#x} of row 9, chunk 2 (from lane 4)" in message
    assert reason in message
    assert "[warp 0, lane 4]" in message


def test_metadata_of_unselected_lanes_is_ignored() -> None:
    """Every other lane holds invalid nibbles; selector 3 reads only lanes 4g+3."""
    words = _words_with(row=0, chunk=0, nibble=0x8)
    args = _mma_args(3, words, fill=0x55555555)
    run_ptx(kernel_text("mma_sp_f16.ptx"), "mma_sp_f16_sel3", 1, 32, args)
    args[3][4 * np.arange(8) + 3] = 0x55555555  # now the selected lanes are bad too
    with pytest.raises(PtxExecutionError, match="from lane 3"):
        run_ptx(kernel_text("mma_sp_f16.ptx"), "mma_sp_f16_sel3", 1, 32, args)


def test_bad_tf32_metadata_is_refused() -> None:
    case = next(c for c in CASES if c.name == "mma_sp_tf32_k8")
    args, _ = case.make(np.random.default_rng(0), True)
    args[3][4 * 5 + 1] ^= 0x2 << 12  # quad 5's row-5 chunk 3 nibble: 0x4 -> 0x6 or 0xE -> 0xC
    message = r"of row 5, chunk 3 \(from lane 21\) is not a tf32 code"
    with pytest.raises(PtxExecutionError, match=message):
        run_ptx(kernel_text("mma_sp_tf32.ptx"), "mma_sp_tf32_k8", 1, 32, args)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([np.zeros(4, np.float32)], r"takes 4 arguments .* got 1"),
        ([np.zeros((4, 4), np.float32)[:, 0]] * 3 + [4], r"argument 0 .* must be C-contiguous"),
        ([np.zeros(4, np.float32)] * 3 + [2**40], r"argument 3 .* does not fit in 32 bits"),
        ([np.zeros(4, np.float32)] * 3 + [1.5], r"argument 3 .* expected an integer"),
        (
            [np.zeros(4, np.float32), [1.0, 2.0], np.zeros(4, np.float32), 4],
            r"argument 1 'vector_add_param_1' \(\.u64\): expected an integer or a numpy array, "
            "got list",
        ),
        (np.zeros(4, np.float32), r"args must be a list or tuple .* got ndarray"),
    ],
)
def test_launch_errors(args: list, message: str) -> None:
    with pytest.raises(PtxLaunchError, match=message):
        run_ptx(kernel_text("vector_add.ptx"), "vector_add", 1, 32, args)


@pytest.mark.parametrize(
    ("grid", "block", "message"),
    [
        (1, (64, 32), r"block \(64, 32, 1\) has 2048 threads, more than 1024"),
        (1, (1, 1, 65), r"block \(1, 1, 65\): z = 65 exceeds CUDA's limit 64"),
        ((1, 70000), 32, r"grid \(1, 70000, 1\): y = 70000 exceeds CUDA's limit 65535"),
        (2.0, 32, r"grid must be a positive int or 1 to 3 of them, got 2\.0"),
        ("4", 32, r"grid must be a positive int or 1 to 3 of them, got '4'"),
        (1, (32, 0), r"block must be a positive int or 1 to 3 of them, got \(32, 0\)"),
        (1, (32, 1, 1, 1), r"block must be .* got \(32, 1, 1, 1\)"),
    ],
)
def test_grid_and_block_are_checked(grid: Any, block: Any, message: str) -> None:
    with pytest.raises(PtxLaunchError, match=message):
        run_ptx(
            kernel_text("vector_add.ptx"),
            "vector_add",
            grid,
            block,
            [np.zeros(4, np.float32)] * 3 + [0],
        )


def test_a_pointer_may_be_any_contiguous_array() -> None:
    """A pointer parameter takes the array's bytes whatever its dtype (here float64 and
    uint8 arrays read and written as f32)."""
    x = np.arange(8, dtype=np.float32).view(np.float64)
    y = np.ones(8, dtype=np.float32).view(np.uint8)
    out = np.zeros(8, dtype=np.float32)
    run_ptx(kernel_text("vector_add.ptx"), "vector_add", 1, 32, [x, y, out, 8])
    np.testing.assert_array_equal(out, np.arange(8) + 1)


def test_selector_out_of_range_is_a_parse_error() -> None:
    text = kernel_text("mma_sp_tf32.ptx").replace("%r13, 1;", "%r13, 2;")
    with pytest.raises(PtxParseError, match=r"sparsity selector 2 is out of range 0\.\.1"):
        run_ptx(text, "mma_sp_tf32_k16", 1, 32, [])
