"""What the simulator refuses, and how it says so: one line naming the PTX line, the
instruction and, for run-time faults, the thread (as a memory checker would)."""

from __future__ import annotations

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


def test_errors_are_stencil_errors_with_one_line() -> None:
    with pytest.raises(StencilError) as info:
        run_ptx(kernel_text("unsupported_atomic.ptx"), "count_all", 1, 32, [np.zeros(1, np.uint32)])
    assert "\n" not in str(info.value)


def test_unknown_instruction_is_named_with_its_line() -> None:
    line = _line_of("unsupported_atomic.ptx", "atom.global.add.u32 %r1")
    with pytest.raises(
        PtxParseError, match=rf"^line {line}: unsupported instruction 'atom.global.add.u32'"
    ):
        run_ptx(kernel_text("unsupported_atomic.ptx"), "count_all", 1, 32, [np.zeros(1, np.uint32)])


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


def test_misaligned_load() -> None:
    line = _line_of("faults.ptx", "[%rd0+2]")
    with pytest.raises(
        PtxMemoryError, match=rf"^line {line}: ld.global.u32: misaligned 4-byte access"
    ):
        run_ptx(kernel_text("faults.ptx"), "misaligned", 1, 32, [np.zeros(4, np.uint32)])


def test_shared_memory_overflow_names_the_first_bad_thread() -> None:
    with pytest.raises(
        PtxMemoryError,
        match=r"st.shared.u32: out-of-bounds 4-byte access to shared address "
        r"0x10: the block has 16 bytes .* thread \(4,0,0\)",
    ):
        run_ptx(kernel_text("faults.ptx"), "shared_overflow", 1, 32, [])


def test_store_to_read_only_array() -> None:
    x = np.ones(256, np.float32)
    out = np.zeros(256, np.float32)
    out.flags.writeable = False
    with pytest.raises(PtxMemoryError, match="store to read-only argument 2"):
        run_ptx(kernel_text("vector_add.ptx"), "vector_add", 1, 256, [x, x, out, 256])


def test_divergent_warp_collective_is_refused() -> None:
    line = _line_of("faults.ptx", "mma.sp::ordered_metadata")
    with pytest.raises(
        PtxExecutionError,
        match=rf"^line {line}: mma.sp::ordered_metadata.*only part of the warp.*"
        r"lanes 0, 1, 2, 3, 4, 5, 6, 7, \.\.\. are diverged",
    ):
        run_ptx(kernel_text("faults.ptx"), "diverged_mma", 1, 32, [])


def test_partially_predicated_barrier_is_refused() -> None:
    with pytest.raises(PtxExecutionError, match=r"bar\.sync is predicated off for thread"):
        run_ptx(kernel_text("faults.ptx"), "partial_barrier", 1, 32, [])


def test_runaway_loop_stops() -> None:
    with pytest.raises(PtxExecutionError, match="did not finish within 1000 scheduling steps"):
        run_ptx(kernel_text("faults.ptx"), "runaway", 1, 32, [], max_steps=1000)


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
        (0x6, r"is unordered: ::ordered_metadata needs idx0 < idx1"),
        (0x5, r"names the same position twice"),
        (0x0, r"names the same position twice"),
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
    assert reason.replace("\\", "") in message
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
    with pytest.raises(
        PtxExecutionError,
        match=r"of row 5, chunk 3 \(from lane 21\) is not a "
        r"tf32 code",
    ):
        run_ptx(kernel_text("mma_sp_tf32.ptx"), "mma_sp_tf32_k8", 1, 32, args)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([np.zeros(4, np.float32)], r"takes 4 arguments .* got 1"),
        ([np.zeros((4, 4), np.float32)[:, 0]] * 3 + [4], r"argument 0 .* must be C-contiguous"),
        ([np.zeros(4, np.float32)] * 3 + [2**40], r"argument 3 .* does not fit in 32 bits"),
        ([np.zeros(4, np.float32)] * 3 + [1.5], r"argument 3 .* expected an integer"),
    ],
)
def test_launch_errors(args: list, message: str) -> None:
    with pytest.raises(PtxLaunchError, match=message):
        run_ptx(kernel_text("vector_add.ptx"), "vector_add", 1, 32, args)


def test_block_too_large() -> None:
    with pytest.raises(PtxLaunchError, match="more than 1024"):
        run_ptx(
            kernel_text("vector_add.ptx"),
            "vector_add",
            1,
            (64, 32),
            [np.zeros(4, np.float32)] * 3 + [0],
        )


def test_selector_out_of_range_is_a_parse_error() -> None:
    text = kernel_text("mma_sp_tf32.ptx").replace("%r13, 1;", "%r13, 2;")
    with pytest.raises(PtxParseError, match=r"sparsity selector 2 is out of range 0\.\.1"):
        run_ptx(text, "mma_sp_tf32_k16", 1, 32, [])
