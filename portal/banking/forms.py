"""Forms of the payout account pages: entering an account, finance's decision."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from workflows.banking.accounts import REASON_LENGTH

NUMBER = [Optional(), Length(max=64)]


class CurrencyForm(FlaskForm):
    """Which currency the account is for: it decides the fields (a GET form, no CSRF)."""

    class Meta:
        csrf = False

    # A searchable picker (choices from portal.forms.currency_choices); the workflow decides.
    currency = SelectField(
        _l("Currency"), validate_choice=False, render_kw={"data_searchable": True}
    )
    submit = SubmitField(_l("Continue"))


class AccountForm(FlaskForm):
    """The account for one currency; which number fields count depends on its scheme."""

    currency = HiddenField(
        validators=[
            DataRequired(_l("Choose a valid currency.")),
            Length(min=3, max=3, message=_l("Choose a valid currency.")),
        ]
    )
    holder_name = StringField(_l("Account holder"), validators=[Optional(), Length(max=200)])
    iban = StringField(_l("IBAN"), validators=NUMBER)
    bic = StringField(_l("BIC (SWIFT code)"), validators=NUMBER)
    routing_number = StringField(_l("ABA routing number"), validators=NUMBER)
    sort_code = StringField(_l("Sort code"), validators=NUMBER)
    account_number = StringField(_l("Account number"), validators=NUMBER)
    tax_id = StringField(_l("Tax or VAT id"), validators=NUMBER)
    submit = SubmitField(_l("Submit for verification"))


class RejectAccountForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"),
        validators=[
            DataRequired(_l("Say why the account is rejected.")),
            Length(max=REASON_LENGTH),
        ],
    )
    submit = SubmitField(_l("Reject"))
