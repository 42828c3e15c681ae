"""Forms of the partner and manager MDF pages: proposals, decisions, claims with proof."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, MultipleFileField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from workflows.mdf.checks import DESCRIPTION_LENGTH, REASON_LENGTH
from workflows.mdf.request_states import MAX_LEADS

from ..forms import AmountField

LEADS = NumberRange(min=0, max=MAX_LEADS)


class ActivityFields(FlaskForm):
    """What a partner says about an activity, when proposing it and when resubmitting it."""

    starts_on = DateField(_l("Activity starts"), validators=[InputRequired()])
    ends_on = DateField(_l("Activity ends"), validators=[InputRequired()])
    amount = AmountField(_l("Amount requested"), validators=[InputRequired()])
    description = TextAreaField(
        _l("Description"), validators=[DataRequired(), Length(max=DESCRIPTION_LENGTH)]
    )


class RequestForm(ActivityFields):
    fund_id = SelectField(_l("Fund"), coerce=int, validators=[InputRequired()])
    activity_type_id = SelectField(_l("Activity type"), coerce=int, validators=[InputRequired()])
    expected_leads = IntegerField(_l("Expected leads"), validators=[Optional(), LEADS])
    expected_pipeline = AmountField(_l("Expected pipeline"), validators=[Optional()])


class ResubmitForm(ActivityFields):
    pass


class ApproveForm(FlaskForm):
    """The requested amount, or a lower one typed by the approver."""

    amount = AmountField(_l("Amount approved"), validators=[Optional()])


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=REASON_LENGTH)])


class ClaimForm(FlaskForm):
    amount = AmountField(_l("Amount claimed"), validators=[InputRequired()])
    actual_leads = IntegerField(_l("Leads generated"), validators=[Optional(), LEADS])
    actual_pipeline = AmountField(_l("Pipeline generated"), validators=[Optional()])
    proof = MultipleFileField(_l("Proof of performance (PDF, PNG or JPEG)"))
