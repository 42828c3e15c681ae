"""Spec documents are read exactly: numbers become Decimal or int, never binary floats.

Whatever the text, reading it ends in a document or a DocumentError: nesting deeper than
MAX_DEPTH, YAML aliases of lists or mappings (an "alias bomb" grows exponentially; a spec never
needs one), NUL characters and integers too long for Python's int conversion are refused or
kept exact as Decimal for the validator to report.
"""

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

_PLAIN_INT = re.compile(r"[-+]?(?:0|[1-9][0-9_]*)")
MAX_DEPTH = 32  # a spec nests 4 levels; parsers recurse once per level
MAX_INT_DIGITS = 50  # longer integers stay Decimal (Python refuses int() of > 4,300 digits)
# A string literal, or an unterminated one up to the end (so one scan stays linear).
_JSON_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+(?:"|\\?\Z)', re.DOTALL)
_JSON_BRACKET = re.compile(r"[\[\]{}]")


class DocumentError(ValueError):
    """Text that is not a well-formed YAML or JSON document."""

    def __init__(self, fmt: str, detail: str) -> None:
        self.format = fmt
        self.detail = detail
        super().__init__(f"not valid {fmt}: {detail}")


class ExactLoader(yaml.SafeLoader):
    """SafeLoader that keeps decimals exact, reads only true/false as booleans (Norway's NO stays
    text), leaves dates as text for the validator, and rejects duplicate keys."""

    depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            target = self.anchors.get(event.anchor)
            if target is not None and not isinstance(target, yaml.ScalarNode):
                raise yaml.composer.ComposerError(
                    None, None, "aliases of lists or mappings are not allowed", event.start_mark
                )
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"nested more than {MAX_DEPTH} levels deep",
                    self.peek_event().start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[tuple[str, str]] = set()
        for key_node, _value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                marker = (key_node.tag, key_node.value)
                if marker in seen:
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping",
                        node.start_mark,
                        f"found duplicate key {key_node.value!r}",
                        key_node.start_mark,
                    )
                seen.add(marker)
        return super().construct_mapping(node, deep=deep)


def _construct_decimal(loader: ExactLoader, node: yaml.ScalarNode) -> Decimal | str:
    text = loader.construct_scalar(node)
    try:
        number = Decimal(text.replace("_", ""))
    except InvalidOperation:
        return text  # .inf, .nan, sexagesimal: left as text for the validator to reject
    return number if number.is_finite() else text


def _construct_int(loader: ExactLoader, node: yaml.ScalarNode) -> int | str:
    text = loader.construct_scalar(node)
    # YAML 1.1 also reads 017 as octal and 1:30 as 90; money specs want neither surprise.
    return _exact_int(text.replace("_", "")) if _PLAIN_INT.fullmatch(text) else text


def _exact_int(text: str) -> int | Decimal:
    digits = text.lstrip("+-")
    return int(text) if len(digits) <= MAX_INT_DIGITS else Decimal(text)


def _construct_bool(loader: ExactLoader, node: yaml.ScalarNode) -> bool | str:
    text = loader.construct_scalar(node)
    return {"true": True, "false": False}.get(text.lower(), text)


def _construct_text(loader: ExactLoader, node: yaml.ScalarNode) -> str:
    return loader.construct_scalar(node)


ExactLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)
ExactLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
ExactLoader.add_constructor("tag:yaml.org,2002:bool", _construct_bool)
ExactLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_text)


def json_depth(text: str | bytes) -> int:
    """How deeply a JSON text nests arrays and objects, counted without parsing it."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    depth = deepest = 0
    for match in _JSON_BRACKET.finditer(_JSON_STRING.sub("", text)):
        if match[0] in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def load_yaml(text: str) -> Any:
    """One YAML document with exact numbers."""
    if "\x00" in text:
        raise DocumentError("YAML", "the text contains a NUL character")
    loader = ExactLoader(text)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        raise DocumentError("YAML", str(exc)) from None
    finally:
        loader.dispose()


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def load_json(text: str) -> Any:
    """One JSON document with exact numbers; NaN and Infinity stay text for validation to reject."""
    if "\x00" in text:
        raise DocumentError("JSON", "the text contains a NUL character")
    if json_depth(text) > MAX_DEPTH:
        raise DocumentError("JSON", f"nested more than {MAX_DEPTH} levels deep")
    try:
        return json.loads(
            text,
            parse_float=Decimal,
            parse_int=_exact_int,
            parse_constant=str,
            object_pairs_hook=_no_duplicate_keys,
        )
    except ValueError as exc:
        raise DocumentError("JSON", str(exc)) from None


def load_document(text: str, fmt: str | None = None) -> Any:
    """Parse as fmt ('yaml' or 'json'). Without fmt, text starting with '{' is tried as JSON first
    (then as a YAML flow mapping, reporting the JSON error if both fail); anything else is YAML."""
    if fmt == "json":
        return load_json(text)
    if fmt == "yaml":
        return load_yaml(text)
    if fmt is not None:
        raise ValueError(f"unknown spec format {fmt!r}; expected 'yaml' or 'json'")
    if not text.lstrip().startswith("{"):
        return load_yaml(text)
    try:
        return load_json(text)
    except DocumentError as json_error:
        try:
            return load_yaml(text)
        except DocumentError:
            raise json_error from None
