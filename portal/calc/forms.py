from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

PERIOD_HELP = _l("2026-Q3, 2026-07, 2026 or 2026-07-01..2026-09-30")


class StartRunForm(FlaskForm):
    period = StringField(
        _l("Period"),
        validators=[DataRequired(_l("Give a period.")), Length(max=32)],
        description=PERIOD_HELP,
    )
    kind = SelectField(
        _l("Kind of run"),
        choices=[
            SelectChoice("accrual", _l("Accrual (during or after the period)")),
            SelectChoice("settlement", _l("Settlement (after the period ended)")),
        ],
    )
    submit = SubmitField(_l("Start calculation"))


class ClosePeriodForm(FlaskForm):
    program_id = SelectField(_l("Program"), coerce=int)
    period = StringField(
        _l("Period"),
        validators=[DataRequired(_l("Give a period.")), Length(max=32)],
        description=PERIOD_HELP,
    )
    submit = SubmitField(_l("Close period"))
