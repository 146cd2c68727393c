"""The small subset of JSON Schema that protod's judges and role-play state blocks use, and two things done with it.

Supported keywords: `type` (object, array, string, number, integer, boolean), `properties`, `required`,
`additionalProperties: false`, `items`, `enum`, `minimum`, `maximum`, `maxItems`. That is also what OpenAI's strict
structured outputs, vLLM (xgrammar) and llama.cpp's schema-to-grammar converter all accept, so one schema serves
every endpoint.

- `schema_errors` says why a value is not an instance (empty list: it is). Tests use it to check that a
  schema-constrained reply really is schema-valid.
- `fit_to_schema` turns any value into an instance, keeping what already fits. The fake OpenAI server uses it to
  behave like a constrained decoder: whatever the scripted model "meant", the bytes on the wire obey the schema.
"""

from __future__ import annotations

from typing import Any

_PY_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
}


def _is_type(value: Any, kind: str | None) -> bool:
    if kind is None:
        return True
    if isinstance(value, bool) and kind in ("number", "integer"):  # bool is an int in Python, not in JSON
        return False
    return isinstance(value, _PY_TYPES.get(kind, (object,)))


def schema_errors(value: Any, schema: dict[str, Any], where: str = "$") -> list[str]:
    """Every way `value` breaks `schema`, as "path: reason" lines."""
    kind = schema.get("type")
    if not _is_type(value, kind):
        return [f"{where}: expected {kind}, got {type(value).__name__}"]
    errors: list[str] = []
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {value!r} is not one of {schema['enum']}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{where}: {value} < minimum {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{where}: {value} > maximum {schema['maximum']}")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{where}: missing required {key!r}")
        for key, item in value.items():
            if key in props:
                errors.extend(schema_errors(item, props[key], f"{where}.{key}"))
            elif schema.get("additionalProperties", True) is False:
                errors.append(f"{where}: unexpected key {key!r}")
    if isinstance(value, list):
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errors.append(f"{where}: {len(value)} items > maxItems {schema['maxItems']}")
        for i, item in enumerate(value):
            errors.extend(schema_errors(item, schema.get("items", {}), f"{where}[{i}]"))
    return errors


def fit_to_schema(value: Any, schema: dict[str, Any]) -> Any:
    """An instance of `schema` that keeps every part of `value` already valid; the rest is dropped or replaced by the
    schema's simplest value (first enum member, 0 or the minimum, false, "", [], required keys only)."""
    kind = schema.get("type")
    if "enum" in schema:
        return value if value in schema["enum"] else schema["enum"][0]
    if kind == "object":
        source = value if isinstance(value, dict) else {}
        props = schema.get("properties", {})
        out = {}
        for key, sub in props.items():
            if key in source:
                out[key] = fit_to_schema(source[key], sub)
            elif key in schema.get("required", []):
                out[key] = fit_to_schema(None, sub)
        if schema.get("additionalProperties", True) is not False:
            out.update({k: v for k, v in source.items() if k not in props})
        return out
    if kind == "array":
        items = schema.get("items", {})
        kept = [fit_to_schema(v, items) for v in value if not schema_errors(v, items)] if isinstance(value, list) else []
        return kept[: schema["maxItems"]] if "maxItems" in schema else kept
    if kind in ("number", "integer"):
        low, high = schema.get("minimum"), schema.get("maximum")
        number = value if _is_type(value, kind) else (low if low is not None else 0)
        if low is not None and number < low:
            number = low
        if high is not None and number > high:
            number = high
        return int(number) if kind == "integer" else number
    if kind == "boolean":
        return value if isinstance(value, bool) else False
    if kind == "string":
        return value if isinstance(value, str) else ""
    return value
