"""Request bodies and query parameters are checked by `jsonschema` against the JSON schemas the
OpenAPI document publishes (`schemas.py`, Draft 2020-12 as OpenAPI 3.1 uses it), so what is
documented is exactly what is accepted.

This module only adapts the library to the API: integers are JSON integers (not 1.0 nor true),
the formats `date` and `date-time` are what the views then parse, a list longer than its
`maxItems` is refused without checking every item, text must be storable, and jsonschema's
errors become the API's details, [{"field": "lines[3].amount", "problem": "is too long"}],
written from the keyword that failed (never from the library's message, which quotes the value
as Python shows it).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from functools import cache
from itertools import islice
from typing import TYPE_CHECKING, Any

from .schemas import SCHEMAS

if TYPE_CHECKING:
    from jsonschema import ValidationError
    from jsonschema.protocols import Validator as JsonSchemaValidator

MAX_PROBLEMS = 200


def _is_date(value: object) -> bool:
    if isinstance(value, str):
        date.fromisoformat(value)
    return True


def _is_date_time(value: object) -> bool:
    """With a time zone and a "T", as RFC 3339 writes it; `datetime.fromisoformat` reads it."""
    if not isinstance(value, str):
        return True
    return datetime.fromisoformat(value).tzinfo is not None and "T" in value.upper()


def _is_integer(_checker, value: object) -> bool:
    """A JSON integer: not 1.0 (Draft 2020-12 would take it) and not true."""
    return isinstance(value, int) and not isinstance(value, bool)


@cache
def _jsonschema():
    """(the validator class, the format checker), made on the first check: jsonschema is
    loaded by the first API request that needs it, not by every process that starts."""
    from jsonschema import Draft202012Validator, FormatChecker
    from jsonschema import ValidationError as Invalid
    from jsonschema.validators import extend

    formats = FormatChecker(formats=())  # only the formats below; others would pass unchecked
    formats.checks("date", raises=ValueError)(_is_date)
    formats.checks("date-time", raises=ValueError)(_is_date_time)
    items = Draft202012Validator.VALIDATORS["items"]

    def items_within_bounds(validator, value, instance, schema) -> Iterator[ValidationError]:
        """A list longer than its maxItems is refused for its length alone: checking a million
        lines only to refuse them costs the server, not the caller."""
        if isinstance(instance, list) and len(instance) > schema.get("maxItems", len(instance)):
            return
        yield from items(validator, value, instance, schema)

    def max_items(validator, limit, instance, schema) -> Iterator[ValidationError]:
        """As jsonschema's, without writing the whole list into the message."""
        if isinstance(instance, list) and len(instance) > limit:
            yield Invalid(f"has more than {limit} items")

    validator = extend(
        Draft202012Validator,
        validators={"items": items_within_bounds, "maxItems": max_items},
        type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer),
    )
    return validator, formats


def check_schema(schema: dict[str, Any], where: str) -> None:
    """Fail at start-up on a schema that is not valid JSON Schema or names a format nobody
    checks (jsonschema lets unknown formats pass)."""
    validator, formats = _jsonschema()
    validator.check_schema(schema)
    for fmt in _formats(schema):
        if fmt not in formats.checkers:
            raise TypeError(f"schema {where} uses the format {fmt!r}, which is not checked")


def _formats(schema: Any) -> Iterator[str]:
    if isinstance(schema, dict):
        if isinstance(schema.get("format"), str):
            yield schema["format"]
        for value in schema.values():
            yield from _formats(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from _formats(value)


@cache
def _body_validator(schema_name: str) -> JsonSchemaValidator:
    root = {"$ref": f"#/components/schemas/{schema_name}", "components": {"schemas": SCHEMAS}}
    validator, formats = _jsonschema()
    return validator(root, format_checker=formats)


def body_problems(body: Any, schema_name: str) -> list[dict[str, str]]:
    """Every problem (at most MAX_PROBLEMS) of a request body against components/schemas/<name>."""
    errors = islice(_body_validator(schema_name).iter_errors(body), MAX_PROBLEMS)
    return _details(errors, body, prefix="")


def value_problems(value: Any, schema: dict[str, Any], name: str) -> list[dict[str, str]]:
    """Every problem of one parameter's value against its schema, under the parameter's name."""
    validator, formats = _jsonschema()
    errors = islice(validator(schema, format_checker=formats).iter_errors(value), MAX_PROBLEMS)
    return _details(errors, value, prefix=name)


def _details(errors, value: Any, prefix: str) -> list[dict[str, str]]:
    """The API's details; text that cannot be stored is looked for once the shape is right
    (a list refused for its length is not read item by item)."""
    errors = list(errors)
    mistyped = {tuple(e.absolute_path) for e in errors if e.validator == "type"}
    problems: dict[tuple[str, str], None] = {}
    for error in errors:
        path = tuple(error.absolute_path)
        if path in mistyped and error.validator != "type":
            continue  # "must be of type string" says it; the rest follows from it
        for where, problem in _explain(error, path):
            problems[(_field(prefix, where), problem)] = None
    for where in () if errors else _unstorable(value, ()):
        problems[(_field(prefix, where), "contains NUL or unpaired surrogates")] = None
    return [{"field": f, "problem": p} for f, p in islice(problems, MAX_PROBLEMS)]


def _explain(error: ValidationError, path: tuple) -> Iterator[tuple[tuple, str]]:
    """(path, problem) in the API's words for one failed keyword."""
    keyword, expected = error.validator, error.validator_value
    if keyword == "required":
        for name in expected:
            if name not in error.instance:
                yield (*path, name), "is required"
    elif keyword == "additionalProperties":
        known = error.schema.get("properties", {})
        for name in error.instance:
            if name not in known:
                yield (*path, name), "is not allowed"
    else:
        yield path, _problem(keyword, expected)


PROBLEMS = {
    "type": "must be of type {}",
    "enum": "must be one of {}",
    "minLength": "is too short",
    "maxLength": "is too long",
    "pattern": "must match {}",
    "format": "is not a valid {}",
    "minimum": "must be at least {}",
    "maximum": "must be at most {}",
    "minItems": "has too few items",
    "maxItems": "has too many items",
}


def _problem(keyword: str, expected: Any) -> str:
    if keyword == "type":
        expected = " or ".join([expected] if isinstance(expected, str) else expected)
    elif keyword == "enum":
        expected = ", ".join(map(_shown, expected))
    return PROBLEMS.get(keyword, "does not satisfy " + keyword).format(_shown(expected))


def _shown(value: Any) -> str:
    """A schema value as JSON writes it (no Python spellings such as None or True)."""
    return value if isinstance(value, str) else json.dumps(value)


def _unstorable(value: Any, path: tuple) -> Iterator[tuple]:
    """Where the value holds text no database stores: NUL, or lone surrogates (not UTF-8)."""
    if isinstance(value, str):
        if "\x00" in value or not _encodes(value):
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _unstorable(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _unstorable(item, (*path, index))


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _field(prefix: str, path: tuple) -> str:
    """lines[3].amount from ("lines", 3, "amount"); the body itself is "(body)"."""
    text = prefix
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text = f"{text}.{part}" if text else str(part)
    return text or "(body)"
