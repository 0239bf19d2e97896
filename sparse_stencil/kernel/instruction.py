"""The tensor-core instructions a kernel is built on, and which fragment element each lane holds.

Every kernel multiplies a 16-row coefficient operand A by B (one column per output tile, 8
tiles per instruction) into an f32 accumulator C. With ``lane = 4g + t`` (``g = lane >> 2``,
``t = lane & 3``, docs/ptx-sparse-mma.md section 4), lane (g, t) holds:

- of B, column g, the K rows :attr:`MmaInstruction.b_rows` gives for its t;
- of C, rows g and g + 8 of the columns 2t and 2t + 1: ``c0 = C[g][2t]``, ``c1 = C[g][2t+1]``,
  ``c2 = C[g+8][2t]``, ``c3 = C[g+8][2t+1]``;
- of A, the registers :meth:`MmaInstruction.a_registers` lists, and for the sparse forms the
  metadata word of rows g and g + 8 (only lane 4g's word is read: sparsity selector 0).

| variant | PTX | K per instruction | A | B rows of lane t |
|---|---|---|---|---|
| sparse f16/bf16 | ``mma.sp::ordered_metadata ... m16n8k16 ... f32.f16.f16.f32`` | 16 (2:4) | 2 regs | 2t, 2t+1, 2t+8, 2t+9 |
| dense f16/bf16 | ``mma.sync ... m16n8k16 ... f32.f16.f16.f32`` | 16 | 4 regs | as sparse |
| sparse tf32 | ``mma.sp::ordered_metadata ... m16n8k8 ... f32.tf32.tf32.f32`` | 8 (1:2) | 2 regs | t, t+4 |
| dense tf32 | ``mma.sync ... m16n8k8 ... f32.tf32.tf32.f32`` | 8 | 4 regs | as sparse |
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
    shape: str
    k: int
    """K of one instruction (dense columns of A, rows of B)."""

    @property
    def name(self) -> str:
        """How the IR names the instruction, e.g. ``mma.sp.m16n8k16.f16``."""
        return f"{'mma.sp' if self.sparse else 'mma'}.{self.shape}.{self.a_type}"

    @property
    def element_bytes(self) -> int:
        """Bytes of one B element as staged in shared memory (the grid's storage type)."""
        return 4 if self.a_type == "tf32" else 2

    @property
    def issued_macs(self) -> int:
        """MACs one instruction counts: 16 x 8 x K, halved when A is n:m compressed."""
        return 16 * 8 * self.k // (2 if self.sparse else 1)

    def b_rows(self, t: int) -> tuple[int, ...]:
        """The K rows of B (within one instruction) that lane t holds, in register order."""
        if self.a_type == "tf32":
            return (t, t + 4)
        return (2 * t, 2 * t + 1, 2 * t + 8, 2 * t + 9)

    @property
    def b_registers(self) -> int:
        """32-bit B registers per lane: two elements per register for 16-bit types."""
        return 2

    def a_registers(self, g: int, t: int) -> list[list[tuple[int, int]]]:
        """For each A register of lane (g, t), its (row, column) elements, low half first.

        Columns index the *compressed* A (kept values, in chunk order) for the sparse forms
        and the dense A otherwise, within one instruction.
        """
        rows = (g, g + 8)
        if self.a_type == "tf32":
            if self.sparse:
                return [[(r, t)] for r in rows]
            return [[(r, c)] for c in (t, t + 4) for r in rows]
        if self.sparse:
            return [[(r, 2 * t), (r, 2 * t + 1)] for r in rows]
        return [[(r, c), (r, c + 1)] for c in (2 * t, 2 * t + 8) for r in rows]


SPARSE_F16 = MmaInstruction(True, "f16", "m16n8k16", 16)
SPARSE_BF16 = MmaInstruction(True, "bf16", "m16n8k16", 16)
SPARSE_TF32 = MmaInstruction(True, "tf32", "m16n8k8", 8)
DENSE_F16 = MmaInstruction(False, "f16", "m16n8k16", 16)
DENSE_BF16 = MmaInstruction(False, "bf16", "m16n8k16", 16)
DENSE_TF32 = MmaInstruction(False, "tf32", "m16n8k8", 8)

INSTRUCTIONS: dict[str, MmaInstruction] = {
    i.name: i
    for i in (SPARSE_F16, SPARSE_BF16, SPARSE_TF32, DENSE_F16, DENSE_BF16, DENSE_TF32)
}


def instruction_for(storage: StorageType, sparse: bool) -> MmaInstruction:
    """The instruction that multiplies grids of `storage` type, sparse or dense."""
    a_type = {"float16": "f16", "bfloat16": "bf16", "float32": "tf32"}[storage.name]
    return next(i for i in INSTRUCTIONS.values() if i.a_type == a_type and i.sparse == sparse)
