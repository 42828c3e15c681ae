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


# The event checkboxes in groups a reader recognises, in the order of EVENT_TYPES.
GROUPS = (
    (_l("Partner applications"), ("application",)),
    (_l("Deals"), ("deal",)),
    (_l("Claims"), ("claim",)),
    (_l("Calculations and payouts"), ("calc_run", "settlement", "payout_batch")),
    (_l("Redemptions"), ("redemption",)),
    (_l("Marketing funds"), ("mdf.request", "mdf.claim")),
)


def event_groups(form: EndpointForm) -> list[tuple[str, list]]:
    """(group label, its choices) for the event type checkboxes."""
    groups = []
    for title, prefixes in GROUPS:
        choices = [c for c in form.event_types.choices if c.value.rsplit(".", 1)[0] in prefixes]
        groups.append((title, choices))
    return groups
