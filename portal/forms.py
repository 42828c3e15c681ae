"""Small forms and fields shared by many pages."""

from __future__ import annotations

import re
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField

# Plain decimal notation only: no exponent (1e999), no NaN or Infinity, ASCII digits.
_PLAIN_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


class ConfirmForm(FlaskForm):
    """A POST that carries nothing but its CSRF token (buttons that change state)."""


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
        if not _PLAIN_DECIMAL.fullmatch(text):
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
