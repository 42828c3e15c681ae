"""Forms of the points pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..calc.forms import PERIOD_HELP


class RedeemForm(FlaskForm):
    quantity = IntegerField(
        _l("Quantity"), default=1, validators=[InputRequired(), NumberRange(min=1, max=10_000)]
    )
    submit = SubmitField(_l("Request"))


class ItemForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=64)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Length(max=2000)])
    image_url = StringField(
        _l("Image path on this site (/static/…)"), validators=[Optional(), Length(max=500)]
    )
    points_cost = IntegerField(
        _l("Point cost"), validators=[InputRequired(), NumberRange(min=1, max=10**12)]
    )
    stock = IntegerField(
        _l("Stock (empty: unlimited)"), validators=[Optional(), NumberRange(min=0, max=10**9)]
    )
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save item"))


class PostPointsForm(FlaskForm):
    period = StringField(
        _l("Period"),
        validators=[DataRequired(_l("Give a period.")), Length(max=32)],
        description=PERIOD_HELP,
    )
    submit = SubmitField(_l("Post points for period"))
