"""The tensor-core instructions a kernel is built on, and which fragment element each lane holds.

Every kernel multiplies a 16-row coefficient operand A by B (one column per output tile, 8
tiles per instruction) into an f32 accumulator C. With ``lane = 4g + t`` (``g = lane >> 2``,
``t = lane & 3``, docs/ptx-sparse-mma.md section 4), lane (g, t) holds:

- of B, column g, the K rows :meth:`MmaInstruction.b_rows` gives for its t;
- of C, rows g and g + 8 of the columns 2t and 2t + 1: ``c0 = C[g][2t]``, ``c1 = C[g][2t+1]``,
  ``c2 = C[g+8][2t]``, ``c3 = C[g+8][2t+1]``;
- of A, the registers :meth:`MmaInstruction.a_registers` lists, and for the sparse forms a
  metadata word: with sparsity selector 0 the instructions of one *chunk step* (K 16 of 2:4,
  K 8 of 1:2) read lane 4g's word, which holds the nibbles of rows g (bits 0-15) and g + 8
  (bits 16-31); those of two chunk steps read lane 4g's word for the first and lane 4g + 1's
  for the second.

| instruction | K | A regs | B rows of lane t |
|---|---|---|---|
| ``mma.sp::ordered_metadata ... m16n8k32 .f16/.bf16`` (2:4) | 32 | 4 | 2t, 2t+1, +8, +16, +24 |
| ``mma.sp::ordered_metadata ... m16n8k16 .f16/.bf16`` (2:4) | 16 | 2 | 2t, 2t+1, 2t+8, 2t+9 |
| ``mma.sp::ordered_metadata ... m16n8k16 .tf32`` (1:2) | 16 | 4 | t, t+4, t+8, t+12 |
| ``mma.sp::ordered_metadata ... m16n8k8 .tf32`` (1:2) | 8 | 2 | t, t+4 |
| ``mma.sync ... m16n8k16 .f16/.bf16`` | 16 | 4 | 2t, 2t+1, 2t+8, 2t+9 |
| ``mma.sync ... m16n8k8 .tf32`` | 8 | 4 | t, t+4 |

The sparse kernels issue the two-chunk-step forms, which take half the instructions for the
same MACs, and one single-step instruction where the converted K leaves an odd chunk step.
"""

from __future__ import annotations

from dataclasses import dataclass

from sparse_stencil.dtypes import StorageType


@dataclass(frozen=True)
class MmaInstruction:
    """One tensor-core instruction form: operand types, shape and fragment layout."""

    sparse: bool
    a_type: str
    """PTX type of A and B: ``f16``, ``bf16`` or ``tf32``."""
    k: int
    """K of one instruction (dense columns of A, rows of B)."""

    @property
    def shape(self) -> str:
        """The PTX shape, e.g. ``m16n8k32``."""
        return f"m16n8k{self.k}"

    @property
    def name(self) -> str:
        """How the IR names the instruction, e.g. ``mma.sp.m16n8k32.f16``."""
        return f"{'mma.sp' if self.sparse else 'mma'}.{self.shape}.{self.a_type}"

    @property
    def element_bytes(self) -> int:
        """Bytes of one B element as staged in shared memory (the grid's storage type)."""
        return 4 if self.a_type == "tf32" else 2

    @property
    def issued_macs(self) -> int:
        """MACs one instruction counts: 16 x 8 x K, halved when A is n:m compressed."""
        return 16 * 8 * self.k // (2 if self.sparse else 1)

    @property
    def chunk_step(self) -> int:
        """K of one metadata word's chunks: 16 for 2:4, 8 for 1:2 (dense: K)."""
        if not self.sparse:
            return self.k
        return 8 if self.a_type == "tf32" else 16

    @property
    def chunk_steps(self) -> int:
        """Chunk steps one instruction covers (1 or 2)."""
        return self.k // self.chunk_step

    def b_rows(self, t: int) -> tuple[int, ...]:
        """The K rows of B (within one instruction) that lane t holds, in register order."""
        if self.a_type == "tf32":
            return tuple(t + 4 * i for i in range(self.k // 4))
        return tuple(r + 8 * j for j in range(self.k // 8) for r in (2 * t, 2 * t + 1))

    def a_registers(self, g: int, t: int) -> list[list[tuple[int, int]]]:
        """For each A register of lane (g, t), its (row, column) elements, low half first.

        Columns index the *compressed* A (kept values, in chunk order) for the sparse forms
        and the dense A otherwise, within one instruction.
        """
        rows = (g, g + 8)
        if self.a_type == "tf32":
            columns = [t + 4 * i for i in range(self.k // 8 if self.sparse else 2)]
            return [[(r, c)] for c in columns for r in rows]
        pairs = self.k // 16 if self.sparse else 2
        return [[(r, 2 * t + 8 * i), (r, 2 * t + 8 * i + 1)] for i in range(pairs) for r in rows]

    def metadata_step(self, t: int) -> int:
        """Which chunk step of the instruction lane t's metadata word describes."""
        return 1 if self.chunk_steps == 2 and t == 1 else 0

    def dense(self) -> MmaInstruction:
        """The dense instruction for the same types (the dense path's, and a split layout's
        dense part's)."""
        return MmaInstruction(False, self.a_type, 8 if self.a_type == "tf32" else 16)

    def single(self) -> MmaInstruction:
        """The one-chunk-step form of a sparse instruction (itself if it is one)."""
        return MmaInstruction(self.sparse, self.a_type, self.chunk_step)


SPARSE_F16 = MmaInstruction(True, "f16", 32)
SPARSE_BF16 = MmaInstruction(True, "bf16", 32)
SPARSE_TF32 = MmaInstruction(True, "tf32", 16)
DENSE_F16 = MmaInstruction(False, "f16", 16)
DENSE_BF16 = MmaInstruction(False, "bf16", 16)
DENSE_TF32 = MmaInstruction(False, "tf32", 8)

_MAIN = (SPARSE_F16, SPARSE_BF16, SPARSE_TF32, DENSE_F16, DENSE_BF16, DENSE_TF32)
INSTRUCTIONS: dict[str, MmaInstruction] = {
    i.name: i for main in _MAIN for i in (main, main.single())
}


def instruction_for(storage: StorageType, sparse: bool) -> MmaInstruction:
    """The main instruction that multiplies grids of `storage` type, sparse or dense."""
    a_type = {"float16": "f16", "bfloat16": "bf16", "float32": "tf32"}[storage.name]
    return next(i for i in _MAIN if i.a_type == a_type and i.sparse == sparse)
