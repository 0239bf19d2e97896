"""What the two layout passes share: the applies of a value grouped by n:m rule, their errors.

``morph-stencil-layout`` and ``convert-structured-sparsity`` each lower a value (a stencil, a
layout) once per n:m rule of the grids it is applied to, and take a `dtype` option that must
agree with those grids.
"""

from __future__ import annotations

from typing import NoReturn

from xdsl.ir import Operation

from sparse_stencil.dialects.lstencil import GridApplyOp
from sparse_stencil.dtypes import StorageType, storage_type
from sparse_stencil.errors import StencilError
from sparse_stencil.passes.op_error import OpError, raise_at
from sparse_stencil.sparsity import SPARSITIES, Sparsity, sparsity_of


class LayoutPassError(OpError):
    """A stencil, layout or option that a layout pass cannot lower.

    About an op, the message reads ``file:line:column: op: reason``.
    """

    def __init__(self, reason: str, op: Operation | None = None) -> None:
        super().__init__(reason, op, named=True)


def refuse(op: Operation, reason: str) -> NoReturn:
    """Raise a :class:`LayoutPassError` at `op`, with `reason` marked under it in the IR."""
    raise_at(op, LayoutPassError(reason, op))


def option_storage(pass_name: str, dtype: str | None) -> StorageType | None:
    """The storage type the `dtype` option names, or None if it is not given."""
    if dtype is None:
        return None
    try:
        return storage_type(dtype)
    except StencilError as error:
        raise LayoutPassError(f"{pass_name}{{dtype={dtype}}}: {error}") from error


def applies_by_rule(
    op: Operation, kind: type[GridApplyOp], stated: StorageType | None
) -> dict[Sparsity, list[GridApplyOp]]:
    """The `kind` applies of `op`'s result, grouped by the n:m rule of their element type.

    Refuses a use that is not such an apply, and a grid whose element type is not the
    `stated` one. The groups come in a fixed order (2:4, then 1:2), whatever the
    order of the uses; a value applied to no grid gets one empty group: the rule of
    `stated`, or of f16 when that is None too.
    """
    groups: dict[Sparsity, list[GridApplyOp]] = {}
    for use in op.results[0].uses:
        user = use.operation
        if not isinstance(user, kind):
            refuse(op, f"its result is used by {user.name}; only {kind.name} can take a layout")
        storage = user.grid_type.storage
        if stated is not None and storage != stated:
            refuse(
                op,
                f"dtype={stated.mlir_name} disagrees with the {storage.mlir_name} "
                "grid it is applied to",
            )
        groups.setdefault(sparsity_of(storage), []).append(user)
    if not groups:
        return {sparsity_of(stated or storage_type("float16")): []}
    return {rule: groups[rule] for rule in SPARSITIES.values() if rule in groups}
