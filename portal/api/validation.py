"""Checking request bodies and parameters against the same JSON schemas the OpenAPI document
publishes, so what is documented is exactly what is accepted.

Only the JSON Schema keywords the API's schemas use are implemented; `check_schema_keywords`
makes a schema with any other keyword fail loudly when the app starts.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

SUPPORTED = {
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "enum",
    "format",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
    "minItems",
    "maxItems",
    "description",
    "default",
    "$ref",
    "examples",
    "readOnly",
}
TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "null": type(None),
}


def check_schema_keywords(schema: Any, where: str = "") -> None:
    if isinstance(schema, dict):
        unknown = set(schema) - SUPPORTED
        if unknown:
            raise TypeError(f"schema {where or '/'} uses unsupported keywords {sorted(unknown)}")
        for key, value in schema.items():
            if key in ("properties",):
                for name, sub in value.items():
                    check_schema_keywords(sub, f"{where}/properties/{name}")
            elif key in ("items", "additionalProperties") and isinstance(value, dict):
                check_schema_keywords(value, f"{where}/{key}")


def _type_ok(value: Any, kind: str) -> bool:
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, TYPES[kind])


def _format_ok(value: str, fmt: str) -> bool:
    try:
        if fmt == "date":
            date.fromisoformat(value)
        elif fmt == "date-time":
            parsed = datetime.fromisoformat(value)
            return parsed.tzinfo is not None and "T" in value.upper()
    except ValueError:
        return False
    return True


def validate(value: Any, schema: dict, components: dict, path: str = "") -> list[dict[str, str]]:
    """Every problem of `value` against `schema`, as [{"field", "problem"}]."""
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    field = path or "(body)"
    kinds = schema.get("type")
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else kinds
        if not any(_type_ok(value, kind) for kind in kinds):
            return [{"field": field, "problem": f"must be of type {' or '.join(kinds)}"}]
    if "enum" in schema and value not in schema["enum"]:
        allowed = ", ".join(map(str, schema["enum"]))
        return [{"field": field, "problem": f"must be one of {allowed}"}]
    problems: list[dict[str, str]] = []
    if isinstance(value, str):
        if not _storable(value):
            problems.append({"field": field, "problem": "contains NUL or unpaired surrogates"})
        if len(value) < schema.get("minLength", 0):
            problems.append({"field": field, "problem": "is too short"})
        if len(value) > schema.get("maxLength", len(value)):
            problems.append({"field": field, "problem": "is too long"})
        if "pattern" in schema and not re.search(schema["pattern"], value):
            problems.append({"field": field, "problem": f"must match {schema['pattern']}"})
        if "format" in schema and not _format_ok(value, schema["format"]):
            problems.append({"field": field, "problem": f"is not a valid {schema['format']}"})
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            problems.append({"field": field, "problem": f"must be at least {schema['minimum']}"})
        if "maximum" in schema and value > schema["maximum"]:
            problems.append({"field": field, "problem": f"must be at most {schema['maximum']}"})
    elif isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            problems.append({"field": field, "problem": "has too few items"})
        if len(value) > schema.get("maxItems", len(value)):
            problems.append({"field": field, "problem": "has too many items"})
        if "items" in schema and not problems:
            for index, item in enumerate(value):
                problems += validate(item, schema["items"], components, f"{path}[{index}]")
    elif isinstance(value, dict):
        properties = schema.get("properties", {})
        for name in schema.get("required", ()):
            if name not in value:
                problems.append({"field": _join(path, name), "problem": "is required"})
        for name, item in value.items():
            if name in properties:
                problems += validate(item, properties[name], components, _join(path, name))
            elif schema.get("additionalProperties") is False:
                problems.append({"field": _join(path, name), "problem": "is not allowed"})
    return problems


def _storable(text: str) -> bool:
    """Text every database stores: UTF-8 encodable (no lone surrogates) and without NUL."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
