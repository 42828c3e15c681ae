"""Forms of the claim, batch and statement pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

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
    currency = SelectField(
        _l("Currency"),
        default="",
        validate_choice=False,
        validators=[Optional(), Regexp(r"^[A-Z]{3}$")],
    )
    submit = SubmitField(_l("Build batches"))


class ExportForm(FlaskForm):
    """Which payment file a first export writes (pain.001 for EUR, the bank's CSV)."""

    file_format = SelectField(_l("File"), default="")


class MarkPaidForm(FlaskForm):
    executed_on = DateField(_l("Execution date"), validators=[InputRequired()])
    submit = SubmitField(_l("Mark paid"))


class ReturnForm(FlaskForm):
    """A transfer the bank returned: whose, and why (the bank's reason code and words)."""

    partner_id = SelectField(_l("Partner"), coerce=int, validators=[InputRequired()])
    reason = StringField(_l("Reason the bank gave"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Record returned payment"))


COLUMN_SLOTS = 8


class BankFormatForm(FlaskForm):
    """How one bank's bulk upload wants its CSV: ordered columns chosen from the fields."""

    name = StringField(_l("Bank format name"), validators=[DataRequired(), Length(max=80)])
    currencies = StringField(
        _l("Currencies (comma-separated)"), validators=[DataRequired(), Length(max=120)]
    )
    column_1 = SelectField(_l("Column 1"), default="")
    column_2 = SelectField(_l("Column 2"), default="")
    column_3 = SelectField(_l("Column 3"), default="")
    column_4 = SelectField(_l("Column 4"), default="")
    column_5 = SelectField(_l("Column 5"), default="")
    column_6 = SelectField(_l("Column 6"), default="")
    column_7 = SelectField(_l("Column 7"), default="")
    column_8 = SelectField(_l("Column 8"), default="")
    delimiter = SelectField(_l("Delimiter"), default=",")
    decimal_separator = SelectField(_l("Decimal separator"), default=".")
    header = BooleanField(_l("Header row"), default=True)
    submit = SubmitField(_l("Save bank format"))

    def column_fields(self):
        return [getattr(self, f"column_{n}") for n in range(1, COLUMN_SLOTS + 1)]
