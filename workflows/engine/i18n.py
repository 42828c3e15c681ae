"""Engine messages are English templates marked for Babel; the web layer translates them."""

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

Gettext = Callable[[str], str]


def N_(message: str) -> str:
    """Mark a message template for extraction (``pybabel extract -k N_``); translate at render."""
    return message


def untranslated(message: str) -> str:
    """The default gettext: English as written."""
    return message


def render_message(
    template: str, params: Mapping[str, Any], gettext: Gettext = untranslated
) -> str:
    """Translate the template, then fill its named placeholders; Decimals show in plain notation."""
    values = {
        key: format(value, "f") if isinstance(value, Decimal) else value
        for key, value in params.items()
    }
    return gettext(template) % values
