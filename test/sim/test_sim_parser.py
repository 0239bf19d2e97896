"""The PTX parser, and the memory features of kernels/features.ptx."""

from __future__ import annotations

import numpy as np
import pytest
from sim_cases import kernel_text

from sparse_stencil.sim import PtxMemoryError, PtxParseError, parse_ptx, run_ptx
from sparse_stencil.sim.ptx_parser import Addr, Imm, Reg, Sym, Vec, parse_immediate


def test_module_header_kernels_and_parameters() -> None:
    module = parse_ptx(kernel_text("mma_sp_f16.ptx"))
    assert module.version == "8.5"
    assert module.target == ("sm_80",)
    assert module.address_size == 64
    assert list(module.kernels) == [f"mma_sp_f16_sel{f}" for f in range(4)]
    kernel = module.kernel("mma_sp_f16_sel2")
    assert [(p.name, p.type) for p in kernel.params] == [
        (f"mma_sp_f16_sel2_{n}", "u64") for n in ("a", "bt", "c", "e", "d")
    ]
    assert [(v.name, v.nbytes, v.align) for v in kernel.shared] == [
        ("sA2", 256, 16),
        ("sB2", 256, 16),
    ]


def test_register_ranges_and_instruction_lines() -> None:
    text = kernel_text("vector_add.ptx")
    kernel = parse_ptx(text).kernel("vector_add")
    assert {f"%rd{i}" for i in range(11)} <= set(kernel.registers)
    assert "%rd11" not in kernel.registers
    assert kernel.registers["%p1"] == "pred"
    lines = text.splitlines()
    for instruction in kernel.body:
        assert instruction.name.split(".")[0] in lines[instruction.line - 1]
    branch = next(i for i in kernel.body if i.opcode == "bra")
    assert isinstance(branch.guard, Reg)
    assert kernel.labels["$L__BB0_2"] == len(kernel.body) - 1  # the label before ret


def test_operands_of_a_multiline_mma() -> None:
    kernel = parse_ptx(kernel_text("mma_sp_tf32.ptx")).kernel("mma_sp_tf32_k16")
    mma = next(i for i in kernel.body if i.opcode == "mma")
    assert mma.modifiers[0] == "sp::ordered_metadata"
    d, a, _b, _c, e, f = mma.operands
    assert isinstance(d, Vec)
    assert len(d.items) == 4
    assert len(a.items) == 4
    assert e == Reg("%r13")
    assert f == Imm(1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[%rd1+256]", Addr(Reg("%rd1"), 256)),
        ("[%rd1+-4]", Addr(Reg("%rd1"), -4)),
        ("[%rd1 - 8]", Addr(Reg("%rd1"), -8)),
        ("[sA+0x10]", Addr(Sym("sA"), 16)),
        ("[param_0]", Addr(Sym("param_0"), 0)),
        ("[64]", Addr(None, 64)),
    ],
)
def test_address_forms(text: str, expected: Addr) -> None:
    module = parse_ptx(f""".version 8.5
.target sm_80
.address_size 64
.visible .entry k(.param .u64 param_0) {{
    .reg .b64 %rd<2>;
    .shared .align 16 .b8 sA[64];
    ld.u64 %rd0, {text};
}}""")
    assert module.kernel("k").body[0].operands[1] == expected


@pytest.mark.parametrize(
    ("token", "value", "bits"),
    [
        ("010", 8, None),
        ("0x1F", 31, None),
        ("0b101", 5, None),
        ("-7", -7, None),
        ("42U", 42, None),
        ("0f3F800000", 0x3F800000, 32),
        ("0d3FF0000000000000", 0x3FF0000000000000, 64),
        ("1.5", 1.5, None),
    ],
)
def test_immediates(token: str, value: float, bits: int | None) -> None:
    immediate = parse_immediate(token)
    assert immediate is not None
    assert immediate.value == value
    assert immediate.bits == bits


def test_const_and_global_variables() -> None:
    out = np.zeros(32, dtype=np.uint32)
    run_ptx(kernel_text("features.ptx"), "tables", 1, 32, [out])
    lanes = np.arange(32)
    np.testing.assert_array_equal(out, (lanes & 7) ** 2 + 1000 * ((lanes & 3) + 1))


def test_dynamic_shared_memory_through_generic_addresses() -> None:
    values = np.arange(192, dtype=np.uint32) * 3
    out = np.zeros(192, dtype=np.uint32)
    run_ptx(kernel_text("features.ptx"), "reverse", 3, 64, [values, out], shared_bytes=256)
    np.testing.assert_array_equal(out, values.reshape(3, 64)[:, ::-1].reshape(-1))


def test_dynamic_shared_memory_too_small_is_reported() -> None:
    values = np.arange(64, dtype=np.uint32)
    with pytest.raises(PtxMemoryError, match="out-of-bounds 4-byte access to shared address"):
        run_ptx(
            kernel_text("features.ptx"),
            "reverse",
            1,
            64,
            [values, np.zeros(64, np.uint32)],
            shared_bytes=128,
        )


def test_literals_and_negated_guards() -> None:
    out = np.full(6, 99, dtype=np.int32)
    run_ptx(kernel_text("features.ptx"), "literals", 1, 32, [out])
    np.testing.assert_array_equal(out, [8, 31, 5, -7, 99, 99])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("add.u32 %r9, %r0, 1;", r"line 6: register '%r9' is not declared"),
        ("bra $L_nowhere;", r"line 6: branch target is not a label"),
        ("add.u32 %r0, %r0, 1", r"line 6: statement not terminated by ';'"),
        ("frobnicate.u32 %r0, %r0;", r"line 6: unsupported instruction 'frobnicate.u32'"),
        ("add.wobbly.u32 %r0, %r0, 1;", r"line 6: add.wobbly.u32: unsupported modifier '.wobbly'"),
        ("mov.u32 %r0, %r0, %r1;", r"line 6: mov.u32: expected 2 operands, got 3"),
        (".reg .v2 .b32 %v;", r"line 6: vector registers \(\.reg \.v2/\.v4\) are not supported"),
        ("{ .reg .b32 t; .reg .b32 t; }", r"line 6: register 't' declared twice"),
        ("{ .reg .b32 t; } mov.u32 %r0, t;", r"line 6: mov.u32: unknown symbol 't'"),
        (
            "{ .reg .pred p; setp.ltu.u32 p, %r0, 1; }",
            r"line 6: setp.ltu.u32: comparison .ltu does not apply to .u32",
        ),
        ("ld.global.v4.u64 {%r0, %r0, %r0, %r0}, [0];", r"line 6: .*vector accesses are at most"),
        (".shared .align .b8 s[4];", r"line 6: \.align needs a byte count, got '\.b8'"),
    ],
)
def test_malformed_text_names_the_line(body: str, message: str) -> None:
    text = f""".version 8.5
.target sm_80
.address_size 64
.visible .entry k() {{
    .reg .b32 %r<2>;
    {body}
}}"""
    with pytest.raises(PtxParseError, match=message):
        run_ptx(text, "k", 1, 32, [])


def test_nested_blocks_scope_their_registers() -> None:
    out = np.zeros(64, dtype=np.uint32)
    run_ptx(kernel_text("features.ptx"), "scopes", 1, 64, [out])
    np.testing.assert_array_equal(out, 4 * np.arange(64) + 3)
    kernel = parse_ptx(kernel_text("features.ptx")).kernel("scopes")
    assert {"t", "t'2", "u", "%r1'2", "p"} <= set(kernel.registers)


def test_module_level_local_variables_are_refused() -> None:
    text = kernel_text("vector_add.ptx").replace(
        ".address_size 64", ".address_size 64\n.local .u32 spill[4];"
    )
    with pytest.raises(PtxParseError, match=r"line 5: \.local variables must be declared in a"):
        parse_ptx(text)


def test_initialized_bf16_variables_are_refused() -> None:
    """Initializers are host numbers; only f16, f32 and f64 ones are converted."""
    text = kernel_text("vector_add.ptx").replace(
        ".address_size 64", ".address_size 64\n.global .bf16 g[2] = {1.0, 2.0};"
    )
    with pytest.raises(PtxParseError, match=r"line 5: initializers of \.bf16 variables"):
        run_ptx(text, "vector_add", 1, 32, [])


def test_unknown_kernel_name() -> None:
    with pytest.raises(PtxParseError, match=r"no \.entry kernel named 'nope'.*vector_add"):
        run_ptx(kernel_text("vector_add.ptx"), "nope", 1, 32, [])


def test_debug_sections_and_line_info_are_skipped() -> None:
    """nvcc -lineinfo appends .file/.loc directives and .section blocks of DWARF bytes."""
    text = kernel_text("vector_add.ptx")
    text = (
        text.replace("ret;", ".loc 1 12 3\n    ret;")
        + """
	.file	1 "/tmp/k.cu"
	.section	.debug_str
	{
$L__info_string0:
.b8 95,90,78,51,0
	}
"""
    )
    module = parse_ptx(text)
    assert list(module.kernels) == ["vector_add"]
    x = np.arange(64, dtype=np.float32)
    out = np.zeros(64, dtype=np.float32)
    run_ptx(text, "vector_add", 1, 64, [x, x, out, 64])
    np.testing.assert_array_equal(out, 2 * x)
