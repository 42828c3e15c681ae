from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import RadioField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from workflows import validators

from .. import labels
from ..forms import Checked, at_most, required_text
from ..models import TIERS


class ResourceForm(FlaskForm):
    title = StringField(
        _l("Title"),
        validators=required_text(_l("Give the resource a title."), max=200, check=validators.name),
    )
    description = TextAreaField(
        _l("Description"),
        validators=[at_most(4000), Checked(validators.text_block)],
        render_kw={"rows": 3},
    )
    kind = RadioField(
        _l("Kind"),
        choices=[SelectChoice("document", _l("Document")), SelectChoice("link", _l("Link"))],
        default="document",
    )
    file = FileField(_l("Document (PDF, Word, Excel, PowerPoint, CSV, PNG or JPEG)"))
    url = StringField(_l("Link"), validators=[Optional(), Length(max=2000)])
    tiers = SelectMultipleField(
        _l("Only for these tiers (none chosen: every tier)"),
        choices=labels.choices("tier", TIERS),
        validators=[Optional()],
    )
    territories = SelectMultipleField(
        _l("Only for these territories and below (none chosen: everywhere)"),
        coerce=int,
        choices=[],
        validators=[Optional()],
    )
    submit = SubmitField(_l("Publish"))
