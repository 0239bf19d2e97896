"""Unit tests of :mod:`sparse_stencil.kernel.tables` and :mod:`sparse_stencil.kernel.geometry`.

What the tests prove, for sparse (2:4 and 1:2) and dense layouts of 1D, 2D and 3D kernels:

- the fragment table's A words, decoded with the fragment layouts of the PTX ISA (written out
  here independently of :meth:`MmaInstruction.a_registers`, as the table in
  :mod:`sparse_stencil.kernel.instruction` documents them), give back every kept coefficient
  of the layout, rounded to the compute type, each exactly once; with the metadata words
  (lane 4g for the first chunk step, 4g + 1 for the second) they expand to the converted
  coefficient matrix, and to zeros in the unused rows of small tiles;
- the B offsets point, from each lane's tile origin, at the input the K permutation assigns
  to the slot; a padding slot points at some staged input of the tile and meets a zero
  coefficient;
- the thread table's first word is the tile origin in shared memory, its c0..c3 entries are
  the output points of the documented accumulator layout, the rows a small tile does not use
  are :data:`NEVER`, and together the threads and groups of a block store every point of the
  block's output box exactly once;
- the tables the printed PTX holds are these tables;
- the geometry's extent, blocks, box, pitch, strides, shared bytes and launch match
  hand-worked examples.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter

import numpy as np
import numpy.typing as npt
import pytest

from sparse_stencil import StencilError, catalog
from sparse_stencil.compiler import Kernel, compile
from sparse_stencil.kernel.geometry import MMA_N, WARP, BlockLayout, Geometry
from sparse_stencil.kernel.instruction import MmaInstruction
from sparse_stencil.kernel.numerics import COMPUTE_TYPES
from sparse_stencil.kernel.tables import (
    METADATA_WORD,
    NEVER,
    OFFSET_WORD,
    fragment_table,
    step_instructions,
    thread_table,
)
from sparse_stencil.layout.matching import SparseGemm
from sparse_stencil.sparsity import expand

CASES = [
    ("star2d1r", (20, 21), "float16", "sparse"),
    ("box3d1r", (10, 11, 12), "bfloat16", "sparse"),
    ("star1d1r", (40,), "float32", "sparse"),
    ("box2d2r", (22, 23), "float32", "sparse"),
    ("box2d1r", (20, 21), "float16", "dense"),
    ("star3d1r", (10, 11, 12), "float32", "dense"),
    ("star1d3r", (40,), "bfloat16", "dense"),
]
IDS = ["-".join(map(str, c[:1] + c[2:])) for c in CASES]

Element = tuple[int, int]


def documented_a_registers(instruction: MmaInstruction, g: int, t: int) -> list[list[Element]]:
    """Lane (g, t)'s A registers as (row, column) elements, low half first (PTX ISA, "Matrix
    fragments for mma.m16n8k*"): 16-bit types hold rows g and g + 8 of columns 2t, 2t + 1, then
    the same 8 columns on; tf32 holds columns t, t + 4, ... one element per register. Columns
    index the compressed A (K / 2 columns) for the sparse forms."""
    columns = instruction.k // 2 if instruction.sparse else instruction.k
    if instruction.a_type == "tf32":
        return [[(row, t + 4 * i)] for i in range(columns // 4) for row in (g, g + 8)]
    return [
        [(row, 2 * t + 8 * i), (row, 2 * t + 8 * i + 1)]
        for i in range(columns // 8)
        for row in (g, g + 8)
    ]


def documented_b_rows(instruction: MmaInstruction, t: int) -> list[int]:
    """The K rows of B lane t holds (the table in :mod:`~sparse_stencil.kernel.instruction`)."""
    if instruction.a_type == "tf32":
        return [t + 4 * i for i in range(instruction.k // 4)]
    return [r + 8 * i for i in range(instruction.k // 8) for r in (2 * t, 2 * t + 1)]


def decode_half(bits: int, a_type: str) -> float:
    """A 16-bit f16 or bf16 pattern, or a 32-bit tf32 word, as its value."""
    if a_type == "f16":
        return float(np.array([bits], dtype=np.uint16).view(np.float16)[0])
    if a_type == "bf16":
        return float(np.array([bits << 16], dtype=np.uint32).view(np.float32)[0])
    return float(np.array([bits], dtype=np.uint32).view(np.float32)[0])


def unravel(offset: int, strides: tuple[int, ...]) -> tuple[int, ...]:
    """Coordinates of a non-negative element offset under row-major `strides`."""
    coordinates: list[int] = []
    for stride in strides:
        coordinate, offset = divmod(offset, stride)
        coordinates.append(coordinate)
    return tuple(coordinates)


@pytest.fixture(scope="module", params=CASES, ids=IDS)
def kernel(request: pytest.FixtureRequest) -> Kernel:
    name, shape, dtype, sparsity = request.param
    return compile(catalog.get(name), shape, dtype, sparsity=sparsity, assemble=False)


def words(kernel: Kernel) -> npt.NDArray[np.int64]:
    """The fragment table as unsigned 32-bit words."""
    choice = kernel.choice
    table = fragment_table(choice.layout, choice.instruction, kernel.geometry)
    assert table.shape == (len(choice.steps), WARP, 16)
    return table.view(np.uint32).astype(np.int64)


def test_steps_cover_the_converted_k(kernel: Kernel) -> None:
    choice = kernel.choice
    steps = step_instructions(choice.layout, choice.instruction)
    assert steps == choice.steps
    layout = choice.layout
    k = layout.k_after if isinstance(layout, SparseGemm) else layout.k
    total = sum(step.k for step in steps)
    assert total >= k
    assert total - k < choice.instruction.k  # padded only to the last instruction
    assert all(step.sparse == choice.instruction.sparse for step in steps)


def test_documented_a_layout_is_the_implemented_one(kernel: Kernel) -> None:
    for step in set(kernel.choice.steps):
        for g, t in itertools.product(range(8), range(4)):
            assert step.a_registers(g, t) == documented_a_registers(step, g, t)
            assert list(step.b_rows(t)) == documented_b_rows(step, t)


def test_a_words_decode_to_the_layout_coefficients(kernel: Kernel) -> None:
    choice = kernel.choice
    layout = choice.layout
    a_type = choice.instruction.a_type
    sparse = isinstance(layout, SparseGemm)
    kept = layout.values if sparse else layout.matrix
    width = sum(step.k // (2 if step.sparse else 1) for step in choice.steps)
    decoded = np.zeros((16, width))
    written = Counter[Element]()
    table = words(kernel)
    start = 0
    for s, step in enumerate(choice.steps):
        for lane in range(WARP):
            g, t = divmod(lane, 4)
            for r, elements in enumerate(documented_a_registers(step, g, t)):
                word = int(table[s, lane, r])
                if len(elements) == 1:  # tf32: the whole word
                    ((row, column),) = elements
                    decoded[row, start + column] = decode_half(word, a_type)
                    written[(row, start + column)] += 1
                    continue
                for half, (row, column) in enumerate(elements):
                    bits = (word >> (16 * half)) & 0xFFFF
                    decoded[row, start + column] = decode_half(bits, a_type)
                    written[(row, start + column)] += 1
        start += step.k // (2 if step.sparse else 1)
    assert set(written.values()) == {1}
    assert len(written) == 16 * width
    expected = np.zeros((16, width))
    expected[: kept.shape[0], : kept.shape[1]] = COMPUTE_TYPES[a_type].round(kept)
    np.testing.assert_array_equal(decoded, expected)
    assert not decoded[layout.m :].any()


def test_metadata_words_expand_to_the_converted_matrix(kernel: Kernel) -> None:
    choice = kernel.choice
    layout = choice.layout
    table = words(kernel)
    if not isinstance(layout, SparseGemm):  # dense forms take no metadata: the word is unused
        assert not table[:, :, METADATA_WORD].any()
        return
    chunk_steps = sum(step.chunk_steps for step in choice.steps)
    nibbles = np.full((16, 4 * chunk_steps), -1, dtype=np.int64)
    first = 0
    for s, step in enumerate(choice.steps):
        for g in range(8):
            # selector 0: lane 4g's word for the first chunk step, 4g + 1's for the second
            for t in range(step.chunk_steps):
                word = int(table[s, 4 * g + t, METADATA_WORD])
                chunk = 4 * (first + t)
                for j in range(4):
                    nibbles[g, chunk + j] = (word >> (4 * j)) & 0xF
                    nibbles[g + 8, chunk + j] = (word >> (16 + 4 * j)) & 0xF
        first += step.chunk_steps
    assert (nibbles >= 0).all()
    np.testing.assert_array_equal(nibbles[: layout.m, : layout.metadata.shape[1]], layout.metadata)
    values = np.zeros((16, nibbles.shape[1] * layout.sparsity.kept))
    values[: layout.m, : layout.values.shape[1]] = layout.values
    dense = expand(values, nibbles.astype(np.uint8), layout.sparsity)
    converted = layout.dense_matrix()
    np.testing.assert_array_equal(dense[: layout.m, : converted.shape[1]], converted)
    assert not dense[layout.m :].any()
    assert not dense[:, converted.shape[1] :].any()


def test_b_offsets_point_at_the_permuted_inputs(kernel: Kernel) -> None:
    choice = kernel.choice
    layout = choice.layout
    geometry = kernel.geometry
    element = geometry.element_bytes
    table = words(kernel).astype(np.uint32).view(np.int32).astype(np.int64)
    bases = thread_table(layout, geometry)[:WARP, 0].astype(np.int64)
    if isinstance(layout, SparseGemm):
        column_of = layout.permutation
        matrix = layout.dense_matrix()
    else:
        column_of = np.arange(layout.k)
        matrix = layout.matrix
    low = layout.inputs.min(axis=0)
    high = layout.inputs.max(axis=0)
    start = 0
    for s, step in enumerate(choice.steps):
        for lane in range(WARP):
            g, t = divmod(lane, 4)
            origin = np.array(geometry.tile_position(0, g)) * geometry.tile + geometry.reach
            for e, row in enumerate(documented_b_rows(step, t)):
                offset = int(table[s, lane, OFFSET_WORD + e])
                assert offset == table[s, t, OFFSET_WORD + e]  # shared by the lanes of one t
                absolute = int(bases[lane]) + offset
                assert absolute % element == 0
                point = np.array(unravel(absolute // element, geometry.shared_strides)) - origin
                slot = start + row
                column = int(column_of[slot]) if slot < column_of.size else -1
                if column >= 0:
                    np.testing.assert_array_equal(point, layout.inputs[column])
                else:  # padding: any staged input of the tile, times a zero coefficient
                    assert (low <= point).all()
                    assert (point <= high).all()
                    if slot < matrix.shape[1]:
                        assert not matrix[:, slot].any()
        start += step.k


def test_thread_table_holds_origins_and_output_points(kernel: Kernel) -> None:
    layout = kernel.choice.layout
    geometry = kernel.geometry
    d = geometry.dims
    table = thread_table(layout, geometry).astype(np.int64)
    assert table.shape == (geometry.block.threads, 4 + 4 * (1 + d))
    shared = geometry.shared_strides
    stored = Counter[tuple[int, ...]]()
    for warp, lane in itertools.product(range(geometry.block.warps), range(WARP)):
        g, t = divmod(lane, 4)
        row = table[warp * WARP + lane]
        tile_origin = np.array(geometry.tile_position(warp, g)) * geometry.tile + geometry.reach
        assert row[0] % geometry.element_bytes == 0
        assert unravel(int(row[0]) // geometry.element_bytes, shared) == tuple(tile_origin)
        accumulators = [(g, 2 * t), (g, 2 * t + 1), (g + 8, 2 * t), (g + 8, 2 * t + 1)]
        for value, (m, n) in enumerate(accumulators):
            entry = row[4 + value * (1 + d) : 4 + (value + 1) * (1 + d)]
            if m >= layout.m:
                assert (entry == NEVER).all()
                continue
            point = np.array(geometry.tile_position(warp, n)) * geometry.tile + layout.outputs[m]
            np.testing.assert_array_equal(entry[1:], point)
            assert entry[0] == point @ np.array(geometry.global_strides)
            for group in range(geometry.block.groups):
                shifted = point.copy()
                shifted[0] += group * geometry.group_shift
                stored[tuple(int(c) for c in shifted)] += 1
    assert set(stored.values()) == {1}
    assert set(stored) == set(itertools.product(*(range(e) for e in geometry.extent)))
    assert NEVER > max(geometry.shape)


def test_unused_rows_exist_for_small_tiles() -> None:
    """star1d1r on f32 takes a tile of fewer than 16 points: exactly the accumulator values of
    rows m..15 are NEVER (c0, c1 hold row g, c2, c3 row g + 8)."""
    kernel = compile(catalog.get("star1d1r"), (40,), "float32", assemble=False)
    layout = kernel.choice.layout
    assert layout.m < 16
    table = thread_table(layout, kernel.geometry)
    d = kernel.geometry.dims
    for thread, row in enumerate(table):
        g = thread % WARP // 4
        for value, m in enumerate((g, g, g + 8, g + 8)):
            entry = row[4 + value * (1 + d) : 4 + (value + 1) * (1 + d)]
            assert (entry == NEVER).all() == (m >= layout.m)
    assert (table == NEVER).any()


def ptx_array(ptx: str, suffix: str) -> npt.NDArray[np.int64]:
    """The initialiser of the `.global` array whose name ends in `suffix`, as integers."""
    match = re.search(rf"\.b32 \w+_{suffix}\[(\d+)\] = \{{([^}}]*)\}}", ptx)
    assert match is not None
    values = np.array([int(v) for v in match.group(2).replace("\n", " ").split(",")])
    assert values.size == int(match.group(1))
    return values % 2**32


def test_ptx_holds_these_tables(kernel: Kernel) -> None:
    choice = kernel.choice
    fragments = fragment_table(choice.layout, choice.instruction, kernel.geometry)
    threads = thread_table(choice.layout, kernel.geometry)
    np.testing.assert_array_equal(
        ptx_array(kernel.ptx, "fragments"), fragments.ravel().astype(np.int64) % 2**32
    )
    np.testing.assert_array_equal(
        ptx_array(kernel.ptx, "threads"), threads.ravel().astype(np.int64) % 2**32
    )


# --- geometry ----------------------------------------------------------------------------------


def test_geometry_2d_hand_worked() -> None:
    block = BlockLayout(warps=4, groups=2, arrangement=(4, 8), pad=4)
    geometry = Geometry((100, 70), (1, 2), (2, 6), block, element_bytes=2)
    assert block.threads == 128
    assert block.describe() == "4 warps x 2 groups, tiles 4x8, pad 4"
    assert geometry.block_tiles == (8, 8)  # groups stack on the outermost axis
    assert geometry.extent == (16, 48)
    assert geometry.interior == (98, 66)
    assert geometry.blocks == (7, 2)  # 98 / 16 = 6.1, 66 / 48 = 1.4, rounded up
    assert geometry.box == (18, 52)
    assert geometry.pitch == 56
    assert geometry.shared_strides == (56, 1)
    assert geometry.global_strides == (70, 1)
    assert geometry.shared_bytes == 18 * 56 * 2
    assert geometry.group_shift == 8
    assert geometry.tile_position(1, 3) == (1, 3)  # tile 11 of an 4x8 arrangement
    assert geometry.updated_points == 98 * 66
    assert geometry.launched_tiles == 7 * 2 * 64
    assert geometry.launch == ((2, 7, 1), (128, 1, 1))


def test_geometry_3d_hand_worked() -> None:
    block = BlockLayout(warps=2, groups=1, arrangement=(2, 2, 4))
    geometry = Geometry((20, 30, 40), (1, 2, 1), (2, 2, 3), block, element_bytes=4)
    assert geometry.extent == (4, 4, 12)
    assert geometry.interior == (18, 26, 38)
    assert geometry.blocks == (5, 7, 4)
    assert geometry.box == (6, 8, 14)
    assert geometry.pitch == 14
    assert geometry.shared_strides == (112, 14, 1)
    assert geometry.shared_bytes == 6 * 8 * 14 * 4
    assert geometry.group_shift == 4
    assert geometry.tile_position(1, 5) == (1, 1, 1)  # tile 13 = 1*8 + 1*4 + 1
    assert geometry.launch == ((4, 7, 5), (64, 1, 1))


def test_geometry_1d_hand_worked() -> None:
    block = BlockLayout(warps=1, groups=4, arrangement=(8,))
    geometry = Geometry((50,), (3,), (11,), block, element_bytes=2)
    assert geometry.extent == (352,)
    assert geometry.blocks == (1,)
    assert geometry.box == (358,)
    assert geometry.group_shift == 88
    assert geometry.launched_tiles == 32
    assert geometry.launch == ((1, 1, 1), (32, 1, 1))
    assert math.prod(geometry.block_tiles) == MMA_N * block.warps * block.groups


def test_geometry_refuses_mismatched_ranks() -> None:
    with pytest.raises(StencilError, match="one extent per axis"):
        Geometry((20, 20), (1, 1), (4, 4), BlockLayout(1, 1, (8,)), element_bytes=2)
    with pytest.raises(StencilError, match="at least one warp"):
        BlockLayout(0, 1, (8,))
