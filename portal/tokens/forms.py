from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, SubmitField
from wtforms.validators import Optional, ValidationError

from workflows import validators

from .. import labels
from ..forms import required_text
from ..models import utcnow


class NewTokenForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=required_text(
            _l("Give the token a name, such as the system that will use it."),
            max=100,
            check=validators.name,
        ),
    )
    scope = SelectField(_l("Access"), choices=labels.choices("token_scope"))
    expires_on = DateField(_l("Expires on (optional)"), validators=[Optional()])
    submit = SubmitField(_l("Create token"))

    def validate_expires_on(self, field):
        if field.data is not None and field.data < utcnow().date():
            raise ValidationError(_l("The expiry date cannot be in the past."))
