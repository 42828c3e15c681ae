"""Small forms, fields, field validators and choice lists shared by many pages."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import get_currency_name, get_territory_currencies
from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, EmailField, PasswordField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from workflows import validators

from .changes import refusal_message
from .models.users import MIN_PASSWORD_LENGTH


def new_password_field(label=None) -> PasswordField:
    """A password someone chooses: the length rule every page that sets one shares."""
    return PasswordField(
        label or _l("Choose a password"),
        validators=[
            DataRequired(_l("Choose a password.")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=200,
                message=_l("Use between %(min)d and %(max)d characters."),
            ),
        ],
    )


def repeat_password_field(other: str) -> PasswordField:
    """The same password typed again, compared with the field named `other`."""
    return PasswordField(
        _l("Repeat the password"),
        validators=[EqualTo(other, _l("The two passwords are not the same."))],
    )


def at_most(n: int) -> Length:
    """At most `n` characters, said the same way on every page."""
    return Length(max=n, message=_l("At most %(max)d characters."))


def required_text(required, *, max: int, check: Callable | None = None) -> list:
    """The validators of a text that must be given: `required` says so when it is empty, then
    at most `max` characters, then the shared check `check` (which keeps the clean value)."""
    return [DataRequired(required), at_most(max), *([Checked(check)] if check else [])]


def email_field(label, required) -> EmailField:
    """An e-mail address that must be given (`required` says so): well formed, at most 254
    characters."""
    return EmailField(
        label,
        validators=[
            DataRequired(required),
            Email(_l("Enter a valid e-mail address.")),
            at_most(254),
        ],
    )


class ConfirmForm(FlaskForm):
    """A POST that carries nothing but its CSRF token (buttons that change state)."""


class RejectForm(FlaskForm):
    """A rejection with its reason, which whoever asked reads."""

    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Reject"))


class Checked:
    """A form field validator running one of the shared checks (workflows.validators): the
    same rule as the API, the imports and the command line, with the same translated message.
    The field keeps the clean value (a trimmed, NFC-normalised name)."""

    def __init__(self, check: Callable):
        self.check = check

    def __call__(self, form, field) -> None:
        if field.data is None or field.data == "":
            return
        try:
            field.data = self.check(field.data)
        except validators.InvalidValue as exc:
            raise ValidationError(refusal_message(exc)) from None


class InWindow:
    """A date field validator: the day must lie in the window `window(config, today)` gives."""

    def __init__(self, window: Callable):
        self.window = window

    def __call__(self, form, field) -> None:
        if field.data is None:
            return
        try:
            self.window(current_app.config, date.today()).check(field.data)
        except validators.InvalidValue as exc:
            raise ValidationError(refusal_message(exc)) from None


def typed_currency(value: str) -> str:
    """A currency typed into a text field: case and surrounding spaces do not matter."""
    return validators.currency(value.strip().upper())


def _sort_key(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def country_choices() -> list[SelectChoice]:
    """The countries the shared check accepts, named in the user's language, sorted by name
    (accents ignored)."""
    names = Locale.parse(str(get_locale() or "en")).territories
    pairs = sorted(
        ((code, names.get(code, code)) for code in validators.COUNTRY_CODES),
        key=lambda pair: _sort_key(pair[1]),
    )
    return [SelectChoice(code, name) for code, name in pairs]


class AmountField(DecimalField):
    """Every money, quantity or rate typed into a page: an exact Decimal written in plain
    notation that fits its column (`ScaledDecimal`: at most `places` decimals and `digits`
    digits before the point), or a field error. A minus zero is zero. The form's own
    validators (required, ranges) then see only finite numbers."""

    def __init__(self, label=None, validators=None, *, places: int = 4, digits: int = 14, **kw):
        super().__init__(label, validators, places=None, **kw)
        self.max_places = places
        self.max_digits = digits

    def process_formdata(self, valuelist) -> None:
        if not valuelist:
            return
        text = valuelist[0].strip() if isinstance(valuelist[0], str) else ""
        self.data = None
        if not text:
            return  # InputRequired / Optional decide about an empty field
        if not validators.PLAIN_DECIMAL.fullmatch(text):
            super().process_formdata([text])  # text that is no number: WTForms' own message
            self.data = None
            raise ValueError(_l("Enter an amount such as 12500.00."))  # 1e999, NaN, Infinity
        whole, _, fraction = text.lstrip("+-").partition(".")
        if len(whole.lstrip("0")) > self.max_digits:
            raise ValueError(_l("The amount is too large."))
        if len(fraction.rstrip("0")) > self.max_places:
            raise ValueError(
                _l(
                    "%(value)s has more than %(places)s decimal places.",
                    value=text,
                    places=self.max_places,
                )
            )
        value = Decimal(text)
        self.data = value.copy_abs() if value.is_zero() else value


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
