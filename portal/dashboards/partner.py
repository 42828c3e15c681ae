"""The partner dashboard's figures: balances, tier progress, recent deals and monthly revenue.

Every query goes through `visible_to`, so a partner only ever sums its own rows, and reads
calculation results and the monthly roll-up, never the raw sales table.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache

from sqlalchemy import Date, Select, bindparam, func, select
from sqlalchemy.orm import joinedload, selectinload

from workflows.banking.payees import hold_reasons
from workflows.contest_trips.seats import awaiting_answer
from workflows.engine import Measure, ProgramSpec, spec_from_dict
from workflows.mdf.ledger import MOVING_KINDS
from workflows.payables import balances as money
from workflows.rewards import ledger
from workflows.rewards.ledger import Balance

from ..contests.cards import Card, contest_cards
from ..extensions import db
from ..models import (
    CalcResult,
    CalcRun,
    Category,
    Claim,
    DealRegistration,
    MdfClaim,
    MdfEntry,
    MdfFund,
    MdfRequest,
    SalesMonthly,
)
from ..security import Perm, can, scoped
from .whatif import Projection, Standing, standing, what_if

RECENT_DEALS = 6
OPEN_MDF_STATES = ("submitted", "first_approved", "returned", "approved")
CHART_MONTHS = 12


def points(user, today: date) -> Balance | None:
    """The partner's points from the rewards ledger: available now and expiring within 90 days."""
    if user.partner_id is None or not can(user, Perm.VIEW_POINTS):
        return None
    return ledger.balance(user.partner_id, today)


@dataclass(frozen=True)
class PaymentHold:
    """Why the vendor cannot pay the partner in its currency now (workflows/banking/payees)."""

    currency: str
    reason: str  # no_account or change_pending
    can_fix: bool  # the reader may enter the organisation's accounts


def payment_hold(user) -> PaymentHold | None:
    """Whether the reader's organisation's payments are held for want of a verified account."""
    if user.partner_id is None or not can(user, Perm.VIEW_STATEMENTS):
        return None
    partner = user.partner  # the reader's own organisation, loaded with the page
    reason = hold_reasons([partner.id], partner.currency).get(partner.id)
    if reason is None:
        return None
    return PaymentHold(partner.currency, reason, can(user, Perm.MANAGE_PAYOUT_ACCOUNTS))


def contests(user, today: date) -> list[Card]:
    """A card per open contest the partner takes part in (ranked by its latest ranking, or
    eligible today and not ranked yet)."""
    return contest_cards(user, today)


def trips_awaiting(user, today: date) -> int:
    """How many of the organisation's contest trip awards wait for its admin's answer."""
    return awaiting_answer(user, today)


@cache
def _latest_results() -> Select:
    """The results of the newest finished accrual run per program among the periods still
    running on the day bound as `running_on` (a program's current standing: there is still time
    to reach the next band), each with its run, version and program, joined: one round trip.
    Built once per process; the reader's scope is added per call."""
    latest = (
        select(func.max(CalcRun.id))
        .where(
            CalcRun.status == "done",
            CalcRun.kind == "accrual",
            CalcRun.period_end >= bindparam("running_on", type_=Date),
        )
        .group_by(CalcRun.program_id)
    )
    return (
        select(CalcResult)
        .options(joinedload(CalcResult.run).joinedload(CalcRun.program_version))
        .options(joinedload(CalcResult.run).joinedload(CalcRun.program))
        .where(CalcResult.run_id.in_(latest))
        .order_by(CalcResult.run_id)
    )


def balances(user) -> dict[str, list[tuple[str, Decimal]]]:
    """Accrued, approved and paid per currency, as the API reports them per program."""
    return money.by_currency(money.program_balances(user))


@dataclass(frozen=True)
class TierProgress:
    """One program's standing for the partner, and its what-if when one was asked for."""

    run: CalcRun
    spec: ProgramSpec
    result: CalcResult
    categories: list[str]
    standing: Standing
    scenario: Projection | None

    @property
    def by_quantity(self) -> bool:
        return self.spec.measure == Measure.QUANTITY


def tier_progress(
    user, today: date, extras: dict[int, Decimal] | None = None
) -> list[TierProgress]:
    """Per program with tiers whose period is still running: the partner's latest accrual
    result, read by the engine."""
    extras = extras or {}
    stmt, scope = scoped(_latest_results(), user, CalcResult)
    progress = []
    for result in db.session.scalars(stmt, {**scope, "running_on": today}):
        spec = spec_from_dict(result.run.program_version.spec)
        if spec.tiers is None:
            continue
        extra = extras.get(result.run.program_id)
        progress.append(
            TierProgress(
                run=result.run,
                spec=spec,
                result=result,
                categories=category_names(spec.eligible.categories),
                standing=standing(spec, result.measure, result.previous_measure),
                scenario=None
                if extra is None
                else what_if(spec, result.measure, result.previous_measure, extra),
            )
        )
    return progress


@cache
def _category_names() -> Select:
    """Code and name of the categories bound as `codes`; built once per process."""
    return select(Category.code, Category.name).where(
        Category.code.in_(bindparam("codes", expanding=True))
    )


def category_names(codes) -> list[str]:
    if not codes:
        return []
    names = dict(db.session.execute(_category_names(), {"codes": list(codes)}).all())
    return [names.get(code, code) for code in codes]


@cache
def _recent_deals(limit: int) -> Select:
    return select(DealRegistration).order_by(DealRegistration.updated_at.desc()).limit(limit)


def recent_deals(user, limit: int = RECENT_DEALS) -> list[DealRegistration]:
    return list(db.session.scalars(*scoped(_recent_deals(limit), user, DealRegistration)))


@cache
def _recent_claims(limit: int) -> Select:
    return select(Claim).order_by(Claim.created_at.desc(), Claim.id.desc()).limit(limit)


def recent_claims(user, limit: int = RECENT_DEALS) -> list[Claim]:
    """The partner's latest reward claims (proof-of-sale SPIF claims), newest first."""
    if not can(user, Perm.VIEW_CLAIMS):
        return []
    return list(db.session.scalars(*scoped(_recent_claims(limit), user, Claim)))


def month_starts(today: date, months: int = CHART_MONTHS) -> list[date]:
    """The first days of the last `months` months, oldest first, ending with today's month."""
    index = today.year * 12 + today.month - 1
    return [date((i) // 12, i % 12 + 1, 1) for i in range(index - months + 1, index + 1)]


MonthSums = list[tuple[date, str, int, Decimal]]


@cache
def _monthly_sums() -> Select:
    """Lines and amount per month and currency, months `first` to `last` (bound); built once
    per process."""
    return (
        select(
            SalesMonthly.month,
            SalesMonthly.currency,
            func.sum(SalesMonthly.line_count),
            func.sum(SalesMonthly.amount),
        )
        .where(
            SalesMonthly.month >= bindparam("first", type_=Date, literal_execute=True),
            SalesMonthly.month <= bindparam("last", type_=Date, literal_execute=True),
        )
        .group_by(SalesMonthly.month, SalesMonthly.currency)
    )


def monthly_sums(user, first: date, last: date) -> MonthSums:
    """Lines and amount per month and currency in the months from `first` to `last`, from the
    roll-up."""
    stmt, scope = scoped(_monthly_sums(), user, SalesMonthly)
    rows = db.session.execute(stmt, {**scope, "first": first, "last": last})
    return [tuple(row) for row in rows]


def _chart(rows: MonthSums, months: list[date]) -> dict:
    """Chart data: revenue per month and currency, as plain strings."""
    series: dict[str, dict[date, Decimal]] = defaultdict(dict)
    for month, currency, _lines, amount in rows:
        if months[0] <= month <= months[-1]:
            series[currency][month] = amount
    return {
        "labels": [m.isoformat()[:7] for m in months],
        "series": {
            currency: [str(values.get(m, Decimal(0))) for m in months]
            for currency, values in sorted(series.items())
        },
    }


def _totals(rows: MonthSums, start: date, end: date) -> list[tuple[str, int, Decimal]]:
    """Lines and amount per currency over the months from `start` to `end`, by currency."""
    totals: dict[str, list] = {}
    for month, currency, lines, amount in rows:
        if start <= month <= end:
            total = totals.setdefault(currency, [0, Decimal(0)])
            total[0] += lines
            total[1] += amount
    return [(currency, lines, amount) for currency, (lines, amount) in sorted(totals.items())]


def sales_summary(user, start: date, today: date) -> dict:
    """The roll-up figures of the partner dashboard (cached together), from one query: the
    chart's twelve months and the quarter so far."""
    months = month_starts(today)
    rows = monthly_sums(user, min(months[0], start), months[-1])
    return {
        "chart": _chart(rows, months),
        "totals": [list(row) for row in _totals(rows, start, today)],
    }


@dataclass(frozen=True)
class FundMoney:
    fund: MdfFund
    available: Decimal


@dataclass(frozen=True)
class MarketingFunds:
    """The partner's open funds with what is available in each, its requests still under way
    (soonest claim deadline first) and how many of its claims wait for a decision."""

    funds: list[FundMoney]
    requests: list[MdfRequest]
    claimed: set[int]  # requests with a claim waiting for a decision
    waiting_claims: int

    def __bool__(self) -> bool:
        return bool(self.funds or self.requests)


@cache
def _fund_money() -> Select:
    """Open funds with the money available in each, soonest claim deadline first; built once
    per process (the reader's scope is added per call)."""
    return (
        select(MdfFund, func.sum(MdfEntry.amount))
        .join(MdfEntry, MdfEntry.fund_id == MdfFund.id)
        .where(MdfFund.state == "open", MdfEntry.kind.in_(MOVING_KINDS))
        .group_by(MdfFund.id)
        .order_by(MdfFund.claim_deadline, MdfFund.code)
    )


@cache
def _open_requests(limit: int) -> Select:
    """Requests still under way, soonest claim deadline first; built once per process and
    limit (the reader's scope is added per call)."""
    return (
        select(MdfRequest)
        .options(selectinload(MdfRequest.fund))
        .where(MdfRequest.state.in_(OPEN_MDF_STATES))
        .order_by(MdfRequest.claim_due_on, MdfRequest.id)
        .limit(limit)
    )


@cache
def _waiting_claims() -> Select:
    """The requests whose claim waits for a decision; built once per process."""
    return select(MdfClaim.request_id).where(MdfClaim.state == "submitted")


def marketing_funds(user, limit: int = RECENT_DEALS) -> MarketingFunds | None:
    """Three set-based queries, all through `visible_to`: money per fund, open requests, and
    the requests among them whose claim waits."""
    if user.partner_id is None or not can(user, Perm.VIEW_MDF):
        return None
    money_rows = db.session.execute(*scoped(_fund_money(), user, MdfEntry)).all()
    open_requests = list(db.session.scalars(*scoped(_open_requests(limit), user, MdfRequest)))
    claimed = set(db.session.scalars(*scoped(_waiting_claims(), user, MdfClaim)))
    return MarketingFunds(
        [FundMoney(fund, amount) for fund, amount in money_rows],
        open_requests,
        {r.id for r in open_requests} & claimed,
        len(claimed),
    )
