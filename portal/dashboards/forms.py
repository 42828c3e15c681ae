"""The what-if form: a GET form, so it works without JavaScript and links can be shared."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import InputRequired, NumberRange

from ..forms import AmountField

MAX_EXTRA = Decimal("1000000000000")


class WhatIfForm(FlaskForm):
    """How much more the partner might sell in one program's period."""

    class Meta:
        csrf = False  # a read-only GET: nothing changes

    program = HiddenField()
    extra = AmountField(
        _l("Additional sales"),
        validators=[
            InputRequired(message=_l("Enter an amount.")),
            NumberRange(min=0, max=MAX_EXTRA, message=_l("Enter an amount from 0 to 1 trillion.")),
        ],
    )
