"""Instances of the API's representations, built from doc/openapi.yaml's schemas, for the client's tests.

``api_object("Allocation", state="active")`` is a complete allocation as the API would send it (every
required field, null where null is allowed) with the given fields on top: what the SDK's generated
models need to parse, so that a test names only the fields it is about.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[3]
AT = "2026-01-31T12:00:00.000Z"
DAY = "2026-01-31"


@cache
def document() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "doc" / "openapi.yaml").read_text(encoding="utf-8"))


def resolve(node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = document()
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def sample(schema: Any, full: bool) -> Any:
    """An instance of ``schema``: every property and one extra where the schema allows extras (``full``),
    or the required properties alone, null wherever null is allowed."""
    schema = resolve(schema)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        values = [v for v in schema["enum"] if v is not None]
        return values[0] if full or None not in schema["enum"] else None
    for combinator in ("oneOf", "anyOf"):
        if combinator in schema:
            options = [resolve(o) for o in schema[combinator]]
            nulls = [o for o in options if o.get("type") == "null"]
            rest = [o for o in options if o.get("type") != "null"]
            return None if nulls and not full else sample(rest[0], full)
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            merged.update(resolve(part))
        return sample(merged, full)
    types = schema.get("type", "object")
    types = [types] if isinstance(types, str) else list(types)
    if "null" in types and (not full or types == ["null"]):
        return None
    kind = next(t for t in types if t != "null")
    if kind == "object":
        required = set(schema.get("required", []))
        body = {
            name: sample(prop, full)
            for name, prop in (schema.get("properties") or {}).items()
            if full or name in required
        }
        body.update({name: "text" for name in sorted(required - set(body))})  # named but not described
        extra = schema.get("additionalProperties", True)
        if full and extra is not False:
            key = sample(schema["propertyNames"], full) if "propertyNames" in schema else "extra_key"
            body[key] = "extra" if extra is True else sample(extra, full)
        return body
    if kind == "array":
        count = max(1 if full else 0, schema.get("minItems", 0))
        return [sample(schema.get("items", {}), full) for _ in range(count)]
    if kind == "string":
        return {"date-time": AT, "date": DAY}.get(schema.get("format", ""), "text")
    if kind == "integer":
        return max(7, schema.get("minimum", 7))
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    raise AssertionError(f"no sample for {schema}")


def api_object(schema: str, **fields: Any) -> dict[str, Any]:
    """A complete instance of ``#/components/schemas/<schema>`` (required fields only), ``fields`` on top."""
    return {**sample({"$ref": f"#/components/schemas/{schema}"}, False), **fields}
