from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice

IMPORT_KINDS = (
    SelectChoice("territories", _l("Territories")),
    SelectChoice("partners", _l("Partners")),
    SelectChoice("categories", _l("Product categories")),
    SelectChoice("products", _l("Products")),
    SelectChoice("fx", _l("FX rates")),
    SelectChoice("sales", _l("Sales lines")),
    SelectChoice("catalog", _l("Reward catalog")),
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
