from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

MAX_SPEC_CHARS = 100_000


class ProgramForm(FlaskForm):
    source = TextAreaField(
        _l("Program definition (YAML or JSON)"),
        validators=[
            DataRequired(_l("Paste or write the program definition.")),
            Length(max=MAX_SPEC_CHARS, message=_l("The definition is too long.")),
        ],
        render_kw={"rows": 24, "spellcheck": "false", "class": "font-monospace"},
    )
    submit = SubmitField(_l("Validate and save"))
