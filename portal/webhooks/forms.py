from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectMultipleField, StringField, URLField
from wtforms.validators import DataRequired, Length, Optional

from .. import labels
from ..foundation.webhooks import EVENT_TYPES


class EndpointForm(FlaskForm):
    url = URLField(
        _l("Endpoint URL"),
        validators=[DataRequired(_l("Enter the URL to send events to.")), Length(max=2000)],
    )
    description = StringField(_l("Description"), validators=[Optional(), Length(max=200)])
    event_types = SelectMultipleField(
        _l("Events to send"),
        choices=labels.choices("webhook_event", EVENT_TYPES),
        validators=[DataRequired(_l("Choose at least one event."))],
    )
    allow_private = BooleanField(_l("Allow private and loopback addresses"))
