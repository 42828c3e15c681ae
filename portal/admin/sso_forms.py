from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice

from workflows import validators

from ..extensions import db
from ..forms import at_most, required_text
from ..models import Partner
from ..models.sso import DEFAULT_SCOPES


class ProviderForm(FlaskForm):
    name = StringField(
        _l("Name"), validators=required_text(_l("Enter a name."), max=120, check=validators.name)
    )
    issuer = StringField(
        _l("Issuer URL"), validators=required_text(_l("Enter the issuer URL."), max=500)
    )
    client_id = StringField(
        _l("Client ID"), validators=required_text(_l("Enter the client ID."), max=255)
    )
    secret_env = StringField(
        _l("Environment variable holding the client secret"),
        validators=required_text(_l("Name the environment variable."), max=100),
    )
    scopes = StringField(
        _l("Scopes"),
        default=DEFAULT_SCOPES,
        validators=required_text(_l("Enter the scopes."), max=255),
    )
    domains = TextAreaField(
        _l("E-mail domains served (one a line)"),
        validators=required_text(_l("Enter at least one e-mail domain."), max=4000),
    )
    groups_claim = StringField(
        _l("Claim listing the groups"),
        default="groups",
        validators=required_text(_l("Name the claim that lists the groups."), max=64),
    )
    role_map = TextAreaField(
        _l("Groups to roles (group = role, one a line)"), validators=[at_most(4000)]
    )
    territory_map = TextAreaField(
        _l("Groups to territories (group = CODE CODE, one a line; staff providers)"),
        validators=[at_most(4000)],
    )
    partner_id = SelectField(_l("Partner organisation served"), choices=[])
    password_sign_in_off = BooleanField(_l("Password sign-in off for this organisation"))
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save the provider"))

    def fill_choices(self):
        partners = db.session.execute(select(Partner.id, Partner.name).order_by(Partner.name))
        self.partner_id.choices = [SelectChoice("", _l("None: staff provider"))] + [
            SelectChoice(str(i), name) for i, name in partners
        ]
        return self
