"""The `ptx` dialect and its printer: kernels built with the Python API, printed, executed on
the simulator against numpy, and assembled by ptxas; verifier errors; the printed syntax."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pytest
from strategies import random_two_four_tile
from xdsl.builder import ImplicitBuilder
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Block, Region, SSAValue
from xdsl.utils.exceptions import VerifyException

from sparse_stencil.backends import ptxas
from sparse_stencil.backends.ptx_printer import print_ptx
from sparse_stencil.dialects import ptx
from sparse_stencil.errors import StencilError
from sparse_stencil.sim import run_ptx
from sparse_stencil.sparsity import pack_m16n8k16

ONE = 0x3F800000
"""1.0f as bits."""


def kernel(name: str, params: list[tuple[str, str]], build: Callable[[], None]) -> ptx.EntryOp:
    """An entry whose body is what `build` creates, then `ret`."""
    body = Region(Block())
    with ImplicitBuilder(body.block):
        build()
        ptx.RetOp()
    return ptx.EntryOp(name, params, body)


def global_pointer(param: str) -> SSAValue:
    return ptx.CvtaOp("global", ptx.LdParamOp(param, "u64").result).result


# region Kernels


def vector_add() -> ModuleOp:
    """out[i] = x[i] * scale + y[i] + 1 for i < n, with `scale` = 2 in constant memory."""

    def build() -> None:
        x, y, out = (global_pointer(name) for name in ("x", "y", "out"))
        n = ptx.LdParamOp("n", "u32").result
        block = ptx.SpecialRegOp("ctaid.x").result
        width = ptx.SpecialRegOp("ntid.x").result
        i = ptx.MadOp("s32", block, width, ptx.SpecialRegOp("tid.x").result).result
        outside = ptx.SetpOp("ge", "s32", i, n).result
        offset = ptx.MulOp("s32", i, 4, "wide").result
        xv = ptx.LdOp(
            "global", "f32", ptx.AddOp("s64", x, offset).result, guard=outside, negate=True
        )
        # y's address one element on, read back at -4: a negative offset.
        y_next = ptx.AddOp("s64", ptx.AddOp("s64", y, offset).result, 4).result
        yv = ptx.LdOp("global", "f32", y_next, -4, non_coherent=True, guard=outside, negate=True)
        scale = ptx.LdOp("const", "f32", ptx.AddressOfOp("scale", "u64").result)
        product = ptx.MulOp("f32", xv.values[0], scale.values[0]).result
        total = ptx.AddOp("f32", ptx.AddOp("f32", product, yv.values[0]).result, ONE).result
        target = ptx.AddOp("s64", out, offset).result
        ptx.StOp("global", "f32", target, [total], guard=outside, negate=True)

    params = [("x", "u64"), ("y", "u64"), ("out", "u64"), ("n", "u32")]
    scale = ptx.GlobalOp("scale", "const", "b32", [0x40000000])
    return ModuleOp([scale, kernel("vector_add", params, build)])


def mma_tile(sparse: bool) -> ModuleOp:
    """One warp: D = A B + C for an m16n8k16 f16 tile, every fragment read from global memory.

    Lane 4g + t reads the 32-bit word g * 8 + t of A (dense 16 x 16) and of B^T (8 x 16), the
    next fragments 16 bytes (4 columns of halves) and 256 bytes (8 rows of A) on; the packed
    sparse A (16 x 8) has word g * 4 + t = lane and rows g + 8 128 bytes on. C and D rows g and
    g + 8 hold lane's pairs of f32 at columns 2t, 2t + 1.
    """

    def build() -> None:
        a, bt, c, d = (global_pointer(name) for name in ("a", "bt", "c", "d"))
        lane = ptx.SpecialRegOp("laneid").result
        g = ptx.ShrOp("u32", lane, 2).result
        row_word = ptx.AddOp("u32", lane, ptx.ShlOp("b32", g, 2).result).result
        b_address = ptx.AddOp("s64", bt, ptx.MulOp("u32", row_word, 4, "wide").result).result
        b = [ptx.LdOp("global", "b32", b_address, offset).values[0] for offset in (0, 16)]
        if sparse:
            a_address = ptx.AddOp("s64", a, ptx.MulOp("u32", lane, 4, "wide").result).result
            a_regs = [ptx.LdOp("global", "b32", a_address, off).values[0] for off in (0, 128)]
        else:
            a_address = ptx.AddOp("s64", a, ptx.MulOp("u32", row_word, 4, "wide").result).result
            offsets = (0, 256, 16, 272)
            a_regs = [ptx.LdOp("global", "b32", a_address, off).values[0] for off in offsets]
        t = ptx.AndOp("b32", lane, 3).result
        c_index = ptx.MadOp("u32", g, 8, ptx.ShlOp("b32", t, 1).result).result
        c_offset = ptx.MulOp("u32", c_index, 4, "wide").result
        c_address = ptx.AddOp("s64", c, c_offset).result
        c_regs = [*ptx.LdOp("global", "f32", c_address, 0, 2).values]
        c_regs += ptx.LdOp("global", "f32", c_address, 256, 2).values
        if sparse:
            e = global_pointer("e")
            e_address = ptx.AddOp("s64", e, ptx.MulOp("u32", g, 4, "wide").result).result
            metadata = ptx.LdOp("global", "b32", e_address).values[0]
            product = ptx.MmaSpOp("m16n8k16", "f16", a_regs, b, c_regs, metadata, 0).d
        else:
            product = ptx.MmaOp("m16n8k16", "f16", a_regs, b, c_regs).d
        d_address = ptx.AddOp("s64", d, c_offset).result
        ptx.StOp("global", "f32", d_address, product[:2])
        ptx.StOp("global", "f32", d_address, product[2:], 256)

    params = [("a", "u64"), ("bt", "u64"), ("c", "u64"), ("d", "u64")]
    params += [("e", "u64")] if sparse else []
    return ModuleOp([kernel("mma_sp_tile" if sparse else "mma_tile", params, build)])


SCALAR_COLUMNS = 12


def scalar_ops() -> ModuleOp:
    """One warp: each lane i writes SCALAR_COLUMNS results of integer, predicate, conversion,
    shared-memory and ldmatrix instructions to out[i, :] (see `expected_scalars`)."""

    def build() -> None:
        out = global_pointer("out")
        i = ptx.SpecialRegOp("tid.x").result
        shifted = ptx.SubOp("s32", i, 5).result
        in_range = ptx.SetpOp("lt", "s32", i, 10).result
        inside = ptx.SetpOp("hi", "u32", i, 2, ("and", in_range)).result
        half = ptx.CvtOp("f16", "f32", ptx.CvtOp("f32", "s32", i, "rn").result, "rn").result
        back = ptx.CvtOp("f32", "f16", half).result
        scaled = ptx.MulOp("f32", back, 0x40400000).result  # 3.0
        columns = [
            ptx.MaxOp("s32", shifted, 0).result,
            ptx.MinOp("u32", i, 20).result,
            ptx.ShrOp("s32", shifted, 1).result,
            ptx.XorOp("b32", ptx.OrOp("b32", i, 0x100).result, 0xFF).result,
            ptx.MadOp("s32", i, 3, -7).result,
            ptx.SelpOp("s32", 1, 0, inside).result,
            ptx.PackOp(half, ptx.MovOp("b16", 0x3C00).result).result,  # {i, 1.0} as f16
            ptx.CvtOp("s32", "f32", scaled, "rzi").result,
            ptx.MovOp("u32", -1, guard=inside).result,
        ]
        columns += shared_columns(i)
        row = ptx.MulOp("u32", i, 4 * SCALAR_COLUMNS, "wide").result
        address = ptx.AddOp("s64", out, row).result
        for column, value in enumerate(columns):
            ptx.StOp("global", "b32", address, [value], 4 * column)

    return ModuleOp([kernel("scalar_ops", [("out", "u64")], build)])


def shared_columns(i: SSAValue) -> list[SSAValue]:
    """Lane i stores 1000 + i to word i of a 128-byte shared array; after the barrier it reads
    word 31 - i, and ldmatrix.x1 (rows at 16-byte steps, given by lanes 0..7) plain and
    transposed."""
    ptx.SharedOp("words", 128)
    base = ptx.AddressOfOp("words", "u32").result
    address = ptx.AddOp("u32", base, ptx.ShlOp("b32", i, 2).result).result
    ptx.StOp("shared", "u32", address, [ptx.AddOp("u32", i, 1000).result])
    ptx.BarSyncOp()
    end = ptx.AddOp("u32", base, 128).result
    mirrored = ptx.SubOp("u32", end, ptx.ShlOp("b32", i, 2).result).result
    neighbour = ptx.LdOp("shared", "u32", mirrored, -4)
    rows = ptx.AddOp("u32", base, ptx.ShlOp("b32", ptx.AndOp("b32", i, 7).result, 4).result)
    plain = ptx.LdmatrixOp(1, False, rows.result).values[0]
    transposed = ptx.LdmatrixOp(1, True, rows.result).values[0]
    return [neighbour.values[0], plain, transposed]


def expected_scalars() -> np.ndarray:
    i = np.arange(32, dtype=np.int64)
    words = (1000 + i).astype(np.uint32)
    halves = words.view(np.uint16).reshape(8, 8)
    g, t = i >> 2, i & 3
    columns = [
        np.maximum(i - 5, 0),
        np.minimum(i, 20),
        (i - 5) >> 1,
        (i | 0x100) ^ 0xFF,
        3 * i - 7,
        ((i > 2) & (i < 10)).astype(np.int64),
        i.astype(np.float16).view(np.uint16).astype(np.int64) | (0x3C00 << 16),
        3 * i,
        np.where((i > 2) & (i < 10), -1, 0),
        words[31 - i],
        words,
        halves[2 * t, g].astype(np.int64) | (halves[2 * t + 1, g].astype(np.int64) << 16),
    ]
    return (np.stack(columns, axis=1) & 0xFFFFFFFF).astype(np.uint32)


# endregion
# region Execution on the simulator


def test_vector_add_on_the_simulator() -> None:
    rng = np.random.default_rng(0)
    n = 150
    x = rng.integers(-8, 9, size=n).astype(np.float32)
    y = rng.integers(-8, 9, size=n).astype(np.float32)
    out = np.zeros(n, dtype=np.float32)
    # 3 blocks of 64 threads: the guard keeps the last 42 threads from touching memory.
    run_ptx(print_ptx(vector_add()), "vector_add", grid=3, block=64, args=[x, y, out, n])
    np.testing.assert_array_equal(out, 2 * x + y + 1)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mma_sp_tile_on_the_simulator(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = random_two_four_tile(rng, -8, 9)
    b = rng.integers(-8, 9, size=(16, 8)).astype(np.float16)
    c = rng.integers(-8, 9, size=(16, 8)).astype(np.float32)
    values, words = pack_m16n8k16(a)
    d = np.zeros((16, 8), dtype=np.float32)
    args = [np.ascontiguousarray(values), np.ascontiguousarray(b.T), c, d, words]
    stats = run_ptx(print_ptx(mma_tile(sparse=True)), "mma_sp_tile", grid=1, block=32, args=args)
    assert stats.counters["mma.sp"] == 1
    # Small integers: every product and partial sum is exact in f32.
    np.testing.assert_array_equal(d, a.astype(np.float64) @ b.astype(np.float64) + c)


def test_dense_mma_tile_on_the_simulator() -> None:
    rng = np.random.default_rng(3)
    a = rng.integers(-8, 9, size=(16, 16)).astype(np.float16)
    b = rng.integers(-8, 9, size=(16, 8)).astype(np.float16)
    c = rng.integers(-8, 9, size=(16, 8)).astype(np.float32)
    d = np.zeros((16, 8), dtype=np.float32)
    args = [a, np.ascontiguousarray(b.T), c, d]
    run_ptx(print_ptx(mma_tile(sparse=False)), "mma_tile", grid=1, block=32, args=args)
    np.testing.assert_array_equal(d, a.astype(np.float64) @ b.astype(np.float64) + c)


def test_scalar_instructions_on_the_simulator() -> None:
    out = np.zeros((32, SCALAR_COLUMNS), dtype=np.uint32)
    run_ptx(print_ptx(scalar_ops()), "scalar_ops", grid=1, block=32, args=[out])
    np.testing.assert_array_equal(out, expected_scalars())


# endregion
# region ptxas

KERNELS = {
    "vector_add": vector_add,
    "mma_sp": lambda: mma_tile(sparse=True),
    "mma": lambda: mma_tile(sparse=False),
    "scalar_ops": scalar_ops,
}


@pytest.mark.parametrize("arch", ["sm_80", "sm_90"])
@pytest.mark.parametrize("name", KERNELS)
def test_ptxas_accepts_the_kernels(name: str, arch: str) -> None:
    if (reason := ptxas.unavailable_reason()) is not None:
        pytest.skip(reason)
    text = print_ptx(KERNELS[name](), arch)
    assert f".target {arch}\n" in text
    assert ptxas.assemble(text, arch).warnings == []


# endregion
# region The printed text


def test_registers_are_numbered_per_class_and_declared() -> None:
    def build() -> None:
        pointer = ptx.LdParamOp("p", "u64").result
        count = ptx.LdParamOp("n", "u32").result
        small = ptx.SetpOp("lt", "u32", count, 10).result
        value = ptx.LdOp("global", "f32", pointer, 8, 2, guard=small)
        ptx.StOp("global", "f32", pointer, [*value.values], -8, guard=small, negate=True)
        ptx.MovOp("f32", ONE)

    module = ModuleOp([ptx.GlobalOp("table", "global", "b16", [1, 0xFFFF])])
    module.body.block.add_op(kernel("k", [("p", "u64"), ("n", "u32")], build))
    assert print_ptx(module) == (
        ".version 8.5\n"
        ".target sm_80\n"
        ".address_size 64\n"
        "\n"
        ".global .align 16 .b16 table[2] = {1, 65535};\n"
        "\n"
        ".visible .entry k(\n"
        "\t.param .u64 p,\n"
        "\t.param .u32 n\n"
        ")\n"
        "{\n"
        "\t.reg .pred %p<2>;\n"
        "\t.reg .b32 %r<2>;\n"
        "\t.reg .b64 %rd<2>;\n"
        "\t.reg .f32 %f<4>;\n"
        "\tld.param.u64 %rd1, [p];\n"
        "\tld.param.u32 %r1, [n];\n"
        "\tsetp.lt.u32 %p1, %r1, 10;\n"
        "\t@%p1 ld.global.v2.f32 {%f1, %f2}, [%rd1+8];\n"
        "\t@!%p1 st.global.v2.f32 [%rd1+-8], {%f1, %f2};\n"
        "\tmov.f32 %f3, 0f3F800000;\n"
        "\tret;\n"
        "}\n"
    )


def test_shared_declarations_come_first_and_lines_are_ptx() -> None:
    text = print_ptx(scalar_ops())
    body = text.split("{\n", 1)[1].splitlines()
    assert body[:3] == ["\t.reg .pred %p<3>;", "\t.reg .b16 %rs<3>;", "\t.reg .b32 %r<26>;"]
    assert body[5] == "\t.shared .align 16 .b8 words[128];"
    for line in (
        "\tsetp.hi.and.u32 %p2, %r1, 2, %p1;",
        "\tcvt.rn.f16.f32 %rs1, %f1;",
        "\tcvt.f32.f16 %f2, %rs1;",
        "\tmul.f32 %f3, %f2, 0f40400000;",
        "\tmad.lo.s32 %r8, %r1, 3, -7;",
        "\tselp.s32 %r9, 1, 0, %p2;",
        "\tmov.b32 %r10, {%rs1, %rs2};",
        "\t@%p2 mov.u32 %r12, -1;",
        "\tmov.u32 %r13, words;",
        "\tld.shared.u32 %r20, [%r19+-4];",
        "\tbar.sync 0;",
        "\tldmatrix.sync.aligned.m8n8.x1.trans.shared.b16 {%r25}, [%r23];",
    ):
        assert line in text.splitlines()


def test_mma_sp_line() -> None:
    text = print_ptx(mma_tile(sparse=True))
    assert (
        "\tmma.sp::ordered_metadata.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 "
        "{%f5, %f6, %f7, %f8}, {%r7, %r8}, {%r5, %r6}, {%f1, %f2, %f3, %f4}, %r12, 0;"
    ) in text.splitlines()


def test_long_initializers_break_over_lines() -> None:
    text = print_ptx(ModuleOp([ptx.GlobalOp("t", "const", "s32", [*range(9), 0xFFFFFFFF])]))
    assert text.endswith(
        ".const .align 16 .s32 t[10] = {\n\t0, 1, 2, 3, 4, 5, 6, 7,\n\t8, -1\n};\n"
    )


def test_print_ptx_refuses_other_targets_and_ops() -> None:
    with pytest.raises(StencilError, match="unsupported PTX target 'sm_75'"):
        print_ptx(vector_add(), "sm_75")
    module = vector_add()
    module.body.block.add_op(ModuleOp([]))
    with pytest.raises(StencilError, match=r"'builtin\.module' cannot be printed as PTX"):
        print_ptx(module)


# endregion
# region Verification


def verify_in_kernel(build: Callable[[], object]) -> None:
    """Verify a kernel (parameter `p`, u64) whose body is what `build` creates."""
    body = Region(Block())
    with ImplicitBuilder(body.block):
        build()
    ModuleOp([ptx.EntryOp("k", [("p", "u64")], body)]).verify()


def f32_value() -> SSAValue:
    return ptx.MovOp("f32", 0).result


def b32_value() -> SSAValue:
    return ptx.MovOp("b32", 0).result


def pointer() -> SSAValue:
    return ptx.MovOp("u64", 0).result


BAD = {
    "operand class": (
        lambda: ptx.AddOp("s32", f32_value(), 1),
        "lhs must be a !ptx.reg<b32> register, got !ptx.reg<f32>",
    ),
    "shift amount": (
        lambda: ptx.ShlOp("b64", pointer(), pointer()),
        "rhs must be a !ptx.reg<b32> register",
    ),
    "immediate width": (lambda: ptx.AddOp("s32", b32_value(), 1 << 32), "does not fit .s32"),
    "type": (lambda: ptx.AndOp("s32", b32_value(), 1), "and type must be one of"),
    "guard class": (lambda: ptx.RetOp(guard=b32_value()), "guard must be a !ptx.reg<pred>"),
    "negate alone": (lambda: ptx.RetOp(negate=True), "negate needs a guard"),
    "mul mode": (lambda: ptx.MulOp("s32", b32_value(), 2), "mul.s32 mode must be one of"),
    "wide 64": (lambda: ptx.MulOp("s64", pointer(), 2, "wide"), "mul.wide takes 16- or 32-bit"),
    "mad f32": (lambda: ptx.MadOp("f32", f32_value(), 0, 0), "mad.f32 rounding must be one of"),
    "comparison": (
        lambda: ptx.SetpOp("lo", "s32", b32_value(), 1),
        "comparison of .s32 must be one of",
    ),
    "cvt rounding": (
        lambda: ptx.CvtOp("f16", "f32", f32_value()),
        "rounding of cvt.f16.f32 must be one of rn, rz, got 'None'",
    ),
    "cvt widening": (
        lambda: ptx.CvtOp("f32", "f16", ptx.MovOp("b16", 0).result, "rn"),
        "rounding of cvt.f32.f16",
    ),
    "ld vector": (lambda: ptx.LdOp("global", "u32", pointer(), vector=3), "ld vector width"),
    "ld bytes": (lambda: ptx.LdOp("global", "u64", pointer(), vector=4), "more than 16 bytes"),
    "ld nc": (lambda: ptx.LdOp("shared", "u32", b32_value(), non_coherent=True), "ld.nc"),
    "global address": (
        lambda: ptx.LdOp("global", "u32", b32_value()),
        "ld.global address class must be one of !ptx.reg<b64>",
    ),
    "st values": (
        lambda: ptx.StOp("global", "f32", pointer(), [f32_value(), b32_value()]),
        "value must be a !ptx.reg<f32> register",
    ),
    "mma.sp counts": (
        lambda: ptx.MmaSpOp(
            "m16n8k32",
            "f16",
            [b32_value()] * 2,
            [b32_value()] * 4,
            [f32_value()] * 4,
            b32_value(),
            0,
        ),
        "A takes 4 registers, got 2",
    ),
    "mma.sp shape": (
        lambda: ptx.MmaSpOp(
            "m16n8k8",
            "f16",
            [b32_value()] * 2,
            [b32_value()] * 2,
            [f32_value()] * 4,
            b32_value(),
            0,
        ),
        "ptx.mma_sp supports f16 m16n8k16",
    ),
    "mma.sp selector": (
        lambda: ptx.MmaSpOp(
            "m16n8k16",
            "tf32",
            [b32_value()] * 4,
            [b32_value()] * 4,
            [f32_value()] * 4,
            b32_value(),
            2,
        ),
        "sparsity selector must be one of 0, 1, got '2'",
    ),
    "mma C class": (
        lambda: ptx.MmaOp(
            "m16n8k8", "tf32", [b32_value()] * 4, [b32_value()] * 2, [b32_value()] * 4
        ),
        "Expected attribute !ptx.reg<f32> but got !ptx.reg<b32>",
    ),
    "ldmatrix count": (lambda: ptx.LdmatrixOp(3, False, b32_value()), "ldmatrix count"),
    "barrier": (lambda: ptx.BarSyncOp(16), "barrier must be one of"),
    "special register": (lambda: ptx.SpecialRegOp("clock"), "special register must be one of"),
    "unknown parameter": (lambda: ptx.LdParamOp("q", "u64"), "reads 'q', which is no .u64"),
    "unknown symbol": (
        lambda: ptx.AddressOfOp("nowhere", "u64"),
        "'nowhere' is neither a .shared nor a module variable",
    ),
}


@pytest.mark.parametrize("case", BAD)
def test_the_verifier_refuses(case: str) -> None:
    build, message = BAD[case]
    with pytest.raises(VerifyException, match=re.escape(message)):
        verify_in_kernel(build)


def test_a_kernel_holds_only_ptx_ops() -> None:
    body = Region(Block([ModuleOp([])]))
    with pytest.raises(VerifyException, match=r"'builtin\.module' cannot stand in a kernel"):
        ModuleOp([ptx.EntryOp("k", [], body)]).verify()


def test_unknown_types_fail_at_construction() -> None:
    with pytest.raises(VerifyException, match="PTX type must be one of"):
        ptx.LdParamOp("p", "f64")


# endregion
