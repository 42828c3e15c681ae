from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired

from workflows import validators

from ..forms import required_text


class PublishForm(FlaskForm):
    title = StringField(
        _l("Title"),
        validators=required_text(_l("Give the agreement a title."), max=200, check=validators.name),
    )
    body = TextAreaField(
        _l("Agreement text"),
        validators=required_text(
            _l("Write the text of the agreement."), max=100_000, check=validators.text_block
        ),
        render_kw={"rows": 14},
    )
    effective_on = DateField(
        _l("Effective from"),
        validators=[InputRequired(_l("Enter the date from which this version applies."))],
    )
    submit = SubmitField(_l("Publish new version"))


class AcceptForm(FlaskForm):
    accept = BooleanField(
        _l("I have read the partner agreement and accept it"),
        validators=[DataRequired(_l("Tick the box to accept the agreement."))],
    )
    submit = SubmitField(_l("Accept the agreement"))
