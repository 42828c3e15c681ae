"""What each state-machine event does to a registration, beyond changing its state (each one
is the `effect` of its transition in `states`).

Each effect validates its input (raising DealError with a translated message and the form field
it concerns), sets the registration's fields, and may return extra facts for the audit event.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from flask import current_app

from portal.models import DealRegistration, utcnow
from portal.models.deals import REJECTION_CODES
from workflows import validators
from workflows.engine.i18n import N_

from . import conflicts
from .errors import DealError
from .protection import protection_for

MAX_TEXT = 2000
MAX_AMOUNT = Decimal("1000000000000")


def checked(field: str, check, *args):
    """Run a shared check (workflows.validators); its refusal becomes a DealError on `field`."""
    try:
        return check(*args)
    except validators.InvalidValue as exc:
        raise DealError(exc.template, field=field, **exc.params) from None


def required_text(value: str | None, field: str, message) -> str:
    text = checked(field, validators.text_block, (value or "").strip())
    if not text:
        raise DealError(message, field=field)
    if len(text) > MAX_TEXT:
        raise DealError(N_("At most %(max)s characters, please."), max=MAX_TEXT, field=field)
    return text


def optional_text(value: str | None, field: str = "note") -> str | None:
    text = checked(field, validators.text_block, (value or "").strip())
    if len(text) > MAX_TEXT:
        raise DealError(N_("At most %(max)s characters, please."), max=MAX_TEXT, field=field)
    return text or None


def money_amount(value, currency: str, field: str) -> Decimal:
    """A positive amount with no more decimals than the currency has (JPY none, EUR two)."""
    try:
        amount = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise DealError(N_("Enter an amount such as 12500.00."), field=field) from None
    if not amount.is_finite() or amount <= 0:
        raise DealError(N_("The amount must be greater than zero."), field=field)
    if amount >= MAX_AMOUNT:
        raise DealError(N_("The amount is too large."), field=field)
    return checked(field, validators.within_minor_unit, amount, currency)


def today() -> date:
    return utcnow().date()


def _decided(deal: DealRegistration, actor) -> None:
    deal.decided_at = utcnow()
    deal.decided_by_id = actor.id


def submit(deal: DealRegistration, actor, **_) -> dict:
    deal.submitted_at = utcnow()
    deal.decided_at = deal.decided_by_id = deal.rejection_reason = deal.decision_note = None
    found = conflicts.detect_conflicts(deal)
    return {"conflicts": len(found)}


def approve(deal: DealRegistration, actor, note: str | None = None, **_) -> None:
    conflicts.claim_protection(deal)
    _decided(deal, actor)
    protection = protection_for(deal, today())
    deal.protection_ends_on = today() + timedelta(days=protection.days)
    deal.protection_program_id = protection.program_id
    deal.decision_note = optional_text(note)


def reject(deal: DealRegistration, actor, reason: str = "", note: str | None = None, **_) -> None:
    if reason not in REJECTION_CODES:
        raise DealError(N_("Choose a reason from the list."), field="reason")
    if reason == "other":
        text = required_text(note, "note", N_("Explain the reason for rejecting."))
    else:
        text = optional_text(note)
    _decided(deal, actor)
    deal.rejection_reason, deal.decision_note = reason, text


def return_for_information(deal: DealRegistration, actor, note: str | None = None, **_) -> None:
    text = required_text(note, "note", N_("Say what information is missing."))
    _decided(deal, actor)
    deal.decision_note = text


def withdraw(deal: DealRegistration, actor, reason: str | None = None, **_) -> None:
    deal.withdrawn_reason = required_text(reason, "reason", N_("Give a reason for withdrawing."))
    conflicts.release_protection(deal)


def report_won(deal: DealRegistration, actor, amount=None, won_on: date | None = None, **_):
    """Won keeps the customer protected until the protection date (the expiry job then frees
    the claim), so a second partner cannot register the deal that was just closed."""
    deal.won_amount = money_amount(amount, deal.currency, "amount")
    if won_on is None:
        raise DealError(N_("Enter the date the deal was won."), field="won_on")
    if won_on > today():
        raise DealError(N_("The date the deal was won cannot be in the future."), field="won_on")
    window = validators.claimed_sale_window(current_app.config, today())
    deal.won_on = checked("won_on", window.check, won_on)


def report_lost(deal: DealRegistration, actor, reason: str | None = None, **_) -> None:
    deal.lost_reason = required_text(reason, "reason", N_("Say why the deal was lost."))
    conflicts.release_protection(deal)


def expire(deal: DealRegistration, actor, **_) -> None:
    conflicts.release_protection(deal)


def request_extension(deal: DealRegistration, actor, note: str | None = None, **_) -> None:
    deal.extension_note = required_text(
        note, "note", N_("Explain why the protection should be extended.")
    )
    deal.extension_state = "requested"
    deal.extension_requested_at = utcnow()
    deal.extension_requested_by_id = actor.id


def grant_extension(deal: DealRegistration, actor, new_date: date | None = None, **data) -> dict:
    if new_date is None or new_date <= deal.protection_ends_on:
        raise DealError(
            N_("Choose a new protection date after %(date)s."),
            date=deal.protection_ends_on,
            field="new_date",
        )
    window = validators.deal_close_window(current_app.config, today())
    deal.protection_ends_on = checked("new_date", window.check, new_date)
    deal.extension_state = "granted"
    deal.extension_decided_by_id = actor.id
    return {"note": optional_text(data.get("note"))}


def refuse_extension(deal: DealRegistration, actor, note: str | None = None, **_) -> dict:
    deal.extension_state = "refused"
    deal.extension_decided_by_id = actor.id
    return {"note": optional_text(note)}
