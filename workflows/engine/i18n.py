"""Engine messages are English templates marked for Babel; the web layer translates them."""

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

Gettext = Callable[[str], str]


def N_(message: str) -> str:
    """Mark a message template for extraction (``pybabel extract -k N_``); translate at render."""
    return message


class Term(str):
    """A parameter that is itself a word of the catalogs (a stored state such as "approved"):
    translated along with the template, so the sentence reads in one language."""


def untranslated(message: str) -> str:
    """The default gettext: English as written."""
    return message


def render_message(
    template: str, params: Mapping[str, Any], gettext: Gettext = untranslated
) -> str:
    """Translate the template, then fill its named placeholders; Decimals show in plain notation
    and Terms in the same language as the template."""

    def shown(value: Any) -> Any:
        if isinstance(value, Decimal):
            return format(value, "f")
        if isinstance(value, Term):
            return gettext(value)
        return value

    values = {key: shown(value) for key, value in params.items()}
    return gettext(template) % values
