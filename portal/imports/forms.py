from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, SelectField, SubmitField

IMPORT_KINDS = (
    ("territories", _l("Territories")),
    ("partners", _l("Partners")),
    ("categories", _l("Product categories")),
    ("products", _l("Products")),
    ("fx", _l("FX rates")),
    ("sales", _l("Sales lines")),
)


class UploadForm(FlaskForm):
    kind = SelectField(_l("What the file contains"), choices=IMPORT_KINDS)
    file = FileField(
        _l("CSV file"),
        validators=[
            FileRequired(_l("Choose a CSV file to upload.")),
            FileAllowed(["csv", "txt"], _l("Only .csv files can be imported.")),
        ],
    )
    dry_run = BooleanField(_l("Dry run: validate only, change nothing"))
    submit = SubmitField(_l("Upload and import"))
