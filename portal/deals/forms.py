"""Forms of the deal registration pages; choices that depend on the data are set per request."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from workflows import validators
from workflows.deals.matching import name_tokens, normalise_domain
from workflows.deals.states import REJECTION_REASONS

from .. import labels
from ..changes import refusal_message
from ..forms import AmountField, Checked, InWindow
from ..forms import country_choices as shared_country_choices

MAX_AMOUNT = Decimal("999999999999")


def country_choices() -> list[SelectChoice]:
    """ISO country codes with their names in the user's language, sorted by name."""
    return [SelectChoice("", ""), *shared_country_choices()]


def _finite(form, field) -> None:
    if field.data is not None and not field.data.is_finite():
        raise StopValidation(_l("Enter an amount such as 12500.00."))


def amount_validators(required_message) -> list:
    return [
        InputRequired(required_message),
        _finite,
        NumberRange(
            min=Decimal("0.01"), max=MAX_AMOUNT, message=_l("Enter an amount greater than zero.")
        ),
    ]


def _positive_with_currency_places(form, field) -> None:
    currency = (form.currency.data or "").strip().upper()
    if field.data is None or not validators.is_currency(currency):
        return
    try:
        validators.within_minor_unit(field.data, currency)
    except validators.InvalidValue as exc:
        raise ValidationError(refusal_message(exc)) from None


class DealForm(FlaskForm):
    customer_name = StringField(
        _l("End customer (company name)"),
        validators=[
            DataRequired(_l("Enter the end customer's company name.")),
            Length(max=200, message=_l("At most %(max)d characters, please.")),
            Checked(validators.name),
        ],
    )
    domain = StringField(
        _l("Customer web or e-mail domain"),
        description=_l("For example acme.com: matches subdomains such as eu.acme.com."),
        validators=[Optional(), Length(max=253)],
    )
    country = SelectField(
        _l("Customer country"), validators=[DataRequired(_l("Choose the customer's country."))]
    )
    categories = SelectMultipleField(_l("Product categories"), coerce=int)
    products = SelectMultipleField(_l("Products"), coerce=int)
    estimated_value = AmountField(
        _l("Estimated value"),
        validators=[
            *amount_validators(_l("Enter the estimated value.")),
            _positive_with_currency_places,
        ],
    )
    # A picker (choices from portal.forms.currency_choices); validate_currency decides.
    currency = SelectField(
        _l("Currency"),
        validate_choice=False,
        validators=[DataRequired(_l("Enter the currency, for example EUR.")), Length(max=3)],
    )
    expected_close_on = DateField(
        _l("Expected close date"),
        validators=[InputRequired(_l("Enter the expected close date as YYYY-MM-DD."))],
    )
    notes = TextAreaField(
        _l("Notes for the channel manager"),
        validators=[Length(max=4000), Checked(validators.text_block)],
    )
    save_draft = SubmitField(_l("Save draft"))
    submit = SubmitField(_l("Submit for approval"))

    def validate_customer_name(self, field) -> None:
        if field.data and not name_tokens(field.data):
            raise ValidationError(_l("Enter the company name with letters or digits."))

    def validate_domain(self, field) -> None:
        try:
            field.data = normalise_domain(field.data)
        except ValueError:
            raise ValidationError(
                _l("Enter a web or e-mail domain such as acme.com (or leave it empty).")
            ) from None

    def validate_currency(self, field) -> None:
        field.data = (field.data or "").strip().upper()
        Checked(validators.currency)(self, field)

    def validate_expected_close_on(self, field) -> None:
        if field.data and field.data < date.today():
            raise ValidationError(_l("The expected close date cannot be in the past."))
        InWindow(validators.deal_close_window)(self, field)

    def validate_categories(self, field) -> None:
        if not field.data and not self.products.data:
            raise ValidationError(_l("Choose at least one product category or product."))


class EventForm(FlaskForm):
    """The form of a button on the detail page: its fields are the event's data, by name."""

    def event_data(self) -> dict:
        return {name: data for name, data in self.data.items() if name != self.meta.csrf_field_name}


class ReasonForm(EventForm):
    """Withdraw, report lost: a reason in free text."""

    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(_l("Give a reason.")), Length(max=2000)],
    )


class NoteForm(EventForm):
    """Approve, return for information, request or refuse an extension."""

    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class WonForm(EventForm):
    amount = AmountField(
        _l("Won amount"),
        validators=amount_validators(_l("Enter the amount won.")),
    )
    won_on = DateField(_l("Won on"), validators=[InputRequired(_l("Enter the date, YYYY-MM-DD."))])


class RejectForm(EventForm):
    reason = SelectField(
        _l("Reason"),
        choices=labels.choices("deal_rejection_reason", REJECTION_REASONS),
        validators=[DataRequired(_l("Choose a reason from the list."))],
    )
    note = TextAreaField(_l("Explanation for the partner"), validators=[Length(max=2000)])


class ExtensionGrantForm(EventForm):
    new_date = DateField(
        _l("Protected until"), validators=[InputRequired(_l("Enter the new date, YYYY-MM-DD."))]
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
