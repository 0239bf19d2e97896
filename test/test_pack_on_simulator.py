"""`pack_m16n8k16` drives the simulated `mma.sp` exactly: the product's packing and the
simulator's tensor-core model were written separately, so agreeing proves both layouts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import random_two_four_tile

from sparse_stencil.sim import run_ptx
from sparse_stencil.sparsity import pack_m16n8k16

KERNEL = (Path(__file__).parent / "sim" / "kernels" / "mma_sp_f16.ptx").read_text()


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_packed_tile_times_b_on_the_simulator(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = random_two_four_tile(rng, -8, 9)
    b = rng.integers(-8, 9, size=(16, 8)).astype(np.float16)
    c = rng.integers(-8, 9, size=(16, 8)).astype(np.float32)
    values, words = pack_m16n8k16(a)
    # Selector 0: lane 4g supplies quad g's word; the other lanes' words must be ignored.
    lanes = rng.integers(0, 2**32, size=32, dtype=np.uint64).astype(np.uint32)
    lanes[0::4] = words
    d = np.zeros((16, 8), dtype=np.float32)
    run_ptx(
        KERNEL,
        "mma_sp_f16_sel0",
        grid=1,
        block=32,
        args=[values, np.ascontiguousarray(b.T), c, lanes, d],
    )
    # Small integers: every product and partial sum is exact in f32, in any order.
    expected = a.astype(np.float64) @ b.astype(np.float64) + c
    np.testing.assert_array_equal(d, expected)
