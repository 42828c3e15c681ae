from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice

from .. import labels
from ..extensions import db
from ..forms import email_field, required_text
from ..models import Territory
from .staff import STAFF_ROLES

INDENT = "\u2003"  # an em space per level of the tree


def territory_choices() -> list[SelectChoice]:
    """Every territory, parents before their children, indented by depth."""
    rows = db.session.execute(
        select(Territory.id, Territory.name, Territory.code, Territory.depth).order_by(
            Territory.path
        )
    )
    return [
        SelectChoice(i, INDENT * depth + (name if name == code else f"{name} ({code})"))
        for i, name, code, depth in rows
    ]


class _StaffFields(FlaskForm):
    role = SelectField(_l("Role"), choices=labels.choices("role", STAFF_ROLES))
    territories = SelectMultipleField(
        _l("Territories (channel managers)"), coerce=int, validate_choice=False
    )

    def fill_choices(self):
        self.territories.choices = territory_choices()
        self.territories.render_kw = {"size": min(max(len(self.territories.choices), 3), 12)}
        return self


class StaffUserForm(_StaffFields):
    name = StringField(
        _l("Name"), validators=required_text(_l("Enter the person's name."), max=200)
    )
    email = email_field(_l("E-mail"), _l("Enter the person's e-mail address."))
    language = SelectField(_l("Language of their e-mails and pages"), choices=[])
    submit = SubmitField(_l("Create the user"))

    def fill_choices(self):
        super().fill_choices()
        self.language.choices = [
            SelectChoice(code, name) for code, name in current_app.config["LANGUAGES"].items()
        ]
        return self


class StaffRoleForm(_StaffFields):
    submit = SubmitField(_l("Save role and territories"))
