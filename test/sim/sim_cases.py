"""The hand-written test kernels of test/sim/kernels and the inputs they run on.

Shared by the simulator tests, ``scripts/bench_sim.py`` and ``scripts/sim_vs_gpu.py`` (which
runs the same cases on a GPU): each :class:`Case` names a kernel, its launch, how to build its
arguments (integer-valued, for bit-exact comparisons, or random), which arguments are outputs,
and what they must equal.

The host-side helpers here (2:4 compression, metadata words, the staircase operands of the
stencil kernel) follow ``docs/ptx-sparse-mma.md`` section 7.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx
import numpy as np
import numpy.typing as npt

from sparse_stencil.reference import apply_once, reference
from sparse_stencil.sim.numerics import BF16, bf16_bits, bf16_values, round_exact
from sparse_stencil.sim.tensor_core import MmaShape
from sparse_stencil.stencil import Stencil

KERNELS = Path(__file__).parent / "kernels"
F64 = npt.NDArray[np.float64]


def kernel_text(name: str) -> str:
    return (KERNELS / name).read_text()


# ---------------------------------------------------------------------------------------------
# Sparse operands
# ---------------------------------------------------------------------------------------------


def random_sparse(
    rng: np.random.Generator, rows: int, k: int, group: int, kept: int, integer: bool
) -> F64:
    """A dense rows x k matrix with at most `kept` nonzeros per `group`-wide chunk."""
    dense = np.zeros((rows, k))
    for row in range(rows):
        for chunk in range(k // group):
            count = rng.integers(0, kept + 1)
            where = rng.choice(group, size=count, replace=False)
            dense[row, group * chunk + where] = _values(rng, count, integer)
    return dense


def _values(rng: np.random.Generator, count: int | tuple[int, ...], integer: bool) -> F64:
    if integer:
        return rng.integers(-8, 9, size=count).astype(np.float64)
    return rng.standard_normal(size=count)


def compress(dense: F64, group: int) -> tuple[F64, npt.NDArray[np.int64]]:
    """Kept values (rows x k/2) and metadata nibbles (one per chunk) of a matrix with at most
    group/2 nonzeros per `group`-wide chunk: 2:4 (group 4, f16/bf16) or 1:2 (group 2, tf32).

    Section 7: a chunk with fewer nonzeros keeps explicit zeros at the first free positions;
    positions are sorted (ordered metadata). A nibble is ``i0 | i1 << 2``; a tf32 element at
    position p of its pair is the 16-bit halves 2p, 2p + 1 (section 3: 0x4 even, 0xE odd).
    """
    rows, k = dense.shape
    kept_per_chunk = group // 2
    values = np.zeros((rows, k // 2))
    nibbles = np.zeros((rows, k // group), dtype=np.int64)
    for row in range(rows):
        for chunk in range(k // group):
            nonzero = [i for i in range(group) if dense[row, group * chunk + i] != 0]
            if len(nonzero) > kept_per_chunk:
                raise ValueError(f"row {row}, chunk {chunk} is not {kept_per_chunk}:{group}")
            padding = [i for i in range(group) if i not in nonzero]
            kept = sorted(nonzero + padding[: kept_per_chunk - len(nonzero)])
            slots = slice(kept_per_chunk * chunk, kept_per_chunk * (chunk + 1))
            values[row, slots] = dense[row, group * chunk + np.array(kept)]
            first, second = kept if group == 4 else (2 * kept[0], 2 * kept[0] + 1)
            nibbles[row, chunk] = first | second << 2
    return values, nibbles


def quad_words(nibbles: npt.NDArray[np.int64]) -> npt.NDArray[np.uint32]:
    """Metadata word of each quad g for 16 rows x 4 chunks: rows g (bits 0-15), g+8 (16-31)."""
    words = np.zeros(8, dtype=np.uint32)
    for g in range(8):
        for chunk in range(4):
            words[g] |= np.uint32(int(nibbles[g, chunk]) << (4 * chunk))
            words[g] |= np.uint32(int(nibbles[g + 8, chunk]) << (16 + 4 * chunk))
    return words


GARBAGE_WORD = 0x0F0F0F0F
"""Put in lanes whose metadata must not be read: every nibble is invalid (0x0 or 0xF)."""


def lane_metadata(words_per_part: list[npt.NDArray[np.uint32]], lanes: list[int]) -> Any:
    """32 per-lane words: quad g's word of part p in lane 4g + lanes[p], garbage elsewhere."""
    per_lane = np.full(32, GARBAGE_WORD, dtype=np.uint32)
    for words, lane in zip(words_per_part, lanes, strict=True):
        per_lane[4 * np.arange(8) + lane] = words
    return per_lane


# ---------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------


@dataclass
class Case:
    """One kernel launch of the test suite, reproducible on a GPU."""

    name: str
    ptx: str
    kernel: str
    grid: tuple[int, ...]
    block: tuple[int, ...]
    make: Callable[[np.random.Generator, bool], tuple[list[Any], dict[int, Any]]]
    """(rng, integer-valued?) -> (launch arguments, {output index: expected})."""
    bound: Callable[[list[Any], int, Any], Any] | None = None
    """(arguments, output index, simulator output) -> allowed |GPU - simulator| on random
    data; None means bit-identical (exact IEEE operations and data movement only)."""


def _vector_add(rng: np.random.Generator, integer: bool) -> tuple[list[Any], dict[int, Any]]:
    n = 1000  # not a multiple of the block: the tail threads must not store
    x = _values(rng, n, integer).astype(np.float32)
    y = _values(rng, n, integer).astype(np.float32)
    out = np.zeros(n + 24, dtype=np.float32)  # elements past n must stay zero
    expected = np.zeros_like(out)
    expected[:n] = x + y
    return [x, y, out, n], {2: expected}


def _transpose(rng: np.random.Generator, integer: bool) -> tuple[list[Any], dict[int, Any]]:
    source = _values(rng, (64, 96), integer).astype(np.float32)
    out = np.zeros((96, 64), dtype=np.float32)
    return [out, source, 96, 64], {0: source.T.copy()}


def collatz_steps(value: int) -> int:
    steps = 0
    while value > 1:
        value = 3 * value + 1 if value % 2 else value // 2
        steps += 1
    return steps


def _collatz(rng: np.random.Generator, integer: bool) -> tuple[list[Any], dict[int, Any]]:
    del integer  # integer data either way
    n = 300
    x = rng.integers(1, 2000, size=n).astype(np.uint32)
    steps = np.zeros(n, dtype=np.uint32)
    swapped = np.zeros(n, dtype=np.uint32)
    counts = np.zeros(384, dtype=np.uint32)
    counts[:n] = [collatz_steps(int(v)) for v in x]
    return [x, steps, swapped, n], {1: counts[:n], 2: counts[np.arange(n) ^ 1]}


def _shuffles(rng: np.random.Generator, integer: bool) -> tuple[list[Any], dict[int, Any]]:
    """Expected values follow the ISA's shfl pseudocode per warp, with the kernel's f32
    additions in the kernel's order (so random data must match bit for bit too)."""
    x = _values(rng, 128, integer).astype(np.float32)
    out = np.zeros((128, 4), dtype=np.float32)
    warps = x.reshape(-1, 32)
    lane = np.arange(32)
    down = warps.copy()
    for offset in (16, 8, 4, 2, 1):
        source = lane + offset
        down = down + np.where(source <= 31, down[:, np.minimum(source, 31)], down)
    butterfly = warps.copy()
    for offset in (16, 8, 4, 2, 1):
        butterfly = butterfly + butterfly[:, lane ^ offset]
    indexed = warps[:, (lane & ~7) | ((lane + 5) & 7)]
    scan = warps.copy()
    for offset in (1, 2, 4, 8, 16):
        source = lane - offset
        scan = np.where(source >= 0, scan + scan[:, np.maximum(source, 0)], scan)
    expected = np.stack([a.reshape(-1) for a in (down, butterfly, indexed, scan)], axis=1)
    return [x, out], {1: expected}


def _mma_sp_f16(selector: int) -> Callable[..., tuple[list[Any], dict[int, Any]]]:
    def make(rng: np.random.Generator, integer: bool) -> tuple[list[Any], dict[int, Any]]:
        a = _f16(random_sparse(rng, 16, 16, 4, 2, integer))
        b = _f16(_values(rng, (16, 8), integer))
        c = _values(rng, (16, 8), integer).astype(np.float32)
        values, nibbles = compress(a, 4)
        metadata = lane_metadata([quad_words(nibbles)], [selector])
        d = np.zeros((16, 8), dtype=np.float32)
        args = [
            values.astype(np.float16),
            np.ascontiguousarray(b.T).astype(np.float16),
            c,
            metadata,
            d,
        ]
        return args, {4: (a @ b + c).astype(np.float32)}

    return make


def _f16(values: F64) -> F64:
    return values.astype(np.float16).astype(np.float64)


def _tf32(values: F64) -> F64:
    """Round to tf32 as cvt.rna.tf32.f32 does (nearest, ties away), kept as float64.

    Computed on the f32 bit pattern, independently of the simulator's rounding: adding half
    of the unit of the 13 dropped bits to the sign-magnitude pattern, then clearing them,
    rounds the magnitude to nearest with ties away from zero (a carry moves to the next
    binade, or to inf, as it should).
    """
    bits = values.astype(np.float32).view(np.uint32)
    return ((bits + np.uint32(0x1000)) & TF32_KEPT).view(np.float32).astype(np.float64)


TF32_KEPT = np.uint32(0xFFFFE000)
"""The bits of an f32 pattern that a tensor core reads as tf32 (the low 13 are ignored)."""


def with_low_bits(rng: np.random.Generator, values: Any) -> npt.NDArray[np.uint32]:
    """f32 bit patterns of `values` with random low 13 bits, which tf32 ignores."""
    bits = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32)
    return bits | rng.integers(0, 0x2000, size=bits.shape).astype(np.uint32)


def tf32_read(bits: npt.NDArray[np.uint32]) -> F64:
    """What a tensor core reads from f32 bit patterns used as tf32: the low 13 bits cleared."""
    return (bits & TF32_KEPT).view(np.float32).astype(np.float64)


def _mma_sp_tf32(k: int) -> Callable[..., tuple[list[Any], dict[int, Any]]]:
    def make(rng: np.random.Generator, integer: bool) -> tuple[list[Any], dict[int, Any]]:
        a = random_sparse(rng, 16, k, 2, 1, integer).astype(np.float32).astype(np.float64)
        b = _values(rng, (k, 8), integer).astype(np.float32).astype(np.float64)
        c = _values(rng, (16, 8), integer).astype(np.float32)
        values, nibbles = compress(a, 2)
        parts = [quad_words(nibbles[:, 4 * p : 4 * p + 4]) for p in range(k // 8)]
        lanes = [1] if k == 8 else [2, 3]  # selector 1
        d = np.zeros((16, 8), dtype=np.float32)
        args = [
            values.astype(np.float32),
            np.ascontiguousarray(b.T).astype(np.float32),
            c,
            lane_metadata(parts, lanes),
            d,
        ]
        return args, {4: (_tf32(a) @ _tf32(b) + c).astype(np.float32)}

    return make


def _products_magnitude(args: list[Any], shape: MmaShape) -> F64:
    """A bound on sum |a b| per output of a sparse tile, from its packed arguments alone (A's
    kept values, B transposed): each kept value times the largest |B| among its chunk's rows."""
    group = 2 if shape.ab_type == "tf32" else 4
    chunks = shape.k // group
    values = np.abs(args[0].astype(np.float64)).reshape(16, chunks, group // 2).sum(axis=2)
    b_max = np.abs(args[1].astype(np.float64)).reshape(8, chunks, group).max(axis=2)
    return values @ b_max.T


def mma_bound(shape: MmaShape) -> Callable[[list[Any], int, Any], Any]:
    """Section 11's bound n * 2**-23 * sum|terms| on |GPU - simulator|, per output.

    sum|terms| is the products' magnitude (:func:`_products_magnitude`; times 2**-10 relative
    slack for tf32, whose cvt.rna rounding may enlarge the inputs) plus |C|.
    """

    def bound(args: list[Any], index: int, simulated: Any) -> Any:
        del index, simulated
        slack = (1 + 2.0**-10) ** 2 if shape.ab_type == "tf32" else 1.0
        magnitude = slack * _products_magnitude(args, shape) + np.abs(args[2].astype(np.float64))
        return shape.terms * 2.0**-23 * magnitude

    return bound


def _bf16_bits(values: F64) -> Any:
    return bf16_bits(round_exact(values, 0.0, BF16))


def _bf16(values: F64) -> F64:
    return bf16_values(_bf16_bits(values))


def _mma_dense_f16(rng: np.random.Generator, integer: bool) -> tuple[list[Any], dict[int, Any]]:
    a = _f16(_values(rng, (16, 16), integer))
    b = _f16(_values(rng, (16, 8), integer))
    c = _values(rng, (16, 8), integer).astype(np.float32)
    d = np.zeros((16, 8), dtype=np.float32)
    args = [a.astype(np.float16), np.ascontiguousarray(b.T).astype(np.float16), c, d]
    return args, {3: (a @ b + c).astype(np.float32)}


def _mma_dense_tf32(rng: np.random.Generator, integer: bool) -> tuple[list[Any], dict[int, Any]]:
    """Raw f32 operands with random low 13 bits (no cvt in the kernel): the product must be
    that of the truncated values."""
    a = with_low_bits(rng, _values(rng, (16, 8), integer))
    bt = with_low_bits(rng, _values(rng, (8, 8), integer))
    c = _values(rng, (16, 8), integer).astype(np.float32)
    d = np.zeros((16, 8), dtype=np.float32)
    return [a, bt, c, d], {3: (tf32_read(a) @ tf32_read(bt).T + c).astype(np.float32)}


def _mma_sp_bf16_k32(rng: np.random.Generator, integer: bool) -> tuple[list[Any], dict[int, Any]]:
    a = _bf16(random_sparse(rng, 16, 32, 4, 2, integer))
    b = _bf16(_values(rng, (32, 8), integer))
    c = _values(rng, (16, 8), integer).astype(np.float32)
    values, nibbles = compress(a, 4)
    parts = [quad_words(nibbles[:, 4 * p : 4 * p + 4]) for p in range(2)]
    d = np.zeros((16, 8), dtype=np.float32)
    args = [
        _bf16_bits(values),
        np.ascontiguousarray(_bf16_bits(b).T),
        c,
        lane_metadata(parts, [2, 3]),
        d,
    ]  # selector 1
    return args, {4: (a @ b + c).astype(np.float32)}


def _mma_sp_f16_acc16(rng: np.random.Generator, integer: bool) -> tuple[list[Any], dict[int, Any]]:
    a = _f16(random_sparse(rng, 16, 16, 4, 2, integer))
    b = _f16(_values(rng, (16, 8), integer))
    c = _f16(_values(rng, (16, 8), integer))
    values, nibbles = compress(a, 4)
    d = np.zeros((16, 8), dtype=np.float16)
    args = [
        values.astype(np.float16),
        np.ascontiguousarray(b.T).astype(np.float16),
        c.astype(np.float16),
        lane_metadata([quad_words(nibbles)], [2]),
        d,
    ]
    return args, {4: (a @ b + c).astype(np.float16)}


F16_ACCUMULATE = MmaShape(True, 16, "f16", "f16")


def f16_accumulate_bound(args: list[Any], index: int, simulated: Any) -> Any:
    """f16 accumulation: the ISA promises only "at least half precision", so each of the 9
    additions may lose up to 2**-10 of the running magnitude: 9 * 2**-10 * sum|terms|."""
    del index, simulated
    magnitude = _products_magnitude(args, F16_ACCUMULATE) + np.abs(args[2].astype(np.float64))
    return F16_ACCUMULATE.terms * 2.0**-10 * magnitude


def dense_bound(args: list[Any], index: int, simulated: Any) -> Any:
    """Section 11's bound for dense m16n8k16: 17 terms x 2**-23 x sum|terms|."""
    del index, simulated
    magnitude = np.abs(args[0].astype(np.float64)) @ np.abs(args[1].astype(np.float64)).T
    return 17 * 2.0**-23 * (magnitude + np.abs(args[2].astype(np.float64)))


def dense_tf32_bound(args: list[Any], index: int, simulated: Any) -> Any:
    """Section 11's bound for dense m16n8k8 tf32: 9 terms x 2**-23 x sum|terms|, on the
    values the tensor core reads."""
    del index, simulated
    magnitude = np.abs(tf32_read(args[0])) @ np.abs(tf32_read(args[1])).T
    return 9 * 2.0**-23 * (magnitude + np.abs(args[2].astype(np.float64)))


def ldmatrix_rows() -> npt.NDArray[np.uint32]:
    """Row addresses: lane 8j + r points to row (3r + 1) % 8 of matrix [2, 0, 3, 1][j]."""
    order = [2, 0, 3, 1]
    return np.array(
        [16 * (8 * order[lane // 8] + (3 * (lane % 8) + 1) % 8) for lane in range(32)],
        dtype=np.uint32,
    )


def ldmatrix_expected(source: Any, rows: Any, matrices: int, transpose: bool) -> Any:
    """What section 5 says each lane gets: row L>>2, columns 2(L&3), 2(L&3)+1 of matrix j."""
    flat_rows = source.reshape(-1, 8)
    out = np.zeros((32, 4), dtype=np.uint32)
    lane = np.arange(32)
    for j in range(matrices):
        matrix = flat_rows[rows[8 * j : 8 * j + 8] // 16]
        if transpose:
            matrix = matrix.T
        low = matrix[lane >> 2, 2 * (lane & 3)].astype(np.uint32)
        high = matrix[lane >> 2, 2 * (lane & 3) + 1].astype(np.uint32)
        out[:, j] = low | (high << 16)
    return out


def _ldmatrix(matrices: int, transpose: bool) -> Callable[..., tuple[list[Any], dict[int, Any]]]:
    def make(rng: np.random.Generator, integer: bool) -> tuple[list[Any], dict[int, Any]]:
        del integer  # raw bits either way
        source = rng.integers(0, 2**16, size=(4, 8, 8), dtype=np.uint16)
        rows = ldmatrix_rows()
        rows[8 * matrices :] = 0xFFFFFFF0  # unused lanes: an address that would fault
        out = np.zeros((32, 4), dtype=np.uint32)
        return [source, rows, out], {2: ldmatrix_expected(source, rows, matrices, transpose)}

    return make


# ---------------------------------------------------------------------------------------------
# The stencil kernel
# ---------------------------------------------------------------------------------------------


@dataclass
class StencilOperands:
    """Packed A, metadata and gather table of stencil2d_sp for one stencil and row length."""

    packed: npt.NDArray[np.float16]
    """(ksteps, 16, 8): the kept coefficients of each k-step, row-major."""
    metadata: npt.NDArray[np.uint32]
    """(ksteps, 8): the word of quad g for each k-step."""
    table: npt.NDArray[np.int32]
    """(ksteps * 16,): byte offset of each permuted K column from the tile row."""
    ksteps: int
    k_before: int
    """Columns of the staircase matrix before the 2:4 conversion."""


def stencil_operands(stencil: Stencil, row_length: int) -> StencilOperands:
    """The staircase matrix of a 16-point strip, made 2:4 by matching compatible columns.

    Column (di, dj) of the strip holds x[i + di][j0 + dj]; row m (output j0 + m) holds the
    coefficient of offset (di, dj - m). Two columns are compatible when no row uses both; a
    maximum matching pairs them, unmatched columns pair with a zero column, and any two pairs
    form a 2:4 group. Coefficients must be exact in f16 (the kernel stores them as f16).
    """
    if stencil.dims != 2:
        raise ValueError("stencil2d_sp is for 2D stencils")
    columns = sorted({(di, m + dj) for (di, dj) in stencil.offsets for m in range(16)})
    index = {column: i for i, column in enumerate(columns)}
    dense = np.zeros((16, len(columns)))
    for (di, dj), coefficient in zip(stencil.offsets, stencil.coefficients, strict=True):
        for m in range(16):
            dense[m, index[(di, m + dj)]] = coefficient
    if not np.array_equal(_f16(dense), dense):
        raise ValueError("stencil2d_sp needs coefficients that are exact in f16")
    used = dense != 0
    graph = networkx.Graph()
    graph.add_nodes_from(range(len(columns)))
    graph.add_edges_from(
        (p, q)
        for p in range(len(columns))
        for q in range(p + 1, len(columns))
        if not (used[:, p] & used[:, q]).any()
    )
    matching = networkx.max_weight_matching(graph, maxcardinality=True)
    paired = {c for pair in matching for c in pair}
    order: list[int | None] = [
        c for pair in sorted(tuple(sorted(p)) for p in matching) for c in pair
    ]
    for column in range(len(columns)):
        if column not in paired:
            order += [column, None]  # None: a zero column
    order += [None] * (-len(order) % 16)
    permuted = np.stack([dense[:, c] if c is not None else np.zeros(16) for c in order], axis=1)
    offsets = [
        2 * (columns[c][0] * row_length + columns[c][1]) if c is not None else 0 for c in order
    ]
    ksteps = len(order) // 16
    packed = np.zeros((ksteps, 16, 8), dtype=np.float16)
    metadata = np.zeros((ksteps, 8), dtype=np.uint32)
    for step in range(ksteps):
        values, nibbles = compress(permuted[:, 16 * step : 16 * step + 16], 4)
        packed[step] = values.astype(np.float16)
        metadata[step] = quad_words(nibbles)
    return StencilOperands(
        packed, metadata, np.array(offsets, dtype=np.int32), ksteps, len(columns)
    )


STENCIL = Stencil(
    {
        (-1, -1): 1.0,
        (-1, 0): 2.0,
        (-1, 1): -1.0,
        (0, -1): 2.0,
        (0, 0): -4.0,
        (0, 1): 3.0,
        (1, -1): 1.0,
        (1, 0): -2.0,
        (1, 1): 0.5,
    },
    name="box2d1r-int",
)
"""box2d1r with small f16-exact coefficients, integer-valued but for one 0.5."""
GRID = (64, 64)


def stencil_launch(shape: tuple[int, int], radius: int) -> tuple[tuple[int, int], tuple[int]]:
    ny, width = shape
    return (-(-(ny - 2 * radius) // 8), -(-(width - 2 * radius) // 64)), (128,)


def _stencil_case(rng: np.random.Generator, integer: bool) -> tuple[list[Any], dict[int, Any]]:
    ny, width = GRID
    grid_values = rng.integers(-64, 65, size=GRID) if integer else rng.standard_normal(GRID)
    x = grid_values.astype(np.float16)
    y = np.zeros(GRID, dtype=np.float16)
    ops = stencil_operands(STENCIL, width)
    args = [x, y, ops.packed, ops.metadata, ops.table, ops.ksteps, width, ny, STENCIL.radius]
    return args, {1: reference(STENCIL, x.astype(np.float64), 1, "float16")}


def stencil_error_bound(stencil: Stencil, x: Any, ksteps: int, simulated: Any) -> Any:
    """|f16 result - reference| allowed on random data, for the simulator or a GPU.

    The kernel rounds to f32 once per k-step (ksteps roundings of at most 2**-24 of the
    running sum, itself at most S = sum|c x|), the tensor-core adder may differ from exact
    by the section-11 bound (9 terms x 2**-23 x S per k-step), then rounds to f16. Two
    values within d of each other round to f16 values within d + ulp16 (each rounding moves
    at most half an ulp), so: |y - ref| <= d + ulp16(|y| + d), d = ksteps (2**-24 +
    9 * 2**-23) S.
    """
    absolute = Stencil(dict(zip(stencil.offsets, np.abs(stencil.coefficients), strict=True)))
    magnitude = apply_once(absolute, np.abs(np.asarray(x, dtype=np.float64)))
    d = ksteps * (2.0**-24 + 9 * 2.0**-23) * magnitude
    reach = np.abs(np.asarray(simulated, dtype=np.float64)) + d
    return d + np.spacing(reach.astype(np.float16)).astype(np.float64)


def stencil_bound(args: list[Any], index: int, simulated: Any) -> Any:
    """:func:`stencil_error_bound` for the 64x64 case's arguments."""
    del index
    return stencil_error_bound(STENCIL, args[0], args[5], simulated)


CASES: list[Case] = [
    Case("vector_add", "vector_add.ptx", "vector_add", (4,), (256,), _vector_add),
    Case("transpose", "transpose.ptx", "transpose", (3, 2), (32, 8), _transpose),
    Case("divergent", "divergent.ptx", "collatz", (3,), (128,), _collatz),
    Case("warp_shuffle", "warp_shuffle.ptx", "shuffles", (2,), (64,), _shuffles),
    *[
        Case(
            f"mma_sp_f16_sel{f}",
            "mma_sp_f16.ptx",
            f"mma_sp_f16_sel{f}",
            (1,),
            (32,),
            _mma_sp_f16(f),
            mma_bound(MmaShape(True, 16, "f16", "f32")),
        )
        for f in range(4)
    ],
    *[
        Case(
            f"ldmatrix_x{n}{'_trans' if t else ''}",
            "ldmatrix.ptx",
            f"ldmatrix_x{n}{'_trans' if t else ''}",
            (1,),
            (32,),
            _ldmatrix(n, t),
        )
        for n in (1, 2, 4)
        for t in (False, True)
    ],
    Case(
        "mma_sp_tf32_k8",
        "mma_sp_tf32.ptx",
        "mma_sp_tf32_k8",
        (1,),
        (32,),
        _mma_sp_tf32(8),
        mma_bound(MmaShape(True, 8, "tf32", "f32")),
    ),
    Case(
        "mma_sp_tf32_k16",
        "mma_sp_tf32.ptx",
        "mma_sp_tf32_k16",
        (1,),
        (32,),
        _mma_sp_tf32(16),
        mma_bound(MmaShape(True, 16, "tf32", "f32")),
    ),
    Case(
        "mma_dense_f16",
        "mma_variants.ptx",
        "mma_dense_f16",
        (1,),
        (32,),
        _mma_dense_f16,
        dense_bound,
    ),
    Case(
        "mma_dense_tf32",
        "mma_variants.ptx",
        "mma_dense_tf32",
        (1,),
        (32,),
        _mma_dense_tf32,
        dense_tf32_bound,
    ),
    Case(
        "mma_sp_bf16_k32",
        "mma_variants.ptx",
        "mma_sp_bf16_k32",
        (1,),
        (32,),
        _mma_sp_bf16_k32,
        mma_bound(MmaShape(True, 32, "bf16", "f32")),
    ),
    Case(
        "mma_sp_f16_acc16",
        "mma_variants.ptx",
        "mma_sp_f16_acc16",
        (1,),
        (32,),
        _mma_sp_f16_acc16,
        f16_accumulate_bound,
    ),
    Case(
        "stencil2d_sp",
        "stencil2d_sp.ptx",
        "stencil2d_sp",
        *stencil_launch(GRID, 1),
        _stencil_case,
        stencil_bound,
    ),
]
