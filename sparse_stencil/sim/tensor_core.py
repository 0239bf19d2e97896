"""Warp-level tensor-core semantics: ``ldmatrix``, ``mma.sp`` and dense ``mma.sync``
(m16n8k16 f16/bf16, m16n8k8 tf32).

The fragment layouts, metadata layouts and checks are those of
``docs/ptx-sparse-mma.md`` sections 4, 5 and 11. Everything works on whole warps:
a register operand is an array of shape (W, 32) of raw 32-bit patterns, W warps by 32 lanes;
``g = lane >> 2`` is the quad (group) and ``t = lane & 3`` the lane within it.

Numerics model of ``mma``/``mma.sp`` (the ISA leaves accumulation unspecified):

1. every product ``a * b`` is exact (computed in float64: f16·f16 and tf32·tf32 have at most
   22 significant bits, bf16·bf16 16); a tf32 operand is an f32 bit pattern whose low 13 bits
   the tensor core ignores (truncated, not rounded);
2. the products of one output are summed in float64 in ascending dense-K order (for
   ``mma.sp`` only the kept A values, gathered against the B rows the metadata selects: a B row
   that the metadata skips is never read, so an inf there cannot turn into NaN), then C is added;
3. the float64 sum is rounded once, to nearest-even, to f32 (or to f16 for an f16 C/D).

Integer-valued data whose products and partial sums stay below 2**24 is therefore exact, and
equal to what any order of exact f32 additions gives, which is what the hardware does on such
data. On arbitrary data real tensor cores align and truncate (Fasi et al. 2021; Khattak &
Mikaitis 2025), so compare with hardware at the order-independent bound of section 11:
``|d_sim - d_hw| <= n * 2**-23 * sum(|terms|)``, n = number of terms per output (kept products
plus C: 9 for k16 sparse and k8 dense, 17 for k32 sparse and k16 dense;
:attr:`MmaShape.terms`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sparse_stencil.sim.numerics import bf16_values, f16_bits, f32_bits, tf32_values

U32Array = npt.NDArray[np.uint32]
F64Array = npt.NDArray[np.float64]
IndexArray = npt.NDArray[np.intp]

_LANE = np.arange(32)
_G = _LANE >> 2
_T = _LANE & 3


class WarpFault(Exception):
    """A warp-level fault (bad metadata): warp `warp` (index among the W warps), `lane`."""

    def __init__(self, warp: int, lane: int, message: str) -> None:
        super().__init__(message)
        self.warp = warp
        self.lane = lane
        self.message = message


# ---------------------------------------------------------------------------------------------
# ldmatrix
# ---------------------------------------------------------------------------------------------


def ldmatrix_fragments(rows: npt.NDArray[np.uint16], transpose: bool) -> list[U32Array]:
    """The registers ldmatrix gives each lane, from the matrices' rows.

    `rows` has shape (W, matrices, 8, 8): b16 element [r][c] of each 8x8 matrix, row r read
    from the address that lane 8j + r supplied. Lane L receives in register j the elements
    (row L>>2, columns 2(L&3) and 2(L&3)+1) of matrix j (of its transpose with `transpose`),
    the first in the low half.
    """
    matrices = rows.transpose(0, 1, 3, 2) if transpose else rows
    low = matrices[:, :, _G, 2 * _T].astype(np.uint32)
    high = matrices[:, :, _G, 2 * _T + 1].astype(np.uint32)
    packed = (low | (high << 16)).astype(np.uint32)
    return [packed[:, j] for j in range(rows.shape[1])]


# ---------------------------------------------------------------------------------------------
# mma shapes
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MmaShape:
    """One supported ``mma``/``mma.sp`` variant (always ``.row.col``, M = 16, N = 8)."""

    sparse: bool
    k: int
    ab_type: str
    """f16, bf16 or tf32."""
    cd_type: str
    """f32, or f16 (f16 inputs only)."""

    @property
    def element_bits(self) -> int:
        return 32 if self.ab_type == "tf32" else 16

    @property
    def stored_k(self) -> int:
        """Columns of A held in registers: half of K for mma.sp (the kept values)."""
        return self.k // 2 if self.sparse else self.k

    @property
    def a_registers(self) -> int:
        return 16 * self.stored_k * self.element_bits // 32 // 32

    @property
    def b_registers(self) -> int:
        return self.k * 8 * self.element_bits // 32 // 32

    @property
    def cd_registers(self) -> int:
        return 4 if self.cd_type == "f32" else 2

    @property
    def chunks(self) -> int:
        """Metadata chunks per row: 4-wide for 16-bit types, 2-wide for tf32."""
        return self.k // (2 if self.ab_type == "tf32" else 4)

    @property
    def selectors(self) -> int:
        """Valid sparsity selectors: 4 when one lane per quad holds the metadata, 2 for pairs."""
        return 4 if self.chunks == 4 else 2

    @property
    def terms(self) -> int:
        """Terms summed per output: kept products plus C."""
        return self.stored_k + 1


SPARSE_SHAPES = {
    ("m16n8k16", "f16"), ("m16n8k32", "f16"),
    ("m16n8k16", "bf16"), ("m16n8k32", "bf16"),
    ("m16n8k8", "tf32"), ("m16n8k16", "tf32"),
}  # fmt: skip
DENSE_SHAPES = {("m16n8k16", "f16"), ("m16n8k16", "bf16"), ("m16n8k8", "tf32")}


def mma_shape(sparse: bool, shape: str, d: str, a: str, b: str, c: str) -> MmaShape | str:
    """The variant named by an instruction's modifiers, or the reason it is not supported."""
    if a != b:
        return f"A and B types differ ({a}, {b})"
    table = SPARSE_SHAPES if sparse else DENSE_SHAPES
    if (shape, a) not in table:
        supported = ", ".join(f"{s}.{t}" for s, t in sorted(table))
        return f"{shape} with {a} inputs is not supported (supported: {supported})"
    if d != c:
        return f"C and D types differ ({c}, {d})"
    if c not in ("f32", "f16") or (c == "f16" and a != "f16"):
        return f"accumulator type {c} with {a} inputs is not supported"
    return MmaShape(sparse, int(shape.split("k")[1]), a, c)


# ---------------------------------------------------------------------------------------------
# Fragments <-> matrices
# ---------------------------------------------------------------------------------------------


def _element_values(bits: U32Array, type_name: str) -> list[F64Array]:
    """The elements a 32-bit register holds, low half first: two 16-bit values, or one f32
    or tf32."""
    if type_name == "tf32":
        return [tf32_values(bits)]
    if type_name == "f32":
        return [bits.view(np.float32).astype(np.float64)]
    low = (bits & 0xFFFF).astype(np.uint16)
    high = (bits >> 16).astype(np.uint16)
    if type_name == "bf16":
        return [bf16_values(low), bf16_values(high)]
    return [low.view(np.float16).astype(np.float64), high.view(np.float16).astype(np.float64)]


def _a_position(shape: MmaShape, register: int, half: int) -> tuple[IndexArray, IndexArray]:
    """(row, column) per lane of A's element `half` of `register`: a compressed column for
    mma.sp, a dense one for mma."""
    row = _G + 8 * (register & 1)
    if shape.ab_type == "tf32":
        return row, _T + 4 * (register >> 1)
    if shape.sparse:
        return row, 2 * (_T + 4 * (register >> 1)) + half
    return row, 2 * _T + half + 8 * (register >> 1)


def _b_position(shape: MmaShape, register: int, half: int) -> tuple[IndexArray, IndexArray]:
    """(k, n) per lane of B's element `half` of `register`."""
    if shape.ab_type == "tf32":
        return _T + 4 * register, _G
    return 8 * register + 2 * _T + half, _G


def _cd_position(shape: MmaShape, register: int, half: int) -> tuple[IndexArray, IndexArray]:
    """(row, n) per lane of C/D's element `half` of `register` (f32: one element each)."""
    if shape.cd_type == "f32":
        return _G + 8 * (register >> 1), 2 * _T + (register & 1)
    return _G + 8 * register, 2 * _T + half


Position = Callable[[int, int], tuple[IndexArray, IndexArray]]
"""(register, half) -> (row, column) of that element in every lane."""


def _gather_matrix(
    registers: list[U32Array], type_name: str, shape: tuple[int, int], position: Position
) -> F64Array:
    warps = registers[0].shape[0]
    matrix = np.zeros((warps, *shape))
    for index, bits in enumerate(registers):
        for half, values in enumerate(_element_values(bits, type_name)):
            rows, cols = position(index, half)
            matrix[:, rows, cols] = values
    return matrix


# ---------------------------------------------------------------------------------------------
# Metadata
# ---------------------------------------------------------------------------------------------


def metadata_columns(
    shape: MmaShape, metadata: U32Array, selector: int, ordered: bool
) -> npt.NDArray[np.intp]:
    """Dense K column of every kept A value: shape (W, 16, k/2).

    Reads the metadata word only from the lanes the selector picks (lane 4g+f, or 4g+2f and
    4g+2f+1 for the pair shapes) and checks every nibble: distinct indices, increasing with
    ``::ordered_metadata``; for tf32 only the codes 0x4 (even column) and 0xE (odd column).
    """
    warps = metadata.shape[0]
    quads = metadata.reshape(warps, 8, 4)
    kept = 1 if shape.ab_type == "tf32" else 2
    columns = np.empty((warps, 16, shape.chunks * kept), dtype=np.intp)
    for chunk in range(shape.chunks):
        if shape.chunks == 4:
            lane_in_quad, slot = selector, chunk
        else:
            lane_in_quad, slot = 2 * selector + chunk // 4, chunk % 4
        words = quads[:, :, lane_in_quad]  # (W, 8): the word of quad g
        for upper in (0, 1):
            nibbles = (words >> np.uint32(16 * upper + 4 * slot)) & np.uint32(0xF)
            rows = slice(8 * upper, 8 * upper + 8)
            if shape.ab_type == "tf32":
                _check_tf32(nibbles, lane_in_quad, upper, chunk)
                columns[:, rows, chunk] = 2 * chunk + (nibbles == 0xE)
            else:
                first = (nibbles & 3).astype(np.intp)
                second = (nibbles >> 2).astype(np.intp)
                _check_pair(first, second, nibbles, ordered, lane_in_quad, upper, chunk)
                columns[:, rows, 2 * chunk] = 4 * chunk + first
                columns[:, rows, 2 * chunk + 1] = 4 * chunk + second
    return columns


def _fault(
    bad: npt.NDArray[np.bool_],
    nibbles: U32Array,
    lane_in_quad: int,
    upper: int,
    chunk: int,
    reason: str,
) -> WarpFault:
    warp, quad = (int(i) for i in np.argwhere(bad)[0])
    lane = 4 * quad + lane_in_quad
    row = quad + 8 * upper
    return WarpFault(
        warp,
        lane,
        f"metadata nibble {int(nibbles[warp, quad]):#x} of row {row}, chunk {chunk} "
        f"(from lane {lane}) {reason}",
    )


def _check_pair(
    first: npt.NDArray[np.intp],
    second: npt.NDArray[np.intp],
    nibbles: U32Array,
    ordered: bool,
    lane_in_quad: int,
    upper: int,
    chunk: int,
) -> None:
    same = first == second
    if same.any():
        raise _fault(
            same,
            nibbles,
            lane_in_quad,
            upper,
            chunk,
            "names the same position twice (undefined on hardware)",
        )
    if ordered:
        unordered = first > second
        if unordered.any():
            raise _fault(
                unordered,
                nibbles,
                lane_in_quad,
                upper,
                chunk,
                "is unordered: ::ordered_metadata needs idx0 < idx1",
            )


def _check_tf32(nibbles: U32Array, lane_in_quad: int, upper: int, chunk: int) -> None:
    bad = (nibbles != 0x4) & (nibbles != 0xE)
    if bad.any():
        raise _fault(
            bad,
            nibbles,
            lane_in_quad,
            upper,
            chunk,
            "is not a tf32 code (0x4: even column kept, 0xE: odd column kept)",
        )


# ---------------------------------------------------------------------------------------------
# mma
# ---------------------------------------------------------------------------------------------


def mma(
    shape: MmaShape,
    a: list[U32Array],
    b: list[U32Array],
    c: list[U32Array],
    metadata: U32Array | None = None,
    selector: int = 0,
    ordered: bool = True,
) -> list[U32Array]:
    """D = A·B + C for W warps at once; returns D's registers (W, 32) as raw bits."""
    a_values = _gather_matrix(
        a, shape.ab_type, (16, shape.stored_k), lambda i, h: _a_position(shape, i, h)
    )
    b_values = _gather_matrix(b, shape.ab_type, (shape.k, 8), lambda i, h: _b_position(shape, i, h))
    c_values = _gather_matrix(c, shape.cd_type, (16, 8), lambda i, h: _cd_position(shape, i, h))
    warps = a_values.shape[0]
    if shape.sparse:
        assert metadata is not None
        columns = metadata_columns(shape, metadata, selector, ordered)
    else:
        columns = np.broadcast_to(np.arange(shape.k), (warps, 16, shape.k))
    gathered = b_values[np.arange(warps)[:, None, None], columns]  # (W, 16, kept, 8)
    products = a_values[..., None] * gathered
    total = products[:, :, 0]
    # one by one in ascending K, as the numerics model says (numpy's sum would pair them up)
    for index in range(1, products.shape[2]):
        total = total + products[:, :, index]
    total = total + c_values
    return _d_registers(total, shape)


def _d_registers(total: F64Array, shape: MmaShape) -> list[U32Array]:
    registers: list[U32Array] = []
    for index in range(shape.cd_registers):
        if shape.cd_type == "f32":
            rows, cols = _cd_position(shape, index, 0)
            registers.append(f32_bits(total[:, rows, cols]))
            continue
        halves: list[U32Array] = []
        for half in (0, 1):
            rows, cols = _cd_position(shape, index, half)
            halves.append(f16_bits(total[:, rows, cols]).astype(np.uint32))
        registers.append(halves[0] | (halves[1] << np.uint32(16)))
    return registers
