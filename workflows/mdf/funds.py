"""Funds, the activity types finance keeps, and allocations down the territory tree.

Money flows one way: from the fund to top territories (finance), from a territory to one of
its child territories or to a partner in it (finance, or a manager of that territory). An
allocation never takes more than its source holds unallocated; the check and the rows written
after it run under the fund's row lock.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.foundation.audit import record_event
from portal.models import MdfActivityType, MdfAllocation, MdfFund, Partner, Territory, utcnow
from portal.security import Perm, can, ensure, is_visible
from workflows import validators
from workflows.engine import N_, round_money

from . import checks, ledger
from .errors import MdfError, OverBudget, PastDeadline, WrongTerritory

MAX_CLAIM_DAYS = 3660


def _today() -> date:
    return utcnow().date()


def shown(amount: Decimal, currency: str) -> Decimal:
    """An amount as a message shows it: at the currency's minor unit."""
    return round_money(amount, currency)


def _refuse_duplicate_code(model, code: str, template: str) -> None:
    if db.session.scalar(select(model.id).where(model.code == code)) is not None:
        raise MdfError(template, code=code, field="code")


def create_fund(
    *,
    actor,
    code: str,
    name: str,
    currency: str,
    amount: Decimal | None,
    starts_on: date,
    ends_on: date,
    claim_deadline: date,
    claim_days: int | None = None,
    second_approval_above: Decimal | None = None,
    earned: bool = False,
) -> MdfFund:
    """A new allocated fund, its whole amount held by the fund until finance allocates it; or
    an earned fund, which starts empty and grows by what co-op programs earn for partners."""
    ensure(actor, Perm.MANAGE_FUNDS)
    code = checks.code(code)
    name = checks.name(name)
    currency = validators.currency(currency)
    if earned:
        if amount is not None and amount != 0:
            raise MdfError(
                N_("An earned fund starts empty: partners earn its money by their sales."),
                field="amount",
            )
        amount = Decimal(0)
    elif amount is None:
        raise MdfError(N_("Give the fund's amount."), field="amount")
    else:
        amount = checks.amount(amount, currency)
    if ends_on < starts_on:
        raise MdfError(
            N_("The fund ends on %(end)s, before it starts on %(start)s."),
            start=starts_on,
            end=ends_on,
            field="ends_on",
        )
    if claim_deadline < ends_on:
        raise MdfError(
            N_("The claim deadline %(deadline)s is before the fund ends on %(end)s."),
            deadline=claim_deadline,
            end=ends_on,
            field="claim_deadline",
        )
    days = current_app.config["MDF_CLAIM_DAYS"] if claim_days is None else claim_days
    if not 0 <= days <= MAX_CLAIM_DAYS:
        raise MdfError(
            N_("Claims are due between 0 and %(days)s days after an activity ends."),
            days=MAX_CLAIM_DAYS,
            field="claim_days",
        )
    if second_approval_above is not None:
        second_approval_above = checks.amount(
            second_approval_above, currency, field="second_approval_above", zero=True
        )
    duplicate = N_("A fund with the code %(code)s exists already.")
    _refuse_duplicate_code(MdfFund, code, duplicate)
    fund = MdfFund(
        code=code,
        name=name,
        currency=currency,
        amount=amount,
        starts_on=starts_on,
        ends_on=ends_on,
        claim_deadline=claim_deadline,
        claim_days=days,
        kind="earned" if earned else "allocated",
        second_approval_above=second_approval_above,
        state="open",
        created_by_id=actor.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(fund)
    except IntegrityError:
        _refuse_duplicate_code(MdfFund, code, duplicate)  # created a moment ago by someone else
        raise
    if not earned:
        ledger.post(fund, ledger.FUND, "allocation", amount, actor=actor)
    record_event(
        actor,
        "mdf.fund.create",
        fund,
        after={
            "code": code,
            "kind": fund.kind,
            "currency": currency,
            "amount": format(amount, "f"),
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
            "claim_deadline": claim_deadline.isoformat(),
            "claim_days": days,
            "second_approval_above": (
                None if second_approval_above is None else format(second_approval_above, "f")
            ),
        },
    )
    return fund


def add_activity_type(*, actor, code: str, name: str) -> MdfActivityType:
    """A new kind of activity partners may propose."""
    ensure(actor, Perm.MANAGE_FUNDS)
    code, name = checks.code(code), checks.name(name)
    _refuse_duplicate_code(
        MdfActivityType, code, N_("An activity type with the code %(code)s exists already.")
    )
    activity_type = MdfActivityType(code=code, name=name, active=True, created_by_id=actor.id)
    db.session.add(activity_type)
    db.session.flush()
    record_event(actor, "mdf.activity_type.add", activity_type, after={"code": code, "name": name})
    return activity_type


def retire_activity_type(activity_type: MdfActivityType, *, actor) -> MdfActivityType:
    """No new requests of this type; requests already made keep it."""
    ensure(actor, Perm.MANAGE_FUNDS)
    if activity_type.active:
        activity_type.active = False
        db.session.flush()
        record_event(actor, "mdf.activity_type.retire", activity_type, before={"active": True})
    return activity_type


def ensure_open(fund: MdfFund, day: date) -> None:
    """Refuse changes to a fund past its claim deadline (what was left has expired)."""
    if fund.state != "open" or day > fund.claim_deadline:
        raise PastDeadline(
            N_("Fund %(fund)s closed on its claim deadline, %(date)s."),
            fund=fund.code,
            date=fund.claim_deadline,
        )


def _source(territory: Territory | None, partner: Partner | None, day: date):
    """Where the money comes from: a territory's parent (the fund for a top territory), or
    the territory a partner is in on `day`."""
    if territory is not None:
        return territory.parent
    source = partner.territory_on(day)
    if source is None:
        raise WrongTerritory(
            N_("%(partner)s is in no territory on %(date)s."), partner=partner.code, date=day
        )
    return source


def _authorise_source(actor, source: Territory | None, target_name: str) -> None:
    if source is None:
        if not can(actor, Perm.MANAGE_FUNDS):
            raise WrongTerritory(
                N_("%(target)s is a top territory: only finance allocates to it from the fund."),
                target=target_name,
            )
        return
    if not is_visible(source, actor):
        raise WrongTerritory(
            N_("The money for %(target)s comes from %(source)s, which you do not manage."),
            target=target_name,
            source=source.code,
        )


def allocate(
    fund: MdfFund,
    *,
    actor,
    amount: Decimal,
    territory: Territory | None = None,
    partner: Partner | None = None,
    on: date | None = None,
) -> MdfAllocation:
    """Pass money from the target's parent holder to a territory or a partner."""
    ensure(actor, Perm.ALLOCATE_MDF)
    if (territory is None) == (partner is None):
        raise MdfError(N_("Allocate to one territory or to one partner."))
    day = on or _today()
    fund = ledger.lock_fund(fund.id)
    ensure_open(fund, day)
    if fund.kind == "earned":
        raise MdfError(
            N_(
                "%(fund)s is an earned fund: partners earn its money by their sales through a "
                "co-op program; it is not allocated."
            ),
            fund=fund.code,
        )
    amount = checks.amount(amount, fund.currency)
    source = _source(territory, partner, day)
    target_name = territory.code if territory is not None else partner.code
    _authorise_source(actor, source, target_name)
    source_holder = ledger.FUND if source is None else ledger.territory_holder(source.id)
    unallocated = ledger.available(fund.id, source_holder)
    if source is not None and unallocated <= 0:
        raise OverBudget(
            N_(
                "%(source)s has nothing unallocated in %(fund)s to pass on to %(target)s: "
                "allocate more to %(source)s first."
            ),
            source=source.code,
            fund=fund.code,
            target=target_name,
        )
    if amount > unallocated:
        raise OverBudget(
            N_(
                "%(source)s has %(available)s %(currency)s unallocated in %(fund)s; "
                "%(amount)s %(currency)s is more than that."
            ),
            source=fund.code if source is None else source.code,
            available=shown(unallocated, fund.currency),
            amount=shown(amount, fund.currency),
            currency=fund.currency,
            fund=fund.code,
        )
    allocation = MdfAllocation(
        fund_id=fund.id,
        source_territory_id=None if source is None else source.id,
        territory_id=None if territory is None else territory.id,
        partner_id=None if partner is None else partner.id,
        amount=amount,
        created_by_id=actor.id,
    )
    db.session.add(allocation)
    db.session.flush()
    target_holder = (
        ledger.territory_holder(territory.id)
        if territory is not None
        else ledger.partner_holder(partner.id)
    )
    ledger.post(fund, source_holder, "allocation", -amount, actor=actor, allocation=allocation)
    ledger.post(fund, target_holder, "allocation", amount, actor=actor, allocation=allocation)
    record_event(
        actor,
        "mdf.allocate",
        allocation,
        after={
            "fund": fund.code,
            "from": fund.code if source is None else source.code,
            "to": target_name,
            "amount": format(amount, "f"),
        },
    )
    return allocation


def balance(
    fund: MdfFund,
    *,
    actor,
    territory: Territory | None = None,
    partner: Partner | None = None,
    on: date | None = None,
) -> ledger.Figures:
    """The fund's figures (finance), a territory subtree's (whoever may see the territory),
    or a partner's (whoever may see the partner)."""
    ensure(actor, Perm.VIEW_MDF)
    if territory is not None:
        ensure(actor, Perm.VIEW_MDF, territory)
        return ledger.territory_figures(fund, territory, on or _today())
    if partner is not None:
        ensure(actor, Perm.VIEW_MDF, partner)
        return ledger.partner_figures(fund, partner)
    ensure(actor, Perm.MANAGE_FUNDS)
    return ledger.fund_figures(fund)
