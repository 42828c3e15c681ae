"""Forms of the claim, batch and statement pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..forms import AmountField


class ClaimForm(FlaskForm):
    program_id = SelectField(_l("Program"), coerce=int, validators=[InputRequired()])
    sale_reference = StringField(
        _l("Sale reference (invoice number)"), validators=[DataRequired(), Length(max=120)]
    )
    sold_on = DateField(_l("Sale date"), validators=[InputRequired()])
    amount = AmountField(_l("Amount claimed"), validators=[InputRequired()])
    invoice = FileField(
        _l("Invoice (PDF, PNG or JPEG)"), validators=[FileRequired(_l("Attach the invoice."))]
    )
    submit = SubmitField(_l("Submit claim"))


class BuildBatchForm(FlaskForm):
    """Which waiting lines go into a new batch: all, or those of a period and/or a program."""

    period = StringField(_l("Period"), validators=[Optional(), Length(max=40)])
    program_id = SelectField(_l("Program"), coerce=int, default=0)
    submit = SubmitField(_l("Build a batch"))
