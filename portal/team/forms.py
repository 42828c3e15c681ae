from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField

from workflows import validators

from .. import labels
from ..forms import email_field, new_password_field, repeat_password_field, required_text
from ..onboarding.forms import CompanyFields, business_type_choices
from .services import TEAM_ROLES


class InviteForm(FlaskForm):
    email = email_field(_l("Colleague's e-mail"), _l("Enter your colleague's e-mail address."))
    role = SelectField(_l("Role"), choices=labels.choices("role", reversed(TEAM_ROLES)))
    submit = SubmitField(_l("Send invitation"))


class MemberRoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=labels.choices("role", reversed(TEAM_ROLES)))
    submit = SubmitField(_l("Change"))


class AcceptInvitationForm(FlaskForm):
    name = StringField(
        _l("Your name"),
        validators=required_text(_l("Enter your name."), max=200, check=validators.name),
    )
    password = new_password_field()
    confirm = repeat_password_field("password")
    submit = SubmitField(_l("Create my account"))


class ProfileForm(CompanyFields):
    business_type = SelectField(_l("Type of business"), choices=business_type_choices())
    submit = SubmitField(_l("Save company profile"))

    FIELDS = ("website", "tax_id", "address", "business_type")
