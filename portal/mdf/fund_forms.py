"""Forms of finance's fund pages: a new fund, an allocation, an activity type."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from workflows.mdf.funds import MAX_CLAIM_DAYS

from ..forms import AmountField, Checked, typed_currency

DAY = _l("Enter the date as YYYY-MM-DD.")


class FundForm(FlaskForm):
    code = StringField(
        _l("Code"), validators=[DataRequired(_l("Give the fund a code.")), Length(max=64)]
    )
    name = StringField(
        _l("Name"), validators=[DataRequired(_l("Give the fund a name.")), Length(max=200)]
    )
    # A searchable picker (choices from portal.forms.currency_choices); the check decides.
    currency = SelectField(
        _l("Currency"),
        validate_choice=False,
        validators=[
            DataRequired(_l("Choose a valid currency.")),
            Length(min=3, max=3, message=_l("Choose a valid currency.")),
            Checked(typed_currency),
        ],
        render_kw={"data_searchable": True},
    )
    amount = AmountField(_l("Amount"), validators=[InputRequired(_l("Enter the fund's amount."))])
    starts_on = DateField(_l("Activities from"), validators=[InputRequired(DAY)])
    ends_on = DateField(_l("Activities until"), validators=[InputRequired(DAY)])
    claim_deadline = DateField(_l("Claim deadline"), validators=[InputRequired(DAY)])
    claim_days = IntegerField(
        _l("Claims due (days after an activity ends)"),
        validators=[InputRequired(), NumberRange(min=0, max=MAX_CLAIM_DAYS)],
    )
    second_approval_above = AmountField(
        _l("Finance also approves requests above (empty: never)"), validators=[Optional()]
    )
    submit = SubmitField(_l("Create fund"))


class AllocateForm(FlaskForm):
    # "t<id>" for a territory, "p<id>" for a partner; the page lists those in the user's view.
    target = SelectField(
        _l("To"),
        choices=[],
        validators=[DataRequired(_l("Choose a territory or a partner."))],
        render_kw={"data_searchable": True},
    )
    amount = AmountField(_l("Amount"), validators=[InputRequired(_l("Enter the amount."))])
    submit = SubmitField(_l("Allocate"))


class ActivityTypeForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=64)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Add activity type"))
