from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from workflows import validators
from workflows.onboarding.duplicates import normalise_domain

from .. import labels
from ..forms import (
    Checked,
    at_most,
    email_field,
    new_password_field,
    repeat_password_field,
    required_text,
    typed_currency,
)
from ..models import TIERS
from ..models.onboarding import BUSINESS_TYPES
from .countries import country_choices


def business_type_choices() -> list[SelectChoice]:
    return labels.choices("business_type", BUSINESS_TYPES)


def territory_choices(territories) -> list[SelectChoice]:
    """Territory options in tree order, indented by depth."""
    return [SelectChoice(t.id, "\u2003" * t.depth + t.name) for t in territories]


def _website(form, field) -> None:
    try:
        if normalise_domain(field.data) is None:
            raise ValueError(field.data)
    except ValueError:
        raise ValidationError(_l("Enter a website such as www.example.com.")) from None


class CompanyFields(FlaskForm):
    """What a partner tells about its company, when it applies and later in its profile."""

    website = StringField(
        _l("Website"),
        validators=[DataRequired(_l("Enter your company's website.")), at_most(253), _website],
    )
    tax_id = StringField(
        _l("Tax id (VAT or company number)"),
        validators=required_text(_l("Enter your company's tax id."), max=64, check=validators.name),
    )
    address = TextAreaField(
        _l("Address"),
        validators=required_text(
            _l("Enter your company's address."), max=500, check=validators.text_block
        ),
        render_kw={"rows": 3},
    )


class RegistrationForm(CompanyFields):
    company_name = StringField(
        _l("Company legal name"),
        validators=required_text(
            _l("Enter your company's legal name."), max=200, check=validators.name
        ),
    )
    country = SelectField(
        _l("Country"),
        validators=[InputRequired(_l("Choose your country.")), Checked(validators.country)],
        choices=[],
    )
    business_type = SelectField(
        _l("Type of business"),
        validators=[InputRequired(_l("Choose your type of business."))],
        choices=[],
    )
    name = StringField(
        _l("Your name"),
        validators=required_text(_l("Enter your name."), max=200, check=validators.name),
    )
    email = email_field(_l("Your work e-mail"), _l("Enter your e-mail address."))
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


class SubmitApplicationForm(FlaskForm):
    accept = BooleanField(_l("I have read the partner agreement and accept it"))
    submit = SubmitField(_l("Submit my application"))


class AnswerForm(FlaskForm):
    answer = TextAreaField(
        _l("Your answer"),
        validators=required_text(_l("Answer the channel manager's question."), max=4000),
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
    tier = SelectField(_l("Starting tier"), choices=labels.choices("tier", TIERS))
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
        validators=required_text(_l("Write the question for the applicant."), max=4000),
        render_kw={"rows": 3},
    )
    submit = SubmitField(_l("Request information"))


class RejectForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for the rejection (the applicant sees it)"),
        validators=required_text(_l("Give the reason for the rejection."), max=4000),
        render_kw={"rows": 3},
    )
    submit = SubmitField(_l("Reject"))


class RuleForm(FlaskForm):
    country = SelectField(_l("Country"), choices=[])
    territory = SelectField(_l("Territory"), coerce=int, choices=[])
    submit = SubmitField(_l("Save rule"))
