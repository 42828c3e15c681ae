"""The audit log as a reader sees it: what changed, old → new, in plain text."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ..dates import show_date, show_datetime, show_period

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DAYS = re.compile(r"^\d{4}-\d{2}-\d{2}\.\.\d{4}-\d{2}-\d{2}$")  # a period of days
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
MISSING = object()


@dataclass(frozen=True)
class Change:
    """One key of an event: its value before and after (None when there was none)."""

    key: str
    before: str | None
    after: str | None


def shown_value(value: Any) -> str:
    """A stored value as text: dates for the reader's locale, lists joined, anything else as
    JSON that keeps non-ASCII text as text ("Müller", not "M\\u00fcller")."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        if _ISO_DATE.match(value):
            return show_date(value)
        if _ISO_DAYS.match(value):
            return show_period(value)
        if _ISO_MOMENT.match(value):
            return show_datetime(value)
        return value
    if isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return ", ".join(str(v) for v in value) or "—"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _flat(values: dict | None, prefix: str = "") -> dict[str, Any]:
    """Nested objects become dotted keys, so a change deep inside shows as one line."""
    flat: dict[str, Any] = {}
    for key, value in (values or {}).items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(_flat(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def changes(before: dict | None, after: dict | None) -> list[Change]:
    """The keys whose value differs (all of them for a creation or a deletion), in the
    order the event lists them."""
    old, new = _flat(before), _flat(after)
    keys = list(dict.fromkeys([*old, *new]))
    shown = []
    for key in keys:
        a, b = old.get(key, MISSING), new.get(key, MISSING)
        if a == b:
            continue
        shown.append(
            Change(
                key,
                None if a is MISSING else shown_value(a),
                None if b is MISSING else shown_value(b),
            )
        )
    return shown
