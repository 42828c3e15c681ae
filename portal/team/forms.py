from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length

from workflows import validators

from .. import labels
from ..forms import Checked, new_password_field, repeat_password_field
from ..onboarding.forms import business_type_choices
from .services import TEAM_ROLES


class InviteForm(FlaskForm):
    email = EmailField(
        _l("Colleague's e-mail"),
        validators=[
            DataRequired(_l("Enter your colleague's e-mail address.")),
            Email(_l("Enter a valid e-mail address.")),
            Length(max=254, message=_l("At most %(max)d characters.")),
        ],
    )
    role = SelectField(_l("Role"), choices=labels.choices("role", reversed(TEAM_ROLES)))
    submit = SubmitField(_l("Send invitation"))


class MemberRoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=labels.choices("role", reversed(TEAM_ROLES)))
    submit = SubmitField(_l("Change"))


class AcceptInvitationForm(FlaskForm):
    name = StringField(
        _l("Your name"),
        validators=[
            DataRequired(_l("Enter your name.")),
            Length(max=200, message=_l("At most %(max)d characters.")),
            Checked(validators.name),
        ],
    )
    password = new_password_field()
    confirm = repeat_password_field("password")
    submit = SubmitField(_l("Create my account"))


class ProfileForm(FlaskForm):
    website = StringField(
        _l("Website"),
        validators=[
            DataRequired(_l("Enter your company's website.")),
            Length(max=253, message=_l("At most %(max)d characters.")),
        ],
    )
    tax_id = StringField(
        _l("Tax id (VAT or company number)"),
        validators=[
            DataRequired(_l("Enter your company's tax id.")),
            Length(max=64, message=_l("At most %(max)d characters.")),
            Checked(validators.name),
        ],
    )
    address = TextAreaField(
        _l("Address"),
        validators=[
            DataRequired(_l("Enter your company's address.")),
            Length(max=500, message=_l("At most %(max)d characters.")),
            Checked(validators.text_block),
        ],
        render_kw={"rows": 3},
    )
    business_type = SelectField(_l("Type of business"), choices=business_type_choices())
    submit = SubmitField(_l("Save company profile"))

    FIELDS = ("website", "tax_id", "address", "business_type")
