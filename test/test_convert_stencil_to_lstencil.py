"""Tests of `convert-stencil-to-lstencil`: importing xDSL's upstream `stencil` dialect to L0.

The programs are written as xDSL's stencil tests and Devito's xDSL output write them. Every
expected coefficient is derived by hand in a comment, or, in the property test, computed with
the same float64 operations in the same order as the program states them: the importer
folds in float64, so equality is exact.
"""

# ruff: noqa: E501 -- the MLIR programs keep their lines whole, as MLIR files do.

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp

from sparse_stencil.dialects.lstencil import ApplyOp, GridType, StencilOp
from sparse_stencil.errors import StencilError
from sparse_stencil.frontend import parse_module, stencil_from_mlir
from sparse_stencil.passes.convert_stencil_to_lstencil import (
    ConvertStencilToLStencilPass,
    StencilImportError,
)
from sparse_stencil.stencil import Stencil


@dataclass(frozen=True)
class Converted:
    """The L0 function that the pass made from one upstream function."""

    stencil: Stencil
    shape: tuple[int, ...]
    element_type: str
    steps: int


def convert(text: str, dtype: str | None = None) -> dict[str, Converted]:
    """Run the pass on `text`; the L0 result of each function, by function name."""
    module = parse_module(text)
    ConvertStencilToLStencilPass(dtype=dtype).apply(Context(), module)
    module.verify()
    return converted_functions(module)


def converted_functions(module: ModuleOp) -> dict[str, Converted]:
    result: dict[str, Converted] = {}
    for op in module.walk():
        if not isinstance(op, ApplyOp):
            continue
        function = op.parent_op()
        assert isinstance(function, func.FuncOp)
        stencil_op = op.stencil.owner
        assert isinstance(stencil_op, StencilOp)
        grid = op.input.type
        assert isinstance(grid, GridType)
        result[function.sym_name.data] = Converted(
            stencil_op.to_stencil(), grid.dims, str(grid.element_type), op.steps.data
        )
    return result


def refusal(text: str, dtype: str | None = None) -> StencilImportError:
    """The error the pass raises on `text`."""
    module = parse_module(text)
    with pytest.raises(StencilImportError) as caught:
        ConvertStencilToLStencilPass(dtype=dtype).apply(Context(), module)
    return caught.value


def points(stencil: Stencil) -> dict[tuple[int, ...], float]:
    return dict(zip(stencil.offsets, stencil.coefficients, strict=True))


def program_1d(
    body: str,
    name: str = "f",
    field: str = "[-4,20]",
    store: str = "[0], [16]",
    element: str = "f32",
    args: str = "",
    operands: str = "",
) -> str:
    """A 1D program as xDSL's tests write it: load, an apply whose body is `body` (reading
    %x, returning %v), and a store of the box `store` to a field of bounds `field`."""
    field_type = f"!stencil.field<{field}x{element}>"
    temp = f"!stencil.temp<?x{element}>"
    return f"""
func.func @{name}(%in : {field_type}, %out : {field_type}{args}) {{
  %t = stencil.load %in : {field_type} -> {temp}
  %r = stencil.apply(%x = %t : {temp}{operands}) -> ({temp}) {{
{body}
    stencil.return %v : {element}
  }}
  stencil.store %r to %out(<{store}>) : {temp} to {field_type}
  func.return
}}
"""


# --- accepted programs -----------------------------------------------------------------

HEAT_1D = """
builtin.module {
  func.func @heat1d(%in : !stencil.field<?xf64>, %out : !stencil.field<?xf64>) {
    %a = stencil.cast %in : !stencil.field<?xf64> -> !stencil.field<[-4,68]xf64>
    %b = stencil.cast %out : !stencil.field<?xf64> -> !stencil.field<[-4,68]xf64>
    %t = stencil.load %a : !stencil.field<[-4,68]xf64> -> !stencil.temp<[-1,65]xf64>
    %r = stencil.apply(%x = %t : !stencil.temp<[-1,65]xf64>) -> (!stencil.temp<[0,64]xf64>) {
      %w = stencil.access %x[-1] : !stencil.temp<[-1,65]xf64>
      %c = stencil.access %x[0] : !stencil.temp<[-1,65]xf64>
      %e = stencil.access %x[1] : !stencil.temp<[-1,65]xf64>
      %two = arith.constant 2.000000e+00 : f64
      %cc = arith.mulf %two, %c : f64
      %s = arith.addf %w, %e : f64
      %d = arith.subf %s, %cc : f64
      %k = arith.constant 2.500000e-01 : f64
      %v = arith.mulf %d, %k : f64
      %res = stencil.store_result %v : !stencil.result<f64>
      stencil.return %res : !stencil.result<f64>
    }
    stencil.store %r to %b(<[0], [64]>) : !stencil.temp<[0,64]xf64> to !stencil.field<[-4,68]xf64>
    func.return
  }
}
"""


def test_heat_1d_with_casts_and_temp_bounds() -> None:
    # 0.25 * ((w + e) - 2 c): w and e get 0.25, c gets -0.5. The store writes [0, 64) and
    # the radius is 1, so the grid is [-1, 65): 66 points.
    result = convert(HEAT_1D, dtype="f16")["heat1d"]
    assert points(result.stencil) == {(-1,): 0.25, (0,): -0.5, (1,): 0.25}
    assert result.shape == (66,)
    assert result.element_type == "f16"
    assert result.steps == 1


def test_f64_needs_a_storage_type() -> None:
    error = refusal(HEAT_1D)
    assert error.op.name == "func.func"
    assert "computes in f64, which L0 grids cannot store" in str(error)
    assert "convert-stencil-to-lstencil{dtype=f32}" in str(error)


DEVITO_HEAT_2D = """
builtin.module {
  func.func @Kernel(%u_vec0 : !stencil.field<[-2,34]x[-2,18]xf32>, %u_vec1 : !stencil.field<[-2,34]x[-2,18]xf32>, %timers : !llvm.ptr) {
    %0 = func.call @timer_start() : () -> f64
    %time_m = arith.constant 1 : index
    %time_M = arith.constant 8 : index
    %1 = arith.constant 1 : index
    %2 = arith.addi %time_M, %1 : index
    %step = arith.constant 1 : index
    %3, %4 = scf.for %time = %time_m to %2 step %step iter_args(%u_t0 = %u_vec0, %u_t1 = %u_vec1) -> (!stencil.field<[-2,34]x[-2,18]xf32>, !stencil.field<[-2,34]x[-2,18]xf32>) {
      %u_t0_temp = stencil.load %u_t0 : !stencil.field<[-2,34]x[-2,18]xf32> -> !stencil.temp<?x?xf32>
      %u_t1_temp = stencil.apply(%u_t0_blk = %u_t0_temp : !stencil.temp<?x?xf32>) -> (!stencil.temp<?x?xf32>) {
        %h_x = arith.constant 5.000000e-01 : f32
        %5 = arith.constant -2 : i64
        %6 = "math.fpowi"(%h_x, %5) : (f32, i64) -> f32
        %7 = stencil.access %u_t0_blk[-1, 0] : !stencil.temp<?x?xf32>
        %8 = arith.mulf %6, %7 : f32
        %h_x_1 = arith.constant 5.000000e-01 : f32
        %9 = arith.constant -2 : i64
        %10 = "math.fpowi"(%h_x_1, %9) : (f32, i64) -> f32
        %11 = stencil.access %u_t0_blk[1, 0] : !stencil.temp<?x?xf32>
        %12 = arith.mulf %10, %11 : f32
        %13 = arith.constant -2.000000e+00 : f32
        %14 = stencil.access %u_t0_blk[0, 0] : !stencil.temp<?x?xf32>
        %15 = arith.mulf %13, %6 : f32
        %16 = arith.mulf %15, %14 : f32
        %17 = arith.addf %8, %12 : f32
        %18 = arith.addf %17, %16 : f32
        %h_y = arith.constant 2.500000e-01 : f32
        %19 = arith.constant -2 : i64
        %20 = "math.fpowi"(%h_y, %19) : (f32, i64) -> f32
        %21 = stencil.access %u_t0_blk[0, -1] : !stencil.temp<?x?xf32>
        %22 = arith.mulf %20, %21 : f32
        %23 = stencil.access %u_t0_blk[0, 1] : !stencil.temp<?x?xf32>
        %24 = arith.mulf %20, %23 : f32
        %25 = arith.mulf %13, %20 : f32
        %26 = arith.mulf %25, %14 : f32
        %27 = arith.addf %22, %24 : f32
        %28 = arith.addf %27, %26 : f32
        %29 = arith.addf %18, %28 : f32
        %dt = arith.constant 7.812500e-03 : f32
        %30 = arith.mulf %dt, %29 : f32
        %31 = arith.addf %14, %30 : f32
        stencil.return %31 : f32
      }
      stencil.store %u_t1_temp to %u_t1(<[0, 0], [32, 16]>) : !stencil.temp<?x?xf32> to !stencil.field<[-2,34]x[-2,18]xf32>
      scf.yield %u_t1, %u_t0 : !stencil.field<[-2,34]x[-2,18]xf32>, !stencil.field<[-2,34]x[-2,18]xf32>
    }
    %32 = func.call @timer_end(%0) : (f64) -> f64
    "llvm.store"(%32, %timers) <{"ordering" = 0 : i64}> : (f64, !llvm.ptr) -> ()
    func.return
  }
  func.func private @timer_start() -> f64
  func.func private @timer_end(f64) -> f64
}
"""


def test_devito_heat_2d_time_loop_with_fpowi() -> None:
    # u + dt * (h_x**-2 (u[-1,0] + u[1,0] - 2u) + h_y**-2 (u[0,-1] + u[0,1] - 2u)) with
    # h_x = 1/2, h_y = 1/4, dt = 2**-7: h_x**-2 = 4, h_y**-2 = 16, so the x neighbours get
    # 4 * 2**-7 = 1/32, the y neighbours 16 * 2**-7 = 1/8, the centre 1 - 2*(4 + 16)/128.
    result = convert(DEVITO_HEAT_2D)["Kernel"]
    assert points(result.stencil) == {
        (-1, 0): 1 / 32,
        (1, 0): 1 / 32,
        (0, 0): 1 - 40 / 128,
        (0, -1): 1 / 8,
        (0, 1): 1 / 8,
    }
    # The loop runs time = 1 .. 8 inclusive (upper bound time_M + 1 = 9): 8 steps.
    assert result.steps == 8
    # The store writes [0,32)x[0,16); the radius is 1 on both axes.
    assert result.shape == (34, 18)
    assert result.element_type == "f32"


def test_devito_timers_are_dropped_and_declarations_kept() -> None:
    module = parse_module(DEVITO_HEAT_2D)
    ConvertStencilToLStencilPass().apply(Context(), module)
    names = [op.name for op in module.walk()]
    assert "func.call" not in names
    assert "llvm.store" not in names
    assert not any(name.startswith("stencil.") for name in names)
    declarations = [op.sym_name.data for op in module.ops if isinstance(op, func.FuncOp)]
    assert declarations == ["Kernel", "timer_start", "timer_end"]


STAR_3D = """
func.func @star3d(%in : !stencil.field<[-1,9]x[-1,9]x[-1,9]xf16>, %out : !stencil.field<[-1,9]x[-1,9]x[-1,9]xf16>) {
  %t = stencil.load %in : !stencil.field<[-1,9]x[-1,9]x[-1,9]xf16> -> !stencil.temp<?x?x?xf16>
  %r = stencil.apply(%x = %t : !stencil.temp<?x?x?xf16>) -> (!stencil.temp<?x?x?xf16>) {
    %0 = stencil.access %x[-1, 0, 0] : !stencil.temp<?x?x?xf16>
    %1 = stencil.access %x[1, 0, 0] : !stencil.temp<?x?x?xf16>
    %2 = stencil.access %x[0, -1, 0] : !stencil.temp<?x?x?xf16>
    %3 = stencil.access %x[0, 1, 0] : !stencil.temp<?x?x?xf16>
    %4 = stencil.access %x[0, 0, -1] : !stencil.temp<?x?x?xf16>
    %5 = stencil.access %x[0, 0, 1] : !stencil.temp<?x?x?xf16>
    %e0 = arith.extf %0 : f16 to f32
    %e1 = arith.extf %1 : f16 to f32
    %e2 = arith.extf %2 : f16 to f32
    %e3 = arith.extf %3 : f16 to f32
    %e4 = arith.extf %4 : f16 to f32
    %e5 = arith.extf %5 : f16 to f32
    %s0 = arith.addf %e0, %e1 : f32
    %s1 = arith.addf %s0, %e2 : f32
    %s2 = arith.addf %s1, %e3 : f32
    %s3 = arith.addf %s2, %e4 : f32
    %s4 = arith.addf %s3, %e5 : f32
    %six = arith.constant 6 : i32
    %sixf = arith.sitofp %six : i32 to f32
    %mean = arith.divf %s4, %sixf : f32
    %v = arith.truncf %mean : f32 to f16
    stencil.return %v : f16
  }
  stencil.store %r to %out(<[0, 0, 0], [8, 8, 8]>) : !stencil.temp<?x?x?xf16> to !stencil.field<[-1,9]x[-1,9]x[-1,9]xf16>
  func.return
}
"""


def test_star_3d_in_f16_computed_in_f32_divided_by_a_cast_constant() -> None:
    # (sum of the six neighbours) / sitofp(6): each gets 1.0 / 6.0 in float64.
    result = convert(STAR_3D)["star3d"]
    neighbours = [(-1, 0, 0), (1, 0, 0), (0, -1, 0), (0, 1, 0), (0, 0, -1), (0, 0, 1)]
    assert points(result.stencil) == dict.fromkeys(neighbours, 1.0 / 6.0)
    assert result.shape == (10, 10, 10)
    assert result.element_type == "f16"


BUFFERED_2D = """
func.func @buffered(%in : !stencil.field<[-2,10]x[-2,10]xf32>, %out : !stencil.field<[-2,10]x[-2,10]xf32>) {
  stencil.apply(%x = %in : !stencil.field<[-2,10]x[-2,10]xf32>) outs (%out : !stencil.field<[-2,10]x[-2,10]xf32>) {
    %a = stencil.access %x[0, -2] : !stencil.field<[-2,10]x[-2,10]xf32>
    %b = stencil.access %x[0, 2] : !stencil.field<[-2,10]x[-2,10]xf32>
    %c = stencil.access %x[0, 0] : !stencil.field<[-2,10]x[-2,10]xf32>
    %s = arith.addf %a, %b : f32
    %n = arith.negf %c : f32
    %v = arith.addf %s, %n : f32
    stencil.return %v : f32
  } to <[0, 0], [8, 8]>
  func.return
}
"""


def test_apply_with_destination_fields() -> None:
    # a + b + (-c); the apply writes [0,8)x[0,8); radii (0, 2) widen only axis 1.
    result = convert(BUFFERED_2D)["buffered"]
    assert points(result.stencil) == {(0, -2): 1.0, (0, 2): 1.0, (0, 0): -1.0}
    assert result.shape == (8, 12)


CONSTANT_CASTS = program_1d(
    """\
    %tenth = arith.constant 1.000000e-01 : f64
    %narrow = arith.truncf %tenth : f64 to f16
    %wide = arith.extf %narrow : f16 to f32
    %three = arith.constant 3 : i8
    %threef = arith.uitofp %three : i8 to f32
    %big = arith.constant -1 : i8
    %bigf = arith.uitofp %big : i8 to f32
    %k = arith.mulf %wide, %threef : f32
    %a = stencil.access %x[1] : !stencil.temp<?xf32>
    %b = stencil.access %x[-1] : !stencil.temp<?xf32>
    %ka = arith.mulf %k, %a : f32
    %bb = arith.mulf %b, %bigf : f32
    %zero = arith.constant 0.000000e+00 : f32
    %v0 = arith.addf %ka, %bb : f32
    %v = arith.addf %zero, %v0 : f32""",
    name="casts",
)


def test_casts_of_constants_round_as_the_program_does() -> None:
    # truncf rounds 0.1 to f16 (numpy's float16 conversion is correctly rounded), extf is
    # exact, uitofp of i8 3 is 3.0 and of i8 -1 (bit pattern 255) is 255.0; the product
    # %k is rounded to f32 as the program computes it; adding 0.0 leaves the form linear.
    result = convert(CONSTANT_CASTS)["casts"]
    k = float(np.float32(float(np.float16(0.1)) * 3.0))
    assert points(result.stencil) == {(1,): k, (-1,): 255.0}


def test_products_of_constants_round_to_their_type() -> None:
    # The program computes 0.1 * 3 in f32: f32(0.1) = 13421773 * 2**-27 times 3 needs 26
    # significant bits, so the f32 product differs from the float64 one.
    body = (
        "    %a = stencil.access %x[1] : !stencil.temp<?xf32>\n"
        "    %tenth = arith.constant 1.000000e-01 : f32\n"
        "    %three = arith.constant 3.000000e+00 : f32\n"
        "    %k = arith.mulf %tenth, %three : f32\n"
        "    %v = arith.mulf %k, %a : f32"
    )
    product = np.float32(0.1) * np.float32(3.0)
    assert float(product) != float(np.float32(0.1)) * 3.0
    assert points(convert(program_1d(body))["f"].stencil) == {(1,): float(product)}


MATH_OF_CONSTANTS = program_1d(
    """\
    %quarter = arith.constant 2.500000e-01 : f32
    %two = arith.constant 2.000000e+00 : f32
    %minus3 = arith.constant -3.000000e+00 : f32
    %cube = arith.constant -6.400000e+01 : f32
    %root = math.sqrt %quarter : f32
    %pow = math.powf %two, %minus3 : f32
    %cbrt = math.cbrt %cube : f32
    %abs = math.absf %minus3 : f32
    %a = stencil.access %x[-2] : !stencil.temp<?xf32>
    %b = stencil.access %x[-1] : !stencil.temp<?xf32>
    %c = stencil.access %x[1] : !stencil.temp<?xf32>
    %d = stencil.access %x[2] : !stencil.temp<?xf32>
    %ta = arith.mulf %root, %a : f32
    %tb = arith.mulf %pow, %b : f32
    %tc = arith.mulf %cbrt, %c : f32
    %td = arith.mulf %abs, %d : f32
    %s0 = arith.addf %ta, %tb : f32
    %s1 = arith.addf %s0, %tc : f32
    %v = arith.addf %s1, %td : f32""",
    name="math",
)


def test_math_functions_of_constants_fold() -> None:
    # sqrt(1/4) = 1/2, powf(2, -3) = 1/8, cbrt(-64) = -4, absf(-3) = 3: all exact (the
    # cube root of a power of two is exact even in a libm whose cbrt is not correctly
    # rounded, such as glibc's, where cbrt(27) = 3 + 2**-51).
    result = convert(MATH_OF_CONSTANTS)["math"]
    assert points(result.stencil) == {(-2,): 0.5, (-1,): 0.125, (1,): -4.0, (2,): 3.0}


def test_a_second_store_of_another_value_is_refused() -> None:
    # Copying the input to a second field is an effect the L0 function could not keep.
    text = wrap_1d("    %v = arith.addf %a, %b : f32").replace(
        "  func.return",
        "  stencil.store %t to %in(<[0], [16]>) : !stencil.temp<?xf32> to !stencil.field<[-4,20]xf32>\n"
        "  func.return",
    )
    error = refusal(text)
    assert error.op.name == "stencil.store"
    assert error.reason == (
        "@f writes a second field; the importer takes one stencil.apply and its one store "
        "per function"
    )


CANCELLING = program_1d(
    """\
    %far = stencil.access %x[2] : !stencil.temp<?xf32>
    %near = stencil.access %x[-1] : !stencil.temp<?xf32>
    %s = arith.addf %far, %near : f32
    %v = arith.subf %s, %far : f32
    %unused = arith.mulf %far, %near : f32""",
    name="cancel",
)


def test_cancelled_offsets_and_dead_ops_are_dropped() -> None:
    # (far + near) - far leaves near alone, so the radius is 1, not 2, and the store's
    # [0,16) widens to 18 points; the product that the return does not use is never
    # looked at.
    result = convert(CANCELLING)["cancel"]
    assert points(result.stencil) == {(-1,): 1.0}
    assert result.shape == (18,)


def test_every_function_with_an_apply_is_converted() -> None:
    text = f"builtin.module {{\n{STAR_3D}\n{BUFFERED_2D}\n}}"
    result = convert(text)
    assert set(result) == {"star3d", "buffered"}
    assert result["buffered"].shape == (8, 12)


def test_module_without_upstream_stencils_is_unchanged() -> None:
    text = Stencil({(0,): 0.5, (1,): 0.5}).to_mlir((16,), "float32", 3)
    module = parse_module(text)
    before = str(module)
    ConvertStencilToLStencilPass().apply(Context(), module)
    assert str(module) == before


def test_dtype_option_overrides_the_element_type() -> None:
    assert convert(DEVITO_HEAT_2D, dtype="bf16")["Kernel"].element_type == "bf16"


def test_unknown_dtype_option_is_refused() -> None:
    module = parse_module(DEVITO_HEAT_2D)
    with pytest.raises(StencilError, match=r"^unsupported dtype 'f64'"):
        ConvertStencilToLStencilPass(dtype="f64").apply(Context(), module)


def test_pass_is_registered_for_the_pipeline() -> None:
    from sparse_stencil.universe import PASSES

    assert PASSES["convert-stencil-to-lstencil"]() is ConvertStencilToLStencilPass


# --- programs written as xDSL's stencil tests and Devito's output write them -----------

XDSL_LAPLACE_2D = """
func.func private @laplace2d(%in : !stencil.field<?x?xf64>, %out : !stencil.field<?x?xf64>) {
  %in_sized = stencil.cast %in : !stencil.field<?x?xf64> -> !stencil.field<[-4,68]x[-4,68]xf64>
  %out_sized = stencil.cast %out : !stencil.field<?x?xf64> -> !stencil.field<[-4,68]x[-4,68]xf64>
  %t = stencil.load %in_sized : !stencil.field<[-4,68]x[-4,68]xf64> -> !stencil.temp<[-1,65]x[-1,65]xf64>
  %r = stencil.apply(%x = %t : !stencil.temp<[-1,65]x[-1,65]xf64>) -> (!stencil.temp<[0,64]x[0,64]xf64>) {
    %north = stencil.access %x[-1, 0] : !stencil.temp<[-1,65]x[-1,65]xf64>
    %south = stencil.access %x[1, 0] : !stencil.temp<[-1,65]x[-1,65]xf64>
    %east = stencil.access %x[0, 1] : !stencil.temp<[-1,65]x[-1,65]xf64>
    %west = stencil.access %x[0, -1] : !stencil.temp<[-1,65]x[-1,65]xf64>
    %centre = stencil.access %x[0, 0] : !stencil.temp<[-1,65]x[-1,65]xf64>
    %ns = arith.addf %north, %south : f64
    %ew = arith.addf %east, %west : f64
    %sum = arith.addf %ns, %ew : f64
    %minus4 = arith.constant -4.000000e+00 : f64
    %scaled = arith.mulf %centre, %minus4 : f64
    %v = arith.addf %sum, %scaled : f64
    stencil.return %v : f64
  }
  stencil.store %r to %out_sized(<[0, 0], [64, 64]>) : !stencil.temp<[0,64]x[0,64]xf64> to !stencil.field<[-4,68]x[-4,68]xf64>
  func.return
}
"""


def test_xdsl_laplace_2d_with_casts_from_dynamic_fields() -> None:
    # The four neighbours get 1, the centre -4. The store writes [0,64)x[0,64) and the
    # radius is 1: a 66x66 grid, inside the cast fields [-4,68)x[-4,68).
    laplacian = {(-1, 0): 1.0, (1, 0): 1.0, (0, 1): 1.0, (0, -1): 1.0, (0, 0): -4.0}
    assert points(stencil_from_mlir(XDSL_LAPLACE_2D)) == laplacian
    result = convert(XDSL_LAPLACE_2D, dtype="f32")["laplace2d"]
    assert points(result.stencil) == laplacian
    assert (result.shape, result.element_type, result.steps) == ((66, 66), "f32", 1)


def test_xdsl_laplace_written_as_a_product_is_refused() -> None:
    # xDSL's stencil_ops test multiplies (-4 * centre) by the neighbour sum, a product of
    # accessed values: refused at that mulf.
    text = XDSL_LAPLACE_2D.replace(
        "%v = arith.addf %sum, %scaled : f64", "%v = arith.mulf %scaled, %ew : f64"
    )
    error = refusal(text, dtype="f32")
    assert error.op.name == "arith.mulf"
    assert error.reason == "nonlinear stencil: arith.mulf multiplies two accessed values"


XDSL_LAPLACE_3D_FROM_MEMREFS = """
func.func @hdiff_laplace(%in : memref<?x?x?xf64>, %out : memref<?x?x?xf64>) {
  %fin = stencil.external_load %in : memref<?x?x?xf64> -> !stencil.field<?x?x?xf64>
  %fout = stencil.external_load %out : memref<?x?x?xf64> -> !stencil.field<?x?x?xf64>
  %a = stencil.cast %fin : !stencil.field<?x?x?xf64> -> !stencil.field<[-4,68]x[-4,68]x[-4,68]xf64>
  %b = stencil.cast %fout : !stencil.field<?x?x?xf64> -> !stencil.field<[-4,68]x[-4,68]x[-4,68]xf64>
  %t = stencil.load %a : !stencil.field<[-4,68]x[-4,68]x[-4,68]xf64> -> !stencil.temp<[-1,65]x[-1,65]x[0,64]xf64>
  %r = stencil.apply(%x = %t : !stencil.temp<[-1,65]x[-1,65]x[0,64]xf64>) -> (!stencil.temp<[0,64]x[0,64]x[0,64]xf64>) {
    %w = stencil.access %x[-1, 0, 0] : !stencil.temp<[-1,65]x[-1,65]x[0,64]xf64>
    %e = stencil.access %x[1, 0, 0] : !stencil.temp<[-1,65]x[-1,65]x[0,64]xf64>
    %n = stencil.access %x[0, 1, 0] : !stencil.temp<[-1,65]x[-1,65]x[0,64]xf64>
    %s = stencil.access %x[0, -1, 0] : !stencil.temp<[-1,65]x[-1,65]x[0,64]xf64>
    %c = stencil.access %x[0, 0, 0] : !stencil.temp<[-1,65]x[-1,65]x[0,64]xf64>
    %we = arith.addf %w, %e : f64
    %ns = arith.addf %n, %s : f64
    %sum = arith.addf %we, %ns : f64
    %m4 = arith.constant -4.000000e+00 : f64
    %c4 = arith.mulf %c, %m4 : f64
    %v = arith.addf %c4, %sum : f64
    %res = stencil.store_result %v : !stencil.result<f64>
    stencil.return %res : !stencil.result<f64>
  }
  stencil.store %r to %b(<[0, 0, 0], [64, 64, 64]>) : !stencil.temp<[0,64]x[0,64]x[0,64]xf64> to !stencil.field<[-4,68]x[-4,68]x[-4,68]xf64>
  func.return
}
"""


def test_xdsl_3d_laplace_from_dynamic_memrefs() -> None:
    # hdiff's horizontal Laplacian: a 2D star on a 3D grid, so the radius is 0 on the
    # innermost axis and only the two outer axes widen: 66x66x64. The fields come from
    # memrefs of unknown shape through external_load and cast.
    result = convert(XDSL_LAPLACE_3D_FROM_MEMREFS, dtype="f16")["hdiff_laplace"]
    star = {(-1, 0, 0): 1.0, (1, 0, 0): 1.0, (0, 1, 0): 1.0, (0, -1, 0): 1.0, (0, 0, 0): -4.0}
    assert points(result.stencil) == star
    assert (result.shape, result.element_type, result.steps) == ((66, 66, 64), "f16", 1)


XDSL_JACOBI_3D_GENERIC = """
func.func @jacobi3d(%a : memref<34x18x10xf32>, %b : memref<34x18x10xf32>) {
  %0 = "stencil.external_load"(%a) : (memref<34x18x10xf32>) -> !stencil.field<[-1,33]x[-1,17]x[-1,9]xf32>
  %1 = "stencil.load"(%0) : (!stencil.field<[-1,33]x[-1,17]x[-1,9]xf32>) -> !stencil.temp<[-1,33]x[-1,17]x[-1,9]xf32>
  %2 = "stencil.external_load"(%b) : (memref<34x18x10xf32>) -> !stencil.field<[-1,33]x[-1,17]x[-1,9]xf32>
  %3 = "stencil.apply"(%1) <{operandSegmentSizes = array<i32: 1, 0>}> ({
  ^bb0(%4 : !stencil.temp<[-1,33]x[-1,17]x[-1,9]xf32>):
    %5 = arith.constant 1.666600e-01 : f32
    %6 = "stencil.access"(%4) {offset = #stencil.index<[1, 0, 0]>} : (!stencil.temp<[-1,33]x[-1,17]x[-1,9]xf32>) -> f32
    %7 = "stencil.access"(%4) {offset = #stencil.index<[-1, 0, 0]>} : (!stencil.temp<[-1,33]x[-1,17]x[-1,9]xf32>) -> f32
    %8 = "stencil.access"(%4) {offset = #stencil.index<[0, 1, 0]>} : (!stencil.temp<[-1,33]x[-1,17]x[-1,9]xf32>) -> f32
    %9 = "stencil.access"(%4) {offset = #stencil.index<[0, -1, 0]>} : (!stencil.temp<[-1,33]x[-1,17]x[-1,9]xf32>) -> f32
    %10 = "stencil.access"(%4) {offset = #stencil.index<[0, 0, 1]>} : (!stencil.temp<[-1,33]x[-1,17]x[-1,9]xf32>) -> f32
    %11 = "stencil.access"(%4) {offset = #stencil.index<[0, 0, -1]>} : (!stencil.temp<[-1,33]x[-1,17]x[-1,9]xf32>) -> f32
    %12 = arith.addf %11, %10 : f32
    %13 = arith.addf %12, %9 : f32
    %14 = arith.addf %13, %8 : f32
    %15 = arith.addf %14, %7 : f32
    %16 = arith.addf %15, %6 : f32
    %17 = arith.mulf %16, %5 : f32
    "stencil.return"(%17) : (f32) -> ()
  }) : (!stencil.temp<[-1,33]x[-1,17]x[-1,9]xf32>) -> !stencil.temp<[0,32]x[0,16]x[0,8]xf32>
  "stencil.store"(%3, %2) {bounds = #stencil.bounds<[0, 0, 0], [32, 16, 8]>} : (!stencil.temp<[0,32]x[0,16]x[0,8]xf32>, !stencil.field<[-1,33]x[-1,17]x[-1,9]xf32>) -> ()
  func.return
}
"""


def test_xdsl_generic_3d_jacobi_on_external_memrefs() -> None:
    # Generic syntax, fields loaded from memref arguments: each neighbour gets the f32
    # constant 0.16666 as xDSL holds it. The store writes [0,32)x[0,16)x[0,8), radius 1.
    result = convert(XDSL_JACOBI_3D_GENERIC)["jacobi3d"]
    neighbours = [(1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1)]
    assert points(result.stencil) == dict.fromkeys(neighbours, float(np.float32(0.16666)))
    assert (result.shape, result.element_type, result.steps) == ((34, 18, 10), "f32", 1)


def devito_axis(axis: str, offsets: tuple[str, str, str, str], h: str) -> str:
    """One axis of Devito's fourth-order Laplacian: 4/3, -1/12 and -5/2 times h**-2."""
    temp = "!stencil.temp<?x?x?xf32>"
    m1, p1, m2, p2 = offsets
    return f"""\
        %h_{axis} = arith.constant {h} : f32
        %m2_{axis} = arith.constant -2 : i64
        %r_{axis} = "math.fpowi"(%h_{axis}, %m2_{axis}) : (f32, i64) -> f32
        %c1_{axis} = arith.mulf %c1, %r_{axis} : f32
        %um1_{axis} = stencil.access %blk[{m1}] : {temp}
        %t1_{axis} = arith.mulf %c1_{axis}, %um1_{axis} : f32
        %up1_{axis} = stencil.access %blk[{p1}] : {temp}
        %t2_{axis} = arith.mulf %c1_{axis}, %up1_{axis} : f32
        %c0_{axis} = arith.mulf %c0, %r_{axis} : f32
        %t3_{axis} = arith.mulf %c0_{axis}, %u : f32
        %c2_{axis} = arith.mulf %c2, %r_{axis} : f32
        %um2_{axis} = stencil.access %blk[{m2}] : {temp}
        %t4_{axis} = arith.mulf %c2_{axis}, %um2_{axis} : f32
        %up2_{axis} = stencil.access %blk[{p2}] : {temp}
        %t5_{axis} = arith.mulf %c2_{axis}, %up2_{axis} : f32
        %s1_{axis} = arith.addf %t1_{axis}, %t2_{axis} : f32
        %s2_{axis} = arith.addf %s1_{axis}, %t3_{axis} : f32
        %s3_{axis} = arith.addf %s2_{axis}, %t4_{axis} : f32
        %lap_{axis} = arith.addf %s3_{axis}, %t5_{axis} : f32"""


FIELD_3D = "!stencil.field<[-2,18]x[-2,14]x[-2,10]xf32>"

DEVITO_HEAT_3D = f"""
builtin.module {{
  func.func @Kernel(%u_vec0 : {FIELD_3D}, %u_vec1 : {FIELD_3D}, %timers : !llvm.ptr) {{
    %0 = func.call @timer_start() : () -> f64
    %time_m = arith.constant 0 : index
    %time_M = arith.constant 4 : index
    %1 = arith.constant 1 : index
    %2 = arith.addi %time_M, %1 : index
    %step = arith.constant 1 : index
    %3, %4 = scf.for %time = %time_m to %2 step %step iter_args(%u_t0 = %u_vec0, %u_t1 = %u_vec1) -> ({FIELD_3D}, {FIELD_3D}) {{
      %u_t0_temp = stencil.load %u_t0 : {FIELD_3D} -> !stencil.temp<?x?x?xf32>
      %u_t1_temp = stencil.apply(%blk = %u_t0_temp : !stencil.temp<?x?x?xf32>) -> (!stencil.temp<?x?x?xf32>) {{
        %dt = arith.constant 7.812500e-03 : f32
        %m1 = arith.constant -1 : i64
        %rdt = "math.fpowi"(%dt, %m1) : (f32, i64) -> f32
        %u = stencil.access %blk[0, 0, 0] : !stencil.temp<?x?x?xf32>
        %now = arith.mulf %rdt, %u : f32
        %c1 = arith.constant 1.3333333333e+00 : f32
        %c2 = arith.constant -8.3333333333e-02 : f32
        %c0 = arith.constant -2.500000e+00 : f32
{devito_axis("x", ("-1, 0, 0", "1, 0, 0", "-2, 0, 0", "2, 0, 0"), "5.000000e-01")}
{devito_axis("y", ("0, -1, 0", "0, 1, 0", "0, -2, 0", "0, 2, 0"), "5.000000e-01")}
{devito_axis("z", ("0, 0, -1", "0, 0, 1", "0, 0, -2", "0, 0, 2"), "2.500000e-01")}
        %lap_xy = arith.addf %lap_x, %lap_y : f32
        %lap = arith.addf %lap_xy, %lap_z : f32
        %a = arith.constant 5.000000e-01 : f32
        %diffusion = arith.mulf %lap, %a : f32
        %sum = arith.addf %now, %diffusion : f32
        %dt_1 = arith.constant 7.812500e-03 : f32
        %next = arith.mulf %sum, %dt_1 : f32
        stencil.return %next : f32
      }}
      stencil.store %u_t1_temp to %u_t1(<[0, 0, 0], [16, 12, 8]>) : !stencil.temp<?x?x?xf32> to {FIELD_3D}
      scf.yield %u_t1, %u_t0 : {FIELD_3D}, {FIELD_3D}
    }}
    %5 = func.call @timer_end(%0) : (f64) -> f64
    "llvm.store"(%5, %timers) <{{"ordering" = 0 : i64}}> : (f64, !llvm.ptr) -> ()
    func.return
  }}
  func.func private @timer_start() -> f64
  func.func private @timer_end(f64) -> f64
}}
"""


def test_devito_heat_3d_fourth_order_in_a_time_loop() -> None:
    # Devito's u.forward = dt * (u / dt + a * laplace(u)), space order 4, with a = 1/2,
    # dt = 2**-7 (so dt**-1 = 128), h_x = h_y = 1/2 and h_z = 1/4 (h**-2 = 4 and 16).
    # The weight products c * h**-2 are f32 products of an f32 constant and a power of two,
    # so exact; the later scalings by a and dt are powers of two too. Hence each arm gets
    # c * h**-2 * 2**-8 with c = f32(4/3) at distance 1 and f32(-1/12) at distance 2, and
    # the centre (128 + (-5/2) * (4 + 4 + 16) / 2) / 128 = 98/128.
    near, far = float(np.float32(1.3333333333)), float(np.float32(-8.3333333333e-02))
    expected = {(0, 0, 0): 98 / 128}
    for axis, scale in ((0, 4.0), (1, 4.0), (2, 16.0)):
        for distance, c in ((1, near), (2, far)):
            for sign in (-1, 1):
                offset = tuple(sign * distance if a == axis else 0 for a in range(3))
                expected[offset] = c * scale * 2.0**-8
    result = convert(DEVITO_HEAT_3D)["Kernel"]
    assert points(result.stencil) == expected
    # time = 0 .. time_M = 4 inclusive: 5 steps; the store writes [0,16)x[0,12)x[0,8) and
    # the radius is 2 on every axis.
    assert (result.shape, result.element_type, result.steps) == ((20, 16, 12), "f32", 5)


UNREAD_INPUT = """
func.func @scaled(%u : !stencil.field<[0,16]xf32>, %w : !stencil.field<[-1,17]xf32>, %out : !stencil.field<[-1,17]xf32>) {
  %quarter = arith.constant 2.500000e-01 : f32
  %two = arith.constant 2.000000e+00 : f32
  %k = arith.mulf %quarter, %two : f32
  %tu = stencil.load %u : !stencil.field<[0,16]xf32> -> !stencil.temp<?xf32>
  %tw = stencil.load %w : !stencil.field<[-1,17]xf32> -> !stencil.temp<?xf32>
  %r = stencil.apply(%a = %tu : !stencil.temp<?xf32>, %b = %tw : !stencil.temp<?xf32>, %c = %k : f32) -> (!stencil.temp<?xf32>) {
    %l = stencil.access %b[-1] : !stencil.temp<?xf32>
    %h = stencil.access %b[1] : !stencil.temp<?xf32>
    %s = arith.addf %l, %h : f32
    %v = arith.mulf %c, %s : f32
    stencil.return %v : f32
  }
  stencil.store %r to %out(<[0], [16]>) : !stencil.temp<?xf32> to !stencil.field<[-1,17]xf32>
  func.return
}
"""


def test_unread_input_is_ignored_and_constant_operands_fold() -> None:
    # Only %b (from %w) is read; %u's field could not hold the grid [-1,17), so a wrong
    # choice of field would be refused. %c is 0.25 * 2 computed outside the apply: 0.5.
    result = convert(UNREAD_INPUT)["scaled"]
    assert points(result.stencil) == {(-1,): 0.5, (1,): 0.5}
    assert result.shape == (18,)


# --- refused programs ------------------------------------------------------------------


def wrap_1d(body: str, args: str = "", operands: str = "") -> str:
    """A 1D f32 program whose apply body reads %a = %x[-1] and %b = %x[1], then does `body`."""
    accesses = (
        "    %a = stencil.access %x[-1] : !stencil.temp<?xf32>\n"
        "    %b = stencil.access %x[1] : !stencil.temp<?xf32>\n"
    )
    return program_1d(accesses + body, args=args, operands=operands)


SUPPORTED = (
    " (expected arith constants, addf, subf, negf, mulf and divf by constants, casts, "
    "math functions of constants)"
)

NONLINEAR_BODIES = {
    "product": (
        "    %v = arith.mulf %a, %b : f32",
        "%v = arith.mulf %a, %b : f32",
        "nonlinear stencil: arith.mulf multiplies two accessed values",
    ),
    "division by a read value": (
        "    %v = arith.divf %a, %b : f32",
        "%v = arith.divf %a, %b : f32",
        "nonlinear stencil: arith.divf divides by an accessed value",
    ),
    "math of a read value": (
        "    %v = math.sqrt %a : f32",
        "%v = math.sqrt %a : f32",
        "nonlinear stencil: math.sqrt of an accessed value",
    ),
    "power of a read value": (
        "    %two = arith.constant 2 : i32\n    %v = math.fpowi %a, %two : f32, i32",
        "%v = math.fpowi %a, %two : f32, i32",
        "nonlinear stencil: math.fpowi of an accessed value",
    ),
    "affine": (
        "    %one = arith.constant 1.000000e+00 : f32\n    %v = arith.addf %a, %one : f32",
        "%v = arith.addf %a, %one : f32",
        "affine stencil: arith.addf adds the constant 1.0 to accessed values; "
        "only linear stencils are supported",
    ),
    "comparison": (
        "    %c = arith.cmpf ogt, %a, %b : f32\n    %v = arith.select %c, %a, %b : f32",
        "%c = arith.cmpf ogt, %a, %b : f32",
        "nonlinear stencil: the body compares values (arith.cmpf)",
    ),
    "call": (
        "    %v = func.call @g(%a) : (f32) -> f32",
        "%v = func.call @g(%a) : (f32) -> f32",
        "nonlinear stencil: the body calls @g, which the importer cannot see through",
    ),
    "unsupported op": (
        "    %v = arith.maxnumf %a, %b : f32",
        "%v = arith.maxnumf %a, %b : f32",
        "arith.maxnumf is not supported in a linear stencil body" + SUPPORTED,
    ),
    "nan constant": (
        "    %nan = arith.constant 0x7FC00000 : f32\n    %v = arith.mulf %nan, %a : f32",
        "%nan = arith.constant 0x7FC00000 : f32",
        "arith.constant yields nan; stencil coefficients must be finite",
    ),
    "constant overflowing its type": (
        # The program computes 1e30 * 1e30 in f32, where it overflows (f32 ends near 3.4e38);
        # the message shows the exact product of the two f32 constants.
        "    %big = arith.constant 1.000000e+30 : f32\n"
        "    %e60 = arith.mulf %big, %big : f32\n"
        "    %v = arith.mulf %e60, %a : f32",
        "%e60 = arith.mulf %big, %big : f32",
        f"arith.mulf yields {float(np.float32(1e30)) ** 2!r}, which overflows f32; "
        "stencil coefficients must be finite",
    ),
    "division by zero": (
        "    %zero = arith.constant 0.000000e+00 : f32\n    %v = arith.divf %a, %zero : f32",
        "%v = arith.divf %a, %zero : f32",
        "arith.divf divides by zero; stencil coefficients must be finite",
    ),
    "undefined math": (
        "    %m = arith.constant -1.000000e+00 : f32\n"
        "    %s = math.sqrt %m : f32\n"
        "    %v = arith.mulf %s, %a : f32",
        "%s = math.sqrt %m : f32",
        "math.sqrt(-1.0) is undefined or overflows",
    ),
    "constant result": (
        "    %v = arith.constant 1.000000e+00 : f32",
        "stencil.return %v : f32",
        "the stencil returns a constant, not a combination of accessed values",
    ),
    "everything cancels": (
        "    %v = arith.subf %a, %a : f32",
        "stencil.return %v : f32",
        "every coefficient of the stencil cancels to zero",
    ),
    "dynamic access": (
        "    %i = stencil.index 0 <[0]>\n"
        "    %v = stencil.dyn_access %x[%i] in <[-1]> : <[1]> : !stencil.temp<?xf32>",
        "%i = stencil.index 0 <[0]>",
        "stencil.index is not supported in a linear stencil body" + SUPPORTED,
    ),
    "vector constant": (
        "    %c = arith.constant dense<2.000000e+00> : vector<2xf32>\n"
        "    %e = vector.extract %c[0] : f32 from vector<2xf32>\n"
        "    %v = arith.mulf %e, %a : f32",
        "%c = arith.constant dense<2.000000e+00> : vector<2xf32>",
        "arith.constant of vector<2xf32> is not supported; use scalar constants",
    ),
    "radius over the limit": (
        "    %far = stencil.access %x[9] : !stencil.temp<?xf32>\n"
        "    %v = arith.addf %a, %far : f32",
        "%far = stencil.access %x[9] : !stencil.temp<?xf32>",
        "offset [9] exceeds the supported radius 8",
    ),
}

NONLINEAR_DECLARATION = "func.func private @g(f32) -> f32\n"


def test_coefficient_overflowing_float64_is_refused() -> None:
    # 1e300 * (1e300 * x[-1]): each constant is finite, the coefficient 1e600 is not.
    body = (
        "    %a = stencil.access %x[-1] : !stencil.temp<?xf64>\n"
        "    %big = arith.constant 1.000000e+300 : f64\n"
        "    %p = arith.mulf %big, %a : f64\n"
        "    %v = arith.mulf %p, %big : f64"
    )
    error = refusal(program_1d(body, element="f64"), dtype="f32")
    assert error.op.name == "arith.mulf"
    assert error.reason == "arith.mulf yields inf; stencil coefficients must be finite"


def test_constant_overflowing_f16_in_the_program_is_refused() -> None:
    # 300 * 300 = 90000 is beyond f16's largest finite value 65504, so the program's own
    # f16 product is inf, although float64 holds it.
    body = (
        "    %a = stencil.access %x[-1] : !stencil.temp<?xf16>\n"
        "    %k = arith.constant 3.000000e+02 : f16\n"
        "    %kk = arith.mulf %k, %k : f16\n"
        "    %v = arith.mulf %kk, %a : f16"
    )
    error = refusal(program_1d(body, element="f16"))
    assert error.op.name == "arith.mulf"
    assert error.reason == (
        "arith.mulf yields 90000.0, which overflows f16; stencil coefficients must be finite"
    )


@pytest.mark.parametrize("case", NONLINEAR_BODIES)
def test_nonlinear_bodies_are_refused_at_the_offending_op(case: str) -> None:
    body, offending, message = NONLINEAR_BODIES[case]
    text = NONLINEAR_DECLARATION + wrap_1d(body)
    error = refusal(text)
    words = offending.split()
    assert error.op.name == (words[2] if offending.startswith("%") else words[0])
    assert error.reason == message
    # The frontend names the same op by its place in the text and quotes its line.
    lines = text.splitlines()
    (line,) = [n for n, source in enumerate(lines, start=1) if source.strip() == offending]
    column = len(lines[line - 1]) - len(lines[line - 1].lstrip()) + 1
    with pytest.raises(StencilError) as caught:
        stencil_from_mlir(text)
    assert str(caught.value) == f"<input>:{line}:{column}: {message} (`{offending}`)"


def test_runtime_scalar_is_refused() -> None:
    # As in xDSL's stencil_apply_float_arg test: a float passed into the apply and used as
    # a factor is not a constant.
    body = "    %v = arith.mulf %k, %a : f32"
    text = wrap_1d(body, args=", %s : f32", operands=", %k = %s : f32")
    error = refusal(text)
    assert error.op.name == "arith.mulf"
    assert "uses argument #1 of stencil.apply directly: a runtime value" in str(error)


def test_second_input_is_refused() -> None:
    # Devito's wave equation reads u at two time levels: two inputs, which L0 cannot hold.
    body = "    %c = stencil.access %y[0] : !stencil.temp<?xf32>\n    %v = arith.addf %a, %c : f32"
    text = wrap_1d(body, operands=", %y = %t : !stencil.temp<?xf32>")
    error = refusal(text)
    assert error.op.name == "stencil.access"
    assert "reads arguments #0 and #1 of stencil.apply; L0 stencils read one grid" in str(error)


def test_lower_rank_access_is_refused() -> None:
    text = """
func.func @m(%in : !stencil.field<[-4,68]xf64>, %out : !stencil.field<[-4,68]x[-4,68]xf64>) {
  %t = stencil.load %in : !stencil.field<[-4,68]xf64> -> !stencil.temp<?xf64>
  %r = stencil.apply(%x = %t : !stencil.temp<?xf64>) -> (!stencil.temp<?x?xf64>) {
    %v = stencil.access %x[0, _] : !stencil.temp<?xf64>
    stencil.return %v : f64
  }
  stencil.store %r to %out(<[0, 0], [64, 64]>) : !stencil.temp<?x?xf64> to !stencil.field<[-4,68]x[-4,68]xf64>
  func.return
}
"""
    error = refusal(text, dtype="f32")
    assert error.op.name == "stencil.access"
    assert "offset mapping (a lower-rank input) is not supported" in str(error)


def test_two_applies_in_one_function_are_refused() -> None:
    text = """
func.func @two(%in : !stencil.field<[-4,20]xf32>, %out : !stencil.field<[-4,20]xf32>) {
  %t = stencil.load %in : !stencil.field<[-4,20]xf32> -> !stencil.temp<?xf32>
  %r = stencil.apply(%x = %t : !stencil.temp<?xf32>) -> (!stencil.temp<?xf32>) {
    %a = stencil.access %x[-1] : !stencil.temp<?xf32>
    stencil.return %a : f32
  }
  %s = stencil.apply(%x = %r : !stencil.temp<?xf32>) -> (!stencil.temp<?xf32>) {
    %a = stencil.access %x[1] : !stencil.temp<?xf32>
    stencil.return %a : f32
  }
  stencil.store %s to %out(<[0], [16]>) : !stencil.temp<?xf32> to !stencil.field<[-4,20]xf32>
  func.return
}
"""
    error = refusal(text)
    assert error.op.name == "stencil.apply"
    assert "@two holds a second stencil.apply; the importer takes one per function" in str(error)


def test_two_results_are_refused() -> None:
    text = """
func.func @pair(%in : !stencil.field<[-4,20]xf32>, %o1 : !stencil.field<[-4,20]xf32>, %o2 : !stencil.field<[-4,20]xf32>) {
  %t = stencil.load %in : !stencil.field<[-4,20]xf32> -> !stencil.temp<?xf32>
  %r1, %r2 = stencil.apply(%x = %t : !stencil.temp<?xf32>) -> (!stencil.temp<?xf32>, !stencil.temp<?xf32>) {
    %a = stencil.access %x[-1] : !stencil.temp<?xf32>
    %b = stencil.access %x[1] : !stencil.temp<?xf32>
    stencil.return %a, %b : f32, f32
  }
  stencil.store %r1 to %o1(<[0], [16]>) : !stencil.temp<?xf32> to !stencil.field<[-4,20]xf32>
  stencil.store %r2 to %o2(<[0], [16]>) : !stencil.temp<?xf32> to !stencil.field<[-4,20]xf32>
  func.return
}
"""
    error = refusal(text)
    assert error.op.name == "stencil.apply"
    assert "stencil.apply with 2 results is not supported" in str(error)


def test_second_store_is_refused() -> None:
    text = wrap_1d("    %v = arith.addf %a, %b : f32").replace(
        "  func.return",
        "  stencil.store %r to %in(<[0], [16]>) : !stencil.temp<?xf32> to !stencil.field<[-4,20]xf32>\n"
        "  func.return",
    )
    error = refusal(text)
    assert error.op.name == "stencil.apply"
    assert "must be written by exactly one stencil.store" in str(error)


def test_grid_outside_the_field_is_refused() -> None:
    # The store writes [0, 16) and the radius is 1: the grid [-1, 17) needs the field to
    # start at -1, but it starts at 0.
    text = wrap_1d("    %v = arith.addf %a, %b : f32").replace("[-4,20]", "[0,20]")
    error = refusal(text)
    assert error.op.name == "stencil.load"
    assert (
        "the L0 grid [-1,17] (the written box widened by the stencil's radii) is not inside "
        "the field's bounds [0,20]"
    ) in str(error)


def test_field_that_is_no_function_argument_is_refused() -> None:
    # The L0 function takes its grid as an argument: a field the function makes itself
    # (here by an opaque op) has no argument to become.
    text = wrap_1d("    %v = arith.addf %a, %b : f32").replace(
        "  %t = stencil.load %in",
        '  %made = "test.op"() : () -> !stencil.field<[-4,20]xf32>\n  %t = stencil.load %made',
    )
    error = refusal(text)
    assert error.op.name == "stencil.apply"
    assert error.reason == "the stencil's fields must be arguments of @f"


def time_loop(lower: str, upper: str, yielded: str = "%f1, %f0", prelude: str = "") -> str:
    field = "!stencil.field<[-1,9]xf32>"
    return f"""
func.func @loop(%a : {field}, %b : {field}, %n : index) {{{prelude}
  %lb = {lower}
  %ub = {upper}
  %one = arith.constant 1 : index
  %r0, %r1 = scf.for %i = %lb to %ub step %one iter_args(%f0 = %a, %f1 = %b) -> ({field}, {field}) {{
    %t = stencil.load %f0 : {field} -> !stencil.temp<?xf32>
    %r = stencil.apply(%x = %t : !stencil.temp<?xf32>) -> (!stencil.temp<?xf32>) {{
      %l = stencil.access %x[-1] : !stencil.temp<?xf32>
      stencil.return %l : f32
    }}
    stencil.store %r to %f1(<[0], [8]>) : !stencil.temp<?xf32> to {field}
    scf.yield {yielded} : {field}, {field}
  }}
  func.return
}}
"""


def test_time_loop_trip_count() -> None:
    # for i = 3 to 3 * 4 step 1: 9 steps.
    text = time_loop(
        "arith.constant 3 : index",
        "arith.muli %lb, %four : index",
        prelude="\n  %four = arith.constant 4 : index",
    )
    assert convert(text)["loop"].steps == 9


@pytest.mark.parametrize(
    ("lower", "upper", "yielded", "op_name", "message"),
    [
        (
            "arith.constant 0 : index",
            "arith.addi %n, %n : index",
            "%f1, %f0",
            "scf.for",
            "the time loop's bounds and step must be constants",
        ),
        (
            "arith.constant 5 : index",
            "arith.constant 5 : index",
            "%f1, %f0",
            "scf.for",
            "the time loop runs 0 times",
        ),
        (
            "arith.constant 0 : index",
            "arith.constant 5 : index",
            "%f0, %f1",
            "scf.yield",
            "a time loop must swap its fields",
        ),
    ],
)
def test_unsupported_time_loops_are_refused(
    lower: str, upper: str, yielded: str, op_name: str, message: str
) -> None:
    error = refusal(time_loop(lower, upper, yielded))
    assert error.op.name == op_name
    assert message in str(error)


def test_apply_in_a_nested_loop_is_refused() -> None:
    text = (
        time_loop("arith.constant 0 : index", "arith.constant 2 : index")
        .replace(
            "  %r0, %r1 = scf.for", "  scf.for %j = %lb to %ub step %one {\n  %r0, %r1 = scf.for"
        )
        .replace("  func.return", "  }\n  func.return")
    )
    error = refusal(text)
    assert error.op.name == "scf.for"
    assert "time loop" in str(error)


def uncarried_loop(stored: str) -> str:
    """A time loop that carries no fields: it loads %a and stores into `stored`."""
    field = "!stencil.field<[-1,9]xf32>"
    return f"""
func.func @loop(%a : {field}, %b : {field}) {{
  %lb = arith.constant 0 : index
  %ub = arith.constant 5 : index
  %one = arith.constant 1 : index
  scf.for %i = %lb to %ub step %one {{
    %t = stencil.load %a : {field} -> !stencil.temp<?xf32>
    %r = stencil.apply(%x = %t : !stencil.temp<?xf32>) -> (!stencil.temp<?xf32>) {{
      %l = stencil.access %x[-1] : !stencil.temp<?xf32>
      stencil.return %l : f32
    }}
    stencil.store %r to {stored}(<[0], [8]>) : !stencil.temp<?xf32> to {field}
  }}
  func.return
}}
"""


def test_time_loop_without_carried_fields_is_one_step() -> None:
    # Each of the 5 iterations computes %b from the same %a: one step.
    assert convert(uncarried_loop("%b"))["loop"].steps == 1


def test_time_loop_storing_into_the_field_it_loads_takes_a_step_per_iteration() -> None:
    assert convert(uncarried_loop("%a"))["loop"].steps == 5


def test_time_loop_carrying_one_field_is_refused() -> None:
    field = "!stencil.field<[-1,9]xf32>"
    text = (
        uncarried_loop("%b")
        .replace(
            "  scf.for %i = %lb to %ub step %one {",
            f"  %r = scf.for %i = %lb to %ub step %one iter_args(%f = %a) -> ({field}) {{",
        )
        .replace("stencil.load %a", "stencil.load %f")
        .replace("  }\n  func.return", f"    scf.yield %f : {field}\n  }}\n  func.return")
    )
    error = refusal(text)
    assert error.op.name == "scf.for"
    assert error.reason == "a time loop must carry no fields or two, this one carries 1"


@pytest.mark.parametrize(
    ("body", "used"),
    [
        ("    %v = arith.addf %a, %v : f32", "%v"),
        ("    %v = arith.addf %a, %w : f32\n    %w = arith.addf %a, %b : f32", "%w"),
    ],
)
def test_value_used_before_its_definition_in_the_body_is_refused(body: str, used: str) -> None:
    # Found by fuzzing: xDSL's parser checks no dominance.
    error = refusal(wrap_1d(body))
    assert error.op.name == "arith.addf"
    assert error.reason == f"arith.addf uses {used} before its definition"


def test_constant_operand_that_depends_on_itself_is_refused() -> None:
    # Without a check, computing %k would recurse without end.
    text = program_1d(
        "    %a = stencil.access %x[0] : !stencil.temp<?xf32>\n    %v = arith.mulf %a, %c : f32",
        operands=", %c = %k : f32",
    ).replace("  %t = stencil.load", "  %k = arith.mulf %k, %k : f32\n  %t = stencil.load")
    error = refusal(text)
    assert error.op.name == "arith.mulf"
    assert error.reason == "arith.mulf uses %k before its definition"


def test_field_cast_from_itself_is_refused() -> None:
    # Without a check, following the casts to the field's origin would never end.
    field = "!stencil.field<[-4,20]xf32>"
    text = wrap_1d("    %v = arith.addf %a, %b : f32").replace(
        "  %t = stencil.load %in",
        f"  %c = stencil.cast %c : {field} -> {field}\n  %t = stencil.load %c",
    )
    error = refusal(text)
    assert error.op.name == "stencil.cast"
    assert error.reason == "stencil.cast uses %c before its definition"


def test_refusal_leaves_the_module_unchanged() -> None:
    bad = wrap_1d("    %v = arith.mulf %a, %b : f32")
    module = parse_module(f"builtin.module {{\n{STAR_3D}\n{bad}\n}}")
    before = str(module)
    with pytest.raises(StencilImportError):
        ConvertStencilToLStencilPass().apply(Context(), module)
    assert str(module) == before


# --- property test: random linear stencils printed as upstream programs ----------------


@dataclass(frozen=True)
class Term:
    """One term of the generated body: `form` applied to the point at `offset`."""

    offset: tuple[int, ...]
    form: str
    constant: float
    subtract: bool


def term_coefficient(term: Term) -> float:
    """The coefficient that the term's MLIR computes, in the same float64 operations."""
    if term.form in ("mul", "rmul"):
        return term.constant
    if term.form == "div":
        return 1.0 / term.constant
    if term.form == "neg":
        return -term.constant
    assert term.form == "pow"
    return math.ldexp(1.0, int(term.constant))  # fpowi(2.0, k) = 2**k exactly


def print_term(index: int, term: Term, element: str, temp: str) -> list[str]:
    """MLIR lines computing the term into %t{index}."""
    offset = ", ".join(str(o) for o in term.offset)
    constant = f"{term.constant:.17e}"
    lines = [f"%p{index} = stencil.access %x[{offset}] : {temp}"]
    if term.form == "pow":
        lines += [
            f"%two{index} = arith.constant 2.000000e+00 : {element}",
            f"%k{index} = arith.constant {int(term.constant)} : i64",
            f'%c{index} = "math.fpowi"(%two{index}, %k{index}) : ({element}, i64) -> {element}',
            f"%t{index} = arith.mulf %c{index}, %p{index} : {element}",
        ]
        return lines
    lines.append(f"%c{index} = arith.constant {constant} : {element}")
    if term.form == "mul":
        lines.append(f"%t{index} = arith.mulf %c{index}, %p{index} : {element}")
    elif term.form == "rmul":
        lines.append(f"%t{index} = arith.mulf %p{index}, %c{index} : {element}")
    elif term.form == "div":
        lines.append(f"%t{index} = arith.divf %p{index}, %c{index} : {element}")
    else:
        lines.append(f"%m{index} = arith.mulf %c{index}, %p{index} : {element}")
        lines.append(f"%t{index} = arith.negf %m{index} : {element}")
    return lines


@dataclass(frozen=True)
class Program:
    terms: tuple[Term, ...]
    element: str
    extents: tuple[int, ...]
    halo: int
    cast: bool
    steps: int
    time_start: int

    def expected(self) -> dict[tuple[int, ...], float]:
        """The program's stencil: the terms summed left to right, zeros dropped."""
        total: dict[tuple[int, ...], float] = {}
        for index, term in enumerate(self.terms):
            sign = -1.0 if term.subtract and index > 0 else 1.0
            total[term.offset] = total.get(term.offset, 0.0) + sign * term_coefficient(term)
        return {o: c for o, c in total.items() if c != 0.0}

    def text(self) -> str:
        dims = len(self.extents)
        bounds = "x".join(f"[{-self.halo},{n + self.halo}]" for n in self.extents)
        field = f"!stencil.field<{bounds}x{self.element}>"
        temp = f"!stencil.temp<{'?x' * dims}{self.element}>"
        dynamic = f"!stencil.field<{'?x' * dims}{self.element}>"
        body: list[str] = []
        for index, term in enumerate(self.terms):
            body += print_term(index, term, self.element, temp)
            if index > 0:
                op = "arith.subf" if term.subtract else "arith.addf"
                previous = "%t0" if index == 1 else f"%s{index - 1}"
                body.append(f"%s{index} = {op} {previous}, %t{index} : {self.element}")
        result = "%t0" if len(self.terms) == 1 else f"%s{len(self.terms) - 1}"
        body.append(f"stencil.return {result} : {self.element}")
        zeros = ", ".join("0" for _ in self.extents)
        upper = ", ".join(str(n) for n in self.extents)
        arg_type = dynamic if self.cast else field
        lines = [f"func.func @random(%in : {arg_type}, %out : {arg_type}) {{"]
        a, b = "%in", "%out"
        if self.cast:
            lines += [
                f"%a = stencil.cast %in : {dynamic} -> {field}",
                f"%b = stencil.cast %out : {dynamic} -> {field}",
            ]
            a, b = "%a", "%b"

        def core(source: str, destination: str) -> list[str]:
            return [
                f"%t = stencil.load {source} : {field} -> {temp}",
                f"%r = stencil.apply(%x = %t : {temp}) -> ({temp}) {{",
                *body,
                "}",
                f"stencil.store %r to {destination}(<[{zeros}], [{upper}]>) : {temp} to {field}",
            ]

        if self.steps == 0:
            lines += core(a, b)
        else:
            lines += [
                f"%lb = arith.constant {self.time_start} : index",
                f"%ub = arith.constant {self.time_start + self.steps} : index",
                "%one = arith.constant 1 : index",
                f"%r0, %r1 = scf.for %i = %lb to %ub step %one iter_args(%f0 = {a}, %f1 = {b})"
                f" -> ({field}, {field}) {{",
                *core("%f0", "%f1"),
                f"scf.yield %f1, %f0 : {field}, {field}",
                "}",
            ]
        lines += ["func.return", "}"]
        return "\n".join(lines) + "\n"


ELEMENTS = {"f32": np.float32, "f64": np.float64}


@st.composite
def programs(draw: st.DrawFn) -> Program:
    dims = draw(st.integers(1, 3))
    element = draw(st.sampled_from(sorted(ELEMENTS)))
    offset = st.tuples(*[st.integers(-3, 3)] * dims)
    magnitude = st.floats(1e-3, 1e3, allow_nan=False, allow_infinity=False)
    terms: list[Term] = []
    for _ in range(draw(st.integers(1, 8))):
        form = draw(st.sampled_from(["mul", "rmul", "div", "neg", "pow"]))
        if form == "pow":
            constant = float(draw(st.integers(-6, 6)))
        else:
            value = draw(magnitude) * draw(st.sampled_from([1.0, -1.0]))
            # The program's constant is the value in its own type, as xDSL holds it.
            constant = float(ELEMENTS[element](value))
        terms.append(Term(draw(offset), form, constant, draw(st.booleans())))
    program = Program(
        terms=tuple(terms),
        element=element,
        extents=tuple(draw(st.lists(st.integers(1, 6), min_size=dims, max_size=dims))),
        halo=3 + draw(st.integers(0, 2)),
        cast=draw(st.booleans()),
        steps=draw(st.integers(0, 4)),
        time_start=draw(st.integers(0, 3)),
    )
    assume(program.expected())
    return program


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_random_linear_stencils_import_exactly(program: Program) -> None:
    expected = program.expected()
    text = program.text()
    result = convert(text, dtype="f32")["random"]
    assert points(result.stencil) == expected
    radii = Stencil(expected).radii
    assert result.shape == tuple(n + 2 * r for n, r in zip(program.extents, radii, strict=True))
    assert result.steps == max(program.steps, 1)
    assert points(stencil_from_mlir(text)) == expected


def test_generated_program_matches_hand_expectation() -> None:
    # A fixed instance of the generator, checked by hand: 0.5 x[-1] - (x[1] / 4) + 2**-3 x[-1].
    program = Program(
        terms=(
            Term((-1,), "mul", 0.5, False),
            Term((1,), "div", 4.0, True),
            Term((-1,), "pow", -3.0, False),
        ),
        element="f64",
        extents=(5,),
        halo=3,
        cast=True,
        steps=2,
        time_start=1,
    )
    assert program.expected() == {(-1,): 0.625, (1,): -0.25}
    result = convert(program.text(), dtype="f16")["random"]
    assert points(result.stencil) == {(-1,): 0.625, (1,): -0.25}
    assert result.shape == (7,)
    assert result.steps == 2
