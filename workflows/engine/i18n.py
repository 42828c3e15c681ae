"""Engine messages are English templates marked for Babel; the web layer translates them.

`Refusal` is the one kind of error a rule of the product raises (a wrong state, maker–checker, a
limit, a bad value): every domain error of the engine, the workflows and the pages derives from
it, and the edge renders it in the reader's language. It lives here, at the bottom, because the
pure engine's own refusals (a bad period, a bad spec) are refusals too.
"""

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

Gettext = Callable[[str], str]
DateFormatter = Callable[[date], str]


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
    template: str,
    params: Mapping[str, Any],
    gettext: Gettext = untranslated,
    show_date: DateFormatter = date.isoformat,
) -> str:
    """Translate the template, then fill its named placeholders; Decimals show in plain notation,
    Terms in the same language as the template and dates as `show_date` writes them (ISO 8601
    unless the reader's locale is given)."""

    def shown(value: Any) -> Any:
        if isinstance(value, Decimal):
            return format(value, "f")
        if isinstance(value, Term):
            return gettext(value)
        if isinstance(value, date):
            return show_date(value)
        return value

    values = {key: shown(value) for key, value in params.items()}
    return gettext(template) % values


class Refusal(Exception):
    """A rule of the product refused the action; nothing was changed.

    `template` is English with named placeholders, marked for extraction (`N_`); `params` fill
    them; `field` names the form field the refusal belongs to, when there is one. `str()` is the
    English text (logs, workers, the CLI); pages render it in the reader's language.
    """

    def __init__(self, template: str, /, *, field: str | None = None, **params: Any) -> None:
        self.template = template
        self.params = params
        self.field = field
        super().__init__(template)

    def render(self, gettext: Gettext = untranslated, show_date: DateFormatter = date.isoformat):
        """The refusal in the caller's language, dates as the caller writes them."""
        return render_message(self.template, self.params, gettext, show_date)

    def __str__(self) -> str:
        return self.render()
