"""Small forms and choice lists shared by many pages."""

from datetime import date
from functools import lru_cache

from babel import Locale
from babel.numbers import get_currency_name, get_territory_currencies
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice


class ConfirmForm(FlaskForm):
    """A POST that carries nothing but its CSRF token (buttons that change state)."""


@lru_cache(maxsize=1)
def _currencies_in_use(day: date) -> frozenset[str]:
    """ISO codes that are legal tender in some country on `day`, from Babel's CLDR data."""
    codes: set[str] = set()
    for territory in Locale("en").territories:
        if len(territory) == 2 and territory.isalpha():
            codes.update(get_territory_currencies(territory, start_date=day, tender=True))
    return frozenset(codes)


def currency_choices(*keep: str | None) -> list[SelectChoice]:
    """Currencies for a picker: the codes in use today, named in the user's language and sorted
    by code, plus any code in `keep` (a stored value) so an older choice is still shown.
    Which codes are accepted is the form's validation, not this list."""
    locale = get_locale()
    codes = _currencies_in_use(date.today()) | {c.upper() for c in keep if c}
    return [
        SelectChoice(code, f"{code} · {get_currency_name(code, locale=locale)}")
        for code in sorted(codes)
    ]
