"""PTX that nvcc prints for ordinary CUDA C++ and for inline-assembly tensor-core code.

kernels/nvcc/*.ptx were generated from the .cu files next to them with
``nvcc -arch=sm_80 -ptx NAME.cu -o NAME.ptx`` (CUDA 13.0): they are what a user's own
kernels look like, not PTX written for the simulator, so they exercise forms the hand-written
kernels do not (scoped ``.reg`` blocks of cuda_fp16.h, ``__local_depot`` arrays, member masks
in registers, bit-manipulation instructions). Every expectation is computed here with numpy
or Python integers; the tensor-core fragments are laid out by the tables of
docs/ptx-sparse-mma.md section 4, written out again below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from fraction_rounding import round_fraction
from sim_cases import KERNELS, compress, ldmatrix_expected, quad_words, random_sparse

from sparse_stencil.sim import PtxParseError, run_ptx

CUDA = (KERNELS / "nvcc" / "cuda_kernels.ptx").read_text()
MMA = (KERNELS / "nvcc" / "mma_fragments.ptx").read_text()
MASK = 0xFFFFFFFF


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


# ---------------------------------------------------------------------------------------------
# cuda_kernels.cu
# ---------------------------------------------------------------------------------------------


def test_grid_stride_loop() -> None:
    x = _rng(1).integers(-8, 9, 1000).astype(np.float32)
    y = _rng(2).integers(-8, 9, 1000).astype(np.float32)
    expected = y + 3 * 2 * x  # small integers: every f32 operation is exact
    run_ptx(CUDA, "saxpy_loop", 3, 128, [x, y, 2.0, 1000, 3])
    np.testing.assert_array_equal(y, expected)


def test_shared_memory_tree_reduction() -> None:
    x = _rng(3).integers(-8, 9, 1000).astype(np.float32)
    out = np.zeros(4, np.float32)
    run_ptx(CUDA, "reduce_shared", 4, 256, [x, out, 1000])
    np.testing.assert_array_equal(out, np.pad(x, (0, 24)).reshape(4, 256).sum(axis=1))


def _divergent(value: int) -> int:
    if value & 1:
        value = value * 3 + 1
        return value - 100 if value > 100 else value + 7
    value = int(value / 2)  # C division truncates toward zero
    while value > 10:
        value -= 3
    return value


def test_divergent_if_else_and_loop() -> None:
    x = _rng(4).integers(-50, 500, 300).astype(np.int32)
    y = np.zeros(300, np.int32)
    run_ptx(CUDA, "divergent_if", 3, 128, [x, y, 300])
    assert y.tolist() == [_divergent(int(v)) for v in x]


def test_64_bit_indexing() -> None:
    x = _rng(5).standard_normal(507)
    y = np.zeros(500)
    run_ptx(CUDA, "index64", 4, 128, [x, y, 500, 7])
    np.testing.assert_array_equal(y, x[7:] * 2.0 + np.arange(500))  # one rounding each, as IEEE


def _bf16_bits(value: float) -> int:
    """`value` rounded to nearest-even bf16 (exact rationals), as its 16-bit encoding."""
    rounded = np.float32(round_fraction(Fraction(value), "bf16"))
    return int(rounded.view(np.uint32)) >> 16


def _bf16_value(bits: int) -> float:
    return float(np.uint32(bits << 16).view(np.float32))


def test_half_and_bfloat16_conversions() -> None:
    """cuda_fp16.h and cuda_bf16.h intrinsics: inline assembly with scoped registers."""
    x = (_rng(6).standard_normal(200) * 10).astype(np.float32)
    h = np.zeros(200, np.float16)
    b = np.zeros(200, np.uint16)
    back = np.zeros(400, np.float32)
    run_ptx(CUDA, "conv_half", 2, 128, [x, h, b, back, 200])
    np.testing.assert_array_equal(h, x.astype(np.float16))  # numpy rounds f32 -> f16 to nearest
    assert b.tolist() == [_bf16_bits(float(v)) for v in x]
    bf = np.array([_bf16_value(int(v)) for v in b], np.float32)
    np.testing.assert_array_equal(back[0::2], h.astype(np.float32) + bf)
    # (x, -x) squared in f16: the exact square rounded once to f16, then both halves added
    square = (x.astype(np.float16).astype(np.float64) ** 2).astype(np.float16)
    np.testing.assert_array_equal(back[1::2], 2 * square.astype(np.float32))


def test_padded_shared_tile_transpose() -> None:
    source = _rng(7).standard_normal((45, 70)).astype(np.float32)
    out = np.zeros((70, 45), np.float32)
    run_ptx(CUDA, "transpose2d", (3, 2), (32, 8), [source, out, 70, 45])
    np.testing.assert_array_equal(out, source.T)


def _signed(value: int, bits: int = 32) -> int:
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def _c_div(a: int, b: int) -> int:
    quotient = abs(a) // abs(b)
    return quotient if (a < 0) == (b < 0) else -quotient


def _int_misc(x: int, y: int) -> list[int]:
    """cuda_kernels.cu's int_misc, one thread, with Python's unbounded integers."""
    joined = y << 32 | x
    source_bytes = joined.to_bytes(8, "little")
    permuted = sum(source_bytes[(0x5140 >> (4 * k)) & 7] << (8 * k) for k in range(4))
    shift = y & 31
    values = [
        int(f"{x:032b}"[::-1], 2),  # __brev
        (x & -x).bit_length(),  # __ffs: 1 + index of the lowest set bit, 0 for 0
        permuted,  # __byte_perm
        (joined << shift) >> 32,  # __funnelshift_l (shift mod 32)
        joined >> shift,  # __funnelshift_r (shift mod 32)
        x // 7,
        _signed(x) - _c_div(_signed(x), 13) * 13,  # C remainder of a signed int
        bin(x).count("1") + 32 - y.bit_length(),  # __popc(x) + __clz(y)
        (x * y) >> 32,  # __umulhi
        (x * y) % 1000003,
        _c_div(_signed(x), _signed(y | 1)),
        abs(_signed(x) - _signed(y)) + 5,  # __sad (signed)
        min(x, y) - max(_signed(x), _signed(y)),
        abs((x & 0xFF) - (y & 0xFF)),  # __usad
        (x >> shift) | (x << ((32 - shift) & 31)),
        _signed(x, 24) * _signed(y, 24),  # __mul24: signed 24-bit operands
    ]
    return [value & MASK for value in values]


def test_integer_and_bit_manipulation_intrinsics() -> None:
    rng = _rng(8)
    a = rng.integers(0, 2**32, 64, dtype=np.uint64).astype(np.uint32)
    b = rng.integers(0, 2**32, 64, dtype=np.uint64).astype(np.uint32)
    a[:4] = [0, 1, 0x80000000, MASK]
    b[:4] = [0, 32, 31, MASK]
    out = np.zeros((64, 16), np.uint32)
    run_ptx(CUDA, "int_misc", 1, 64, [a, b, out, 64])
    for thread, (x, y) in enumerate(zip(a.tolist(), b.tolist(), strict=True)):
        assert out[thread].tolist() == _int_misc(x, y), f"thread {thread}"


def test_float_intrinsics_and_rounding() -> None:
    """f32 results one IEEE rounding away from exact: numpy's f32 operations, f64 quotients
    rounded to f32 (innocuous double rounding: 53 >= 2 * 24 + 2) and exact rationals for fma.
    __fdividef (div.approx) is simulated correctly rounded (the alu module's stated model)."""
    rng = _rng(9)
    x = (rng.standard_normal(64) * 4).astype(np.float32)
    y = (rng.standard_normal(64) * 4).astype(np.float32)
    x[:4] = [0.5, -2.5, 1e-40, 3.0]
    y[:4] = [3.0, -0.0, 2.0, 1e-3]
    out = np.zeros((64, 12), np.float32)
    run_ptx(CUDA, "float_misc", 1, 64, [x, y, out, 64])
    f32 = np.float32
    with np.errstate(all="ignore"):
        quotient = (x.astype(np.float64) / y.astype(np.float64)).astype(np.float32)
        scaled = y * f32(1000.0)
        fma = [
            round_fraction(Fraction(float(a)) * Fraction(float(b)) + 1, "f32")
            for a, b in zip(x, y, strict=True)
        ]
        expected = np.stack(
            [
                quotient,
                np.sqrt(np.abs(x)),
                np.minimum(x, y) + np.maximum(x, y),
                np.clip(x, f32(0), f32(1)),
                quotient,
                np.rint(x).astype(np.int32).astype(np.float32),
                np.trunc(scaled).astype(np.int32).astype(np.float32),
                np.array(fma, np.float32),
                quotient,
                np.trunc(x) + np.floor(y) + np.ceil(x) + np.rint(y),
                np.copysign(x, y),
                np.trunc(np.abs(scaled)).astype(np.uint32).astype(np.float32),
            ],
            axis=1,
        )
    np.testing.assert_array_equal(out.view(np.uint32), expected.view(np.uint32))


def test_half_and_bfloat16_arithmetic() -> None:
    """Each f16 result is the exact one rounded once (float64 holds the exact sums and
    products of f16 values, and numpy rounds float64 -> f16 correctly); bf16 via rationals."""
    rng = _rng(10)
    a = (rng.standard_normal(128) * 8).astype(np.float16)
    b = (rng.standard_normal(128) * 8).astype(np.float16)
    out = np.zeros((128, 4), np.float16)
    bout = np.zeros((128, 2), np.uint16)
    run_ptx(CUDA, "half_math", 1, 128, [a, b, out, bout, 128])
    x, y = a.astype(np.float64), b.astype(np.float64)
    expected = np.stack([x + y, x * y, x * y + x, np.where(x > y, x, y)], axis=1)
    np.testing.assert_array_equal(out.view(np.uint16), expected.astype(np.float16).view(np.uint16))
    bx = [_bf16_value(_bf16_bits(v)) for v in x]
    by = [_bf16_value(_bf16_bits(v)) for v in y]
    assert bout[:, 0].tolist() == [_bf16_bits(p + q) for p, q in zip(bx, by, strict=True)]
    assert bout[:, 1].tolist() == [_bf16_bits(p * q) for p, q in zip(bx, by, strict=True)]


def test_struct_by_value_parameter() -> None:
    params = np.array([40, 0, 0, 7], np.int32)
    params[1] = np.float32(0.5).view(np.int32)
    out = np.zeros(50, np.float32)
    run_ptx(CUDA, "struct_param", 1, 64, [params.tobytes(), out])
    index = np.arange(50)
    np.testing.assert_array_equal(out, np.where(index < 40, 0.5 * index + 7, 0).astype(np.float32))


def test_byte_and_short_accesses() -> None:
    rng = _rng(11)
    a = rng.integers(0, 256, 100).astype(np.uint8)
    b = rng.integers(-300, 300, 100).astype(np.int16)
    c = np.zeros(100, np.int16)
    d = np.zeros(100, np.uint8)
    run_ptx(CUDA, "bytes_shorts", 1, 128, [a, b, c, d, 100])
    np.testing.assert_array_equal(c, (a.astype(np.int64) * b).astype(np.int16))
    np.testing.assert_array_equal(d, (a + 3).astype(np.uint8))


def test_vector_accesses() -> None:
    rng = _rng(12)
    a = rng.standard_normal((50, 4)).astype(np.float32)
    b = np.zeros((50, 4), np.float32)
    c = rng.integers(-100, 100, (50, 2)).astype(np.int32)
    d = np.zeros((50, 2), np.int32)
    run_ptx(CUDA, "vec4", 1, 64, [a, b, c, d, 50])
    np.testing.assert_array_equal(b, a[:, ::-1])
    np.testing.assert_array_equal(d, np.stack([c[:, 1], c[:, 0] + c[:, 1]], axis=1))


def test_warp_votes_and_shuffles_with_register_masks() -> None:
    values = _rng(13).integers(-150, 150, 96).astype(np.int32)
    out = np.zeros((96, 3), np.int32)
    run_ptx(CUDA, "warp_ops", 1, 96, [values, out])
    warps = values.reshape(3, 32)
    ballot = ((warps > 0) << np.arange(32, dtype=np.int64)).sum(axis=1)
    votes = 2 * (warps > 100).any(axis=1) + (warps > -100).all(axis=1)
    expected = np.stack([ballot, warps.sum(axis=1), votes], axis=1)
    np.testing.assert_array_equal(out.view(np.uint32), np.repeat(expected, 32, axis=0))


def test_dynamically_indexed_local_array() -> None:
    index = _rng(14).integers(0, 1000, 64).astype(np.int32)
    out = np.zeros(64, np.int32)
    run_ptx(CUDA, "local_array", 1, 64, [index, out])
    np.testing.assert_array_equal(out, (index & 15) * np.arange(64))


def test_3d_grid_and_blocks() -> None:
    out = np.zeros((2 * 3, 3 * 2, 4 * 8), np.int32)  # z, y, x
    run_ptx(CUDA, "grid3d", (4, 3, 2), (8, 2, 3), [out])
    z, y, x = np.indices(out.shape)
    np.testing.assert_array_equal(out, x + 100 * y + 10000 * z)


def test_mma_sp_tile_from_cuda() -> None:
    rng = _rng(15)
    a = random_sparse(rng, 16, 16, 4, 2, True)
    b = rng.integers(-8, 9, (16, 8)).astype(np.float64)
    c = rng.integers(-8, 9, (16, 8)).astype(np.float32)
    values, nibbles = compress(a, 4)
    metadata = np.full(32, MASK, np.uint32)  # nibbles 0xF everywhere but in the lanes read
    metadata[4 * np.arange(8) + 1] = quad_words(nibbles)
    d = np.zeros((16, 8), np.float32)
    args = [values.astype(np.float16), b.T.astype(np.float16).copy(), c, metadata, d]
    run_ptx(CUDA, "mma_sp_tile", 1, 32, args)
    np.testing.assert_array_equal(d, a @ b + c)


@pytest.mark.parametrize(
    ("kernel", "needle", "message"),
    [
        ("atomics", "atom.global.add.u32", "unsupported instruction 'atom.global.add.u32'"),
        ("calls", "call.uni", "call.uni: calls to device functions ('_Z5twicef') are not"),
    ],
)
def test_refused_kernels_leave_the_others_runnable(kernel: str, needle: str, message: str) -> None:
    """An atomic and a call are refused naming their line; the module's other kernels (and
    its .func, which is skipped) do not stop the rest from running."""
    line = next(number for number, text in enumerate(CUDA.splitlines(), 1) if needle in text)
    arrays = [np.zeros(32, np.float32)] * (3 if kernel == "atomics" else 1)
    with pytest.raises(PtxParseError, match=rf"^line {line}: {re.escape(message)}"):
        run_ptx(CUDA, kernel, 1, 32, arrays)
    out = np.zeros(64, np.int32)
    run_ptx(CUDA, "grid3d", 2, 32, [out])  # kernels are decoded one by one, on first launch
    np.testing.assert_array_equal(out, np.arange(64))


# ---------------------------------------------------------------------------------------------
# mma_fragments.cu: section 4's fragment tables, per lane (g = lane >> 2, t = lane & 3)
# ---------------------------------------------------------------------------------------------

LANE = np.arange(32)
G, T = LANE >> 2, LANE & 3
Cell = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Variant:
    kernel: str
    sparse: bool
    k: int
    type: str
    selector: int = 0

    @property
    def a_cells(self) -> list[list[Cell]]:
        """(row, column of packed or dense A) of each register's elements, low half first."""
        if self.type == "tf32":  # one element per register: kept value of chunk t (or 4 + t)
            cells = [[(G, T)], [(G + 8, T)], [(G, T + 4)], [(G + 8, T + 4)]]
            return cells[: self.k // 4]
        pairs = [
            [(G, 2 * T), (G, 2 * T + 1)],
            [(G + 8, 2 * T), (G + 8, 2 * T + 1)],
            [(G, 2 * T + 8), (G, 2 * T + 9)],
            [(G + 8, 2 * T + 8), (G + 8, 2 * T + 9)],
        ]
        return pairs[: (2 if self.sparse and self.k == 16 else 4)]

    @property
    def b_cells(self) -> list[list[Cell]]:
        """(k, n) of each B register's elements."""
        if self.type == "tf32":
            return [[(T + 4 * i, G)] for i in range(self.k // 4)]
        return [[(8 * j + 2 * T, G), (8 * j + 2 * T + 1, G)] for j in range(self.k // 8)]

    def metadata(self, nibbles: np.ndarray) -> np.ndarray:
        """Per-lane words: quad g's word in lane 4g + f (or 4g + 2f, 4g + 2f + 1 for the
        shapes whose 8 chunks per row take two words); 0xFFFFFFFF (invalid) elsewhere."""
        words = np.full(32, MASK, np.uint32)
        parts = nibbles.shape[1] // 4
        for part in range(parts):
            lane = self.selector if parts == 1 else 2 * self.selector + part
            words[4 * np.arange(8) + lane] = quad_words(nibbles[:, 4 * part : 4 * part + 4])
        return words


def _encode(values: np.ndarray, type_name: str) -> np.ndarray:
    """Bit patterns of values exact in `type_name` (they are small integers here)."""
    if type_name == "f16":
        return values.astype(np.float16).view(np.uint16).astype(np.uint32)
    bits = values.astype(np.float32).view(np.uint32)
    return bits if type_name == "tf32" else bits >> 16  # bf16: the top half of the f32


def _registers(matrix: np.ndarray, cells: list[list[Cell]], type_name: str) -> np.ndarray:
    """(32, registers) words: each register's elements packed low half first."""
    words = np.zeros((32, len(cells)), np.uint32)
    for register, elements in enumerate(cells):
        for half, (rows, columns) in enumerate(elements):
            words[:, register] |= _encode(matrix[rows, columns], type_name) << (16 * half)
    return words


C_CELLS = [(G, 2 * T), (G, 2 * T + 1), (G + 8, 2 * T), (G + 8, 2 * T + 1)]


def _c_registers(c: np.ndarray) -> np.ndarray:
    return np.stack([c[rows, columns] for rows, columns in C_CELLS], axis=1).astype(np.float32)


def _d_matrix(registers: np.ndarray) -> np.ndarray:
    d = np.zeros((16, 8))
    for index, (rows, columns) in enumerate(C_CELLS):
        d[rows, columns] = registers[:, index]
    return d


VARIANTS = [
    *(Variant(f"sp_f16_k16_s{f}", True, 16, "f16", f) for f in range(4)),
    Variant("sp_bf16_k16_s2", True, 16, "bf16", 2),
    Variant("sp_f16_k32_s0", True, 32, "f16", 0),
    Variant("sp_f16_k32_s1", True, 32, "f16", 1),
    Variant("sp_bf16_k32_s1", True, 32, "bf16", 1),
    Variant("sp_tf32_k8_s2", True, 8, "tf32", 2),
    Variant("sp_tf32_k16_s0", True, 16, "tf32", 0),
    Variant("dense_f16", False, 16, "f16"),
    Variant("dense_bf16", False, 16, "bf16"),
]


def _operands(variant: Variant, rng: np.random.Generator) -> tuple[Any, ...]:
    """Dense A, B, C (small integers, so every product and sum is exact), A's registers and
    the metadata words."""
    group = 2 if variant.type == "tf32" else 4
    b = rng.integers(-8, 9, (variant.k, 8)).astype(np.float64)
    c = rng.integers(-8, 9, (16, 8)).astype(np.float64)
    if not variant.sparse:
        a = rng.integers(-8, 9, (16, variant.k)).astype(np.float64)
        return a, b, c, _registers(a, variant.a_cells, variant.type), np.zeros(32, np.uint32)
    a = random_sparse(rng, 16, variant.k, group, group // 2, True)
    packed, nibbles = compress(a, group)
    a_words = _registers(packed, variant.a_cells, variant.type)
    return a, b, c, a_words, variant.metadata(nibbles)


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.kernel for v in VARIANTS])
def test_mma_fragments_from_cuda(variant: Variant) -> None:
    a, b, c, a_words, metadata = _operands(variant, _rng(16))
    b_words = _registers(b, variant.b_cells, variant.type)
    d = np.zeros((32, 4), np.float32)
    run_ptx(MMA, variant.kernel, 1, 32, [a_words, b_words, _c_registers(c), metadata, d])
    np.testing.assert_array_equal(_d_matrix(d), a @ b + c)


def test_mma_f16_accumulator_from_cuda() -> None:
    variant = Variant("sp_f16_k16_acc16_s1", True, 16, "f16", 1)
    a, b, c, a_words, metadata = _operands(variant, _rng(17))
    b_words = _registers(b, variant.b_cells, "f16")
    halves = [[(G, 2 * T), (G, 2 * T + 1)], [(G + 8, 2 * T), (G + 8, 2 * T + 1)]]
    c_words = np.zeros((32, 4), np.uint32)
    c_words[:, :2] = _registers(c, halves, "f16")
    d = np.zeros((32, 4), np.uint32)
    run_ptx(MMA, variant.kernel, 1, 32, [a_words, b_words, c_words, metadata, d])
    np.testing.assert_array_equal(d[:, :2], _registers(a @ b + c, halves, "f16"))


LDMATRIX = [(n, trans) for trans in (False, True) for n in (1, 2, 4)]


@pytest.mark.parametrize(("matrices", "transpose"), LDMATRIX)
def test_ldmatrix_from_cuda(matrices: int, transpose: bool) -> None:
    """Lanes 8j..8j+7 give the rows of matrix j; lane L gets row L >> 2, columns 2(L & 3)
    and 2(L & 3) + 1 of matrix j (of its transpose) in register j (section 5)."""
    rng = _rng(18)
    source = rng.integers(0, 2**16, 256, dtype=np.uint16)
    rows = rng.permutation(32).astype(np.int32)
    out = np.zeros((32, 4), np.uint32)
    kernel = f"ldm_x{matrices}{'_trans' if transpose else ''}"
    run_ptx(MMA, kernel, 1, 32, [source, rows, out])
    # rows are indices of 16-byte rows here; ldmatrix_expected takes byte offsets
    expected = ldmatrix_expected(source, 16 * rows, matrices, transpose)
    np.testing.assert_array_equal(out, expected)  # registers past `matrices` stay zero
