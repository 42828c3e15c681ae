"""Entering and verifying payout accounts: partner admins enter, finance verifies (four eyes).

    (entered) ──▶ pending ──verify (finance, never who entered it)──▶ verified ──▶ superseded
                     │  └──reject (finance, with a reason)──▶ rejected
                     └──(a newer change of the same currency)──▶ superseded

A partner admin enters a new account, or a change, for one currency: a new `pending` row, its
numbers sealed (workflows/banking/vault.py). While it waits, the partner's lines in that
currency are held (payees.hold_reasons). Verifying it replaces the account verified before;
rejecting it leaves that one in use. Every partner admin of the organisation is e-mailed on each
step, with no account number in the mail. Every step is audited; so is every time finance opens
an account's numbers (`reveal_account`), naming the account, never the number.
"""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.foundation.audit import record_event
from portal.foundation.outbox import public_url, queue_mail
from portal.models import AuditEvent, Partner, PayeeAccount, User, partner_admins_of, utcnow
from portal.security import Perm, can, ensure, visible_to
from workflows import validators
from workflows.engine import N_, Term
from workflows.states import Machine, Transition

from . import vault
from .errors import AccountAlreadyDecided, BankDetailsError
from .payees import PayeeDetails, open_account
from .validation import CheckedAccount, check_account

STATE_WORDS = {
    "pending": N_("pending verification"),
    "verified": N_("verified"),
    "rejected": N_("rejected"),
    "superseded": N_("replaced"),
}
REASON_LENGTH = 500
PARTNER_ADMINS = "partner_admins"


def partner_admins(partner_id: int) -> list[User]:
    """The active partner admins of the organisation: who hears of every change."""
    return list(db.session.scalars(partner_admins_of([partner_id])))


def mail_context(account: PayeeAccount, event: str, audience: str = PARTNER_ADMINS) -> dict:
    """What the mails are given: the account's currency, holder and state, never its numbers."""
    return {
        "partner": account.partner,
        "currency": account.currency,
        "holder_name": account.holder_name,
        "scheme": account.scheme,
        "reason": account.reason,
        "event": event,
        "link": public_url("banking.accounts_page"),
    }


def _supersede(account: PayeeAccount, actor, why: str) -> None:
    before = account.state
    account.state, account.superseded_at = "superseded", utcnow()
    db.session.flush()
    record_event(
        actor,
        "payee_account.supersede",
        account,
        before={"state": before},
        after={"state": "superseded", "by": why},
    )


def _current(partner_id: int, currency: str, state: str) -> PayeeAccount | None:
    return db.session.scalar(
        select(PayeeAccount)
        .where(
            PayeeAccount.partner_id == partner_id,
            PayeeAccount.currency == currency,
            PayeeAccount.state == state,
        )
        .with_for_update()
    )


def _named(account: PayeeAccount, actor) -> None:
    if actor is None or actor.id is None:
        raise BankDetailsError(N_("A decision must be made by a named user."))


def _verify(account: PayeeAccount, actor) -> dict:
    account.decided_by_id, account.decided_at = actor.id, utcnow()
    previous = _current(account.partner_id, account.currency, "verified")
    if previous is not None:
        _supersede(previous, actor, f"payee_account:{account.id}")
    return {"partner": account.partner.code, "currency": account.currency}


def _reject(account: PayeeAccount, actor, reason: str | None = None) -> dict:
    try:
        reason = validators.text_block(reason or "").strip()
    except validators.InvalidValue as exc:
        raise BankDetailsError(exc.template, field="reason", **exc.params) from None
    if not reason:
        raise BankDetailsError(N_("Say why the account is rejected."), field="reason")
    if len(reason) > REASON_LENGTH:
        raise BankDetailsError(
            N_("Keep the reason under %(count)s characters."), count=REASON_LENGTH, field="reason"
        )
    account.reason = reason
    account.decided_by_id, account.decided_at = actor.id, utcnow()
    return {"partner": account.partner.code, "currency": account.currency}


FINANCE = "finance"
ACCOUNTS = Machine(
    "payee_account",
    (
        Transition("verify", ("pending",), "verified", FINANCE, Term(N_("verified")),
                   makers=("entered_by_id",), check=_named, effect=_verify,
                   notify={PARTNER_ADMINS: "payee_account_verified"}),
        Transition("reject", ("pending",), "rejected", FINANCE, Term(N_("rejected")),
                   makers=("entered_by_id",), check=_named, effect=_reject,
                   notify={PARTNER_ADMINS: "payee_account_rejected"}),
    ),
    parties={FINANCE: Perm.VERIFY_PAYOUT_ACCOUNTS},
    refused=N_("Account %(id)s is %(state)s, so it cannot be %(action)s."),
    maker_checker=N_("You entered this account yourself: someone else must verify it."),
    illegal=AccountAlreadyDecided,
    state_label=lambda account: Term(STATE_WORDS[account.state]),
    audited=("decided_by_id", "reason"),
    audiences={PARTNER_ADMINS: lambda account: partner_admins(account.partner_id)},
    mail_context=mail_context,
    unknown=lambda event: BankDetailsError(N_("Unknown action.")),
)  # fmt: skip


def _refuse_unchanged(partner: Partner, checked: CheckedAccount) -> None:
    """Entering the verified account again would only hold payment for nothing."""
    verified = _current(partner.id, checked.currency, "verified")
    if verified is None:
        return
    same = (verified.holder_name, verified.bic, verified.tax_id) == (
        checked.holder_name,
        checked.bic,
        checked.tax_id,
    )
    if same and vault.unseal(verified.secret) == checked.fields:
        raise BankDetailsError(
            N_("These are the details of the verified %(currency)s account: nothing changed."),
            currency=checked.currency,
        )


def sealed_account(partner: Partner, checked: CheckedAccount, **row) -> PayeeAccount:
    """A new account row of `partner` from checked details, its numbers sealed (flushed)."""
    account = PayeeAccount(
        partner_id=partner.id,
        currency=checked.currency,
        scheme=checked.scheme,
        country=checked.country,
        holder_name=checked.holder_name,
        bic=checked.bic,
        secret=vault.seal(checked.fields),
        last4=checked.last4,
        tax_id=checked.tax_id,
        **row,
    )
    db.session.add(account)
    db.session.flush()
    return account


def enter_account(partner: Partner, *, actor, currency: str, **details) -> PayeeAccount:
    """A partner admin's new account (or change) for one currency: checked, sealed, pending.
    A change still waiting for verification in that currency is replaced by this one."""
    ensure(actor, Perm.MANAGE_PAYOUT_ACCOUNTS, partner)
    checked = check_account(currency=currency, partner_country=partner.country, **details)
    _refuse_unchanged(partner, checked)
    waiting = _current(partner.id, checked.currency, "pending")
    if waiting is not None:
        _supersede(waiting, actor, "newer_change")
    account = sealed_account(
        partner, checked, state="pending", entered_by_id=actor.id, entered_at=utcnow()
    )
    record_event(
        actor,
        "payee_account.enter",
        account,
        after={
            "partner": partner.code,
            "currency": account.currency,
            "scheme": account.scheme,
            "country": account.country,
            "holder_name": account.holder_name,
            "bic": account.bic,
            "state": "pending",
            "replaces_pending": waiting.id if waiting is not None else None,
        },
    )
    context = mail_context(account, "enter")
    for admin in partner_admins(partner.id):
        queue_mail(admin, "payee_account_entered", context, related=account)
    return account


def verify_account(account: PayeeAccount, *, actor) -> PayeeAccount:
    """Finance confirms the account (never whoever entered it); it replaces the one before."""
    return ACCOUNTS.fire(account, "verify", actor)


def reject_account(account: PayeeAccount, *, actor, reason: str) -> PayeeAccount:
    """Finance refuses the account with a reason; the account verified before stays in use."""
    return ACCOUNTS.fire(account, "reject", actor, reason=reason)


def reveal_account(account: PayeeAccount, *, actor) -> PayeeDetails:
    """The account's numbers in clear, for finance only; every opening is audited (the event
    names the account, never the number)."""
    ensure(actor, Perm.VERIFY_PAYOUT_ACCOUNTS, account)
    record_event(
        actor,
        "payee_account.reveal",
        account,
        after={"partner": account.partner.code, "currency": account.currency},
    )
    return open_account(account)


def visible_accounts(actor, *, partner: Partner | None = None, states=None) -> list[PayeeAccount]:
    """The accounts the actor may see (a partner admin its own organisation's, finance all),
    by partner and currency, newest first."""
    if not can(actor, Perm.VERIFY_PAYOUT_ACCOUNTS):
        ensure(actor, Perm.MANAGE_PAYOUT_ACCOUNTS)
    stmt = select(PayeeAccount).order_by(
        PayeeAccount.partner_id, PayeeAccount.currency, PayeeAccount.id.desc()
    )
    if partner is not None:
        stmt = stmt.where(PayeeAccount.partner_id == partner.id)
    if states:
        stmt = stmt.where(PayeeAccount.state.in_(states))
    return list(db.session.scalars(visible_to(stmt, actor, PayeeAccount)))


def replaced_by(waiting: list[PayeeAccount]) -> dict[int, PayeeAccount]:
    """For each waiting account (by id), the verified account it would replace, if any."""
    partners = {account.partner_id for account in waiting}
    if not partners:
        return {}
    verified = db.session.scalars(
        select(PayeeAccount).where(
            PayeeAccount.partner_id.in_(partners), PayeeAccount.state == "verified"
        )
    )
    current = {(account.partner_id, account.currency): account for account in verified}
    return {
        account.id: current[(account.partner_id, account.currency)]
        for account in waiting
        if (account.partner_id, account.currency) in current
    }


def waiting_count(actor) -> int:
    """How many accounts wait for verification (for finance's dashboard and menu)."""
    if not can(actor, Perm.VERIFY_PAYOUT_ACCOUNTS):
        return 0
    stmt = select(func.count(PayeeAccount.id)).where(PayeeAccount.state == "pending")
    return db.session.scalar(stmt) or 0


def account_history(account: PayeeAccount) -> list[AuditEvent]:
    """The account's audit events, oldest first (entered, decided, replaced, opened)."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.object_type == PayeeAccount.__tablename__,
                AuditEvent.object_id == str(account.id),
            )
            .order_by(AuditEvent.id)
        )
    )
