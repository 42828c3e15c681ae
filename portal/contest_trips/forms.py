"""Forms of the trip seat pages: the answer, and one traveller per seat."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired

from workflows.contest_trips.seats import NAME_LENGTH, NOTE_LENGTH, REASON_LENGTH

from ..forms import at_most, email_field


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        _l("Why do you decline?"),
        validators=[DataRequired(_l("Say why the seats are declined.")), at_most(REASON_LENGTH)],
    )
    submit = SubmitField(_l("Decline the seats"))


class TravellerForm(FlaskForm):
    """Who travels on one seat; the workflow checks the same rules again."""

    name = StringField(
        _l("Full name (as in the travel document)"),
        validators=[DataRequired(_l("Give the traveller's name.")), at_most(NAME_LENGTH)],
    )
    email = email_field(_l("E-mail"), _l("Give the traveller's e-mail address."))
    dietary = TextAreaField(_l("Dietary needs"), validators=[at_most(NOTE_LENGTH)])
    documents = TextAreaField(
        _l("Travel documents (passport or ID, visa)"), validators=[at_most(NOTE_LENGTH)]
    )
    submit = SubmitField(_l("Save the traveller"))
