from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length

from workflows import validators
from workflows.onboarding.duplicates import normalise_domain

from ..forms import Checked, new_password_field, repeat_password_field, typed_currency
from ..models import TIERS
from ..models.onboarding import BUSINESS_TYPES
from .countries import country_choices

BUSINESS_TYPE_LABELS = {
    "reseller": _l("Reseller"),
    "distributor": _l("Distributor"),
    "agent": _l("Agent"),
    "dealer": _l("Dealer or dealer group"),
    "managed_service_provider": _l("Managed service provider"),
    "system_integrator": _l("System integrator"),
    "other": _l("Other"),
}
TIER_LABELS = {
    "registered": _l("Registered"),
    "silver": _l("Silver"),
    "gold": _l("Gold"),
    "platinum": _l("Platinum"),
}


def business_type_choices() -> list[SelectChoice]:
    return [SelectChoice(key, BUSINESS_TYPE_LABELS[key]) for key in BUSINESS_TYPES]


def territory_choices(territories) -> list[SelectChoice]:
    """Territory options in tree order, indented by depth."""
    return [SelectChoice(t.id, "\u2003" * t.depth + t.name) for t in territories]


def _max(n: int) -> Length:
    return Length(max=n, message=_l("At most %(max)d characters."))


def _website(form, field) -> None:
    try:
        if normalise_domain(field.data) is None:
            raise ValueError(field.data)
    except ValueError:
        raise ValidationError(_l("Enter a website such as www.example.com.")) from None


class RegistrationForm(FlaskForm):
    company_name = StringField(
        _l("Company legal name"),
        validators=[
            DataRequired(_l("Enter your company's legal name.")),
            _max(200),
            Checked(validators.name),
        ],
    )
    country = SelectField(
        _l("Country"),
        validators=[InputRequired(_l("Choose your country.")), Checked(validators.country)],
        choices=[],
    )
    website = StringField(
        _l("Website"),
        validators=[DataRequired(_l("Enter your company's website.")), _max(253), _website],
    )
    tax_id = StringField(
        _l("Tax id (VAT or company number)"),
        validators=[
            DataRequired(_l("Enter your company's tax id.")),
            _max(64),
            Checked(validators.name),
        ],
    )
    address = TextAreaField(
        _l("Address"),
        validators=[
            DataRequired(_l("Enter your company's address.")),
            _max(500),
            Checked(validators.text_block),
        ],
        render_kw={"rows": 3},
    )
    business_type = SelectField(
        _l("Type of business"),
        validators=[InputRequired(_l("Choose your type of business."))],
        choices=[],
    )
    name = StringField(
        _l("Your name"),
        validators=[DataRequired(_l("Enter your name.")), _max(200), Checked(validators.name)],
    )
    email = EmailField(
        _l("Your work e-mail"),
        validators=[
            DataRequired(_l("Enter your e-mail address.")),
            Email(_l("Enter a valid e-mail address.")),
            _max(254),
        ],
    )
    password = new_password_field()
    confirm = repeat_password_field("password")
    submit = SubmitField(_l("Apply to become a partner"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = [SelectChoice("", _l("Choose…")), *country_choices()]
        self.business_type.choices = [
            SelectChoice("", _l("Choose…")),
            *business_type_choices(),
        ]

    def validate_country(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Choose your country."))

    def validate_business_type(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Choose your type of business."))


class SubmitApplicationForm(FlaskForm):
    accept = BooleanField(_l("I have read the partner agreement and accept it"))
    submit = SubmitField(_l("Submit my application"))


class AnswerForm(FlaskForm):
    answer = TextAreaField(
        _l("Your answer"),
        validators=[DataRequired(_l("Answer the channel manager's question.")), _max(4000)],
        render_kw={"rows": 5},
    )
    submit = SubmitField(_l("Send answer and resubmit"))


class DocumentForm(FlaskForm):
    file = FileField(
        _l("Supporting document (PDF, PNG or JPEG)"),
        validators=[FileRequired(_l("Choose a file to upload."))],
    )
    submit = SubmitField(_l("Upload"))


class ApproveForm(FlaskForm):
    territory = SelectField(_l("Territory"), coerce=int, choices=[])
    tier = SelectField(
        _l("Starting tier"), choices=[SelectChoice(t, TIER_LABELS[t]) for t in TIERS]
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
    submit = SubmitField(_l("Approve and create the partner"))


class QuestionForm(FlaskForm):
    question = TextAreaField(
        _l("Question for the applicant"),
        validators=[DataRequired(_l("Write the question for the applicant.")), _max(4000)],
        render_kw={"rows": 3},
    )
    submit = SubmitField(_l("Request information"))


class RejectForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for the rejection (the applicant sees it)"),
        validators=[DataRequired(_l("Give the reason for the rejection.")), _max(4000)],
        render_kw={"rows": 3},
    )
    submit = SubmitField(_l("Reject"))


class RuleForm(FlaskForm):
    country = SelectField(_l("Country"), choices=[])
    territory = SelectField(_l("Territory"), coerce=int, choices=[])
    submit = SubmitField(_l("Save rule"))
