"""The benchmark's JSON document: :data:`SCHEMA`, and :func:`validate` for it.

:data:`SCHEMA` is written in a subset of JSON Schema (``type``, with a list for a choice of
types; ``required``; ``properties``; ``additionalProperties``; ``items``; ``enum``;
``minimum``), which :func:`validate` checks with no dependency. A document names its
version in ``schema``. Every result has a ``status``:

* ``timed``: checked against the reference, then timed on the GPU (``check``, ``timing``);
* ``wrong``: the check failed, so it was not timed (``check`` says by how much);
* ``counted``: instructions counted on the PTX simulator (``profile``), not timed;
* ``reported``: a peer binary's own figure (``timing.gstencil_per_s``), not checked here;
* ``error``: compiling or running it failed (``message``);
* ``unavailable``, ``skipped``: the path cannot run here, or not in this mode (``message``).
"""

from __future__ import annotations

from typing import Any

from sparse_stencil.bench.errors import BenchError

SCHEMA_VERSION = "sparse-stencil-bench/1"
STATUSES = ("timed", "wrong", "counted", "reported", "error", "unavailable", "skipped")

_STRING: dict[str, Any] = {"type": "string"}
_INTEGER: dict[str, Any] = {"type": "integer", "minimum": 0}
_NUMBER: dict[str, Any] = {"type": "number"}
_NUMBERS: dict[str, Any] = {"type": "object", "additionalProperties": {"type": "number"}}
_SHAPE: dict[str, Any] = {"type": "array", "items": {"type": "integer", "minimum": 1}}

CHECK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": [
        "max_error",
        "rms_error",
        "max_bound",
        "worst_ratio",
        "outside",
        "points",
        "steps",
        "ok",
    ],
    "additionalProperties": False,
    "properties": {
        "max_error": _NUMBER,
        "rms_error": _NUMBER,
        "max_bound": _NUMBER,
        "worst_ratio": _NUMBER,
        "outside": _INTEGER,
        "points": _INTEGER,
        "steps": _INTEGER,
        "ok": {"type": "boolean"},
    },
}
TIMING_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["gstencil_per_s"],
    "additionalProperties": False,
    "properties": {
        "seconds": {"type": "array", "items": _NUMBER},
        "median_seconds": _NUMBER,
        "gstencil_per_s": _NUMBER,
        "gflop_per_s": _NUMBER,
        "intensity_flop_per_byte": _NUMBER,
        "roofline_percent": {"type": ["number", "null"]},
    },
}
RESULT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["stencil", "dims", "points", "shape", "path", "status", "message"],
    "additionalProperties": False,
    "properties": {
        "stencil": _STRING,
        "dims": {"type": "integer", "minimum": 1},
        "points": {"type": "integer", "minimum": 1},
        "shape": _SHAPE,
        "path": _STRING,
        "status": {"type": "string", "enum": list(STATUSES)},
        "message": {"type": ["string", "null"]},
        "redundancy": {"type": ["number", "null"]},
        "kernel": {"type": ["object", "null"]},
        "check": {**CHECK_SCHEMA, "type": ["object", "null"]},
        "timing": {**TIMING_SCHEMA, "type": ["object", "null"]},
        "profile": {"type": ["object", "null"], "additionalProperties": _NUMBER},
        "sass": {"type": ["object", "null"], "additionalProperties": _INTEGER},
        "sass_message": {"type": ["string", "null"]},
        "speedups": _NUMBERS,
    },
}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": [
        "schema",
        "mode",
        "created",
        "command",
        "settings",
        "environment",
        "device",
        "bandwidth",
        "results",
    ],
    "additionalProperties": False,
    "properties": {
        "schema": {"type": "string", "enum": [SCHEMA_VERSION]},
        "mode": {"type": "string", "enum": ["gpu", "emulate"]},
        "note": _STRING,
        "created": _STRING,
        "command": {"type": "array", "items": _STRING},
        "settings": {
            "type": "object",
            "required": ["shapes", "steps", "dtype", "arch", "paths", "seed"],
            "properties": {
                "shapes": {"type": "array", "items": _SHAPE},
                "steps": {"type": "integer", "minimum": 1},
                "dtype": _STRING,
                "arch": _STRING,
                "paths": {"type": "array", "items": _STRING},
                "seed": {"type": "integer"},
                "warmup": _INTEGER,
                "repeats": {"type": "integer", "minimum": 5},
                "check_budget": {"type": "integer", "minimum": 1},
            },
        },
        "environment": {"type": "object", "additionalProperties": {"type": ["string", "null"]}},
        "device": {"type": ["object", "null"]},
        "bandwidth": {
            "type": ["object", "null"],
            "required": ["bytes", "seconds", "gb_per_s"],
            "additionalProperties": _NUMBER,
        },
        "results": {"type": "array", "items": RESULT_SCHEMA},
    },
}
"""The schema of the document ``sparse-stencil bench --json`` writes."""

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}


def validate(document: object, schema: dict[str, Any] = SCHEMA, where: str = "$") -> None:
    """Raise :class:`BenchError` naming the first place where `document` breaks `schema`."""
    kinds = schema.get("type")
    if kinds is not None:
        names = [kinds] if isinstance(kinds, str) else list(kinds)
        if not any(_is(document, name) for name in names):
            raise BenchError(f"{where}: expected {' or '.join(names)}, got {document!r:.60}")
    if "enum" in schema and document not in schema["enum"]:
        raise BenchError(f"{where}: {document!r} is not one of {schema['enum']}")
    if "minimum" in schema and _is(document, "number") and document < schema["minimum"]:
        raise BenchError(f"{where}: {document} is below the minimum {schema['minimum']}")
    if isinstance(document, dict):
        _validate_object(document, schema, where)  # pyright: ignore[reportUnknownArgumentType]
    if isinstance(document, list) and "items" in schema:
        items: list[object] = document  # pyright: ignore[reportUnknownVariableType]
        for index, item in enumerate(items):
            validate(item, schema["items"], f"{where}[{index}]")


def _validate_object(document: dict[str, object], schema: dict[str, Any], where: str) -> None:
    for key in schema.get("required", ()):
        if key not in document:
            raise BenchError(f"{where}: '{key}' is missing")
    properties: dict[str, Any] = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for key, value in document.items():
        if key in properties:
            validate(value, properties[key], f"{where}.{key}")
        elif extra is False:
            raise BenchError(f"{where}: unexpected key '{key}'")
        elif isinstance(extra, dict):
            validate(value, extra, f"{where}.{key}")  # pyright: ignore[reportUnknownArgumentType]


def _is(value: object, kind: str) -> bool:
    if isinstance(value, bool) and kind in ("integer", "number"):
        return False
    return isinstance(value, _TYPES[kind])
