"""The manager dashboard's figures: approval queues with ageing, territory roll-ups, leaderboard.

Revenue comes from the monthly roll-up and incentives from the latest accrual runs of open
periods (workflows.payables.balances, as on the partner dashboard); both go through
`visible_to`, and territory pages through `get_visible_or_404`, so a manager sees only their
subtrees. Amounts in several currencies are shown in the base currency at the latest rate.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache, lru_cache
from types import FunctionType

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CompoundSelect,
    Date,
    Integer,
    Row,
    Select,
    bindparam,
    func,
    literal,
    select,
    union_all,
)

from workflows.base_currency import latest_rates, quarter_bounds, rates_key, to_base
from workflows.engine import round_money
from workflows.payables.balances import open_accrual_runs

from ..extensions import db
from ..models import (
    CalcResult,
    Claim,
    DealRegistration,
    MdfClaim,
    MdfRequest,
    Partner,
    PartnerApplication,
    PartnerTerritory,
    PayeeAccount,
    Redemption,
    SalesMonthly,
    SalesQuarterLeader,
    Territory,
    territory_ancestry,
    utcnow,
)
from ..models.partners import current_range
from ..models.types import UTCDateTime
from ..security import Perm, can, scoped, visible_to
from . import figures
from .partner import month_starts

LEADERBOARD_SIZE = 10


@dataclass(frozen=True)
class Queue:
    """Items waiting for a decision, how many are past the target and how old the oldest is."""

    label: str
    endpoint: str
    waiting: int
    overdue: int
    oldest: datetime | None

    @property
    def oldest_hours(self) -> int | None:
        return (
            None if self.oldest is None else int((utcnow() - self.oldest).total_seconds() // 3600)
        )


_QUEUES = (
    (
        _l("Onboarding reviews"),
        "onboarding.applications",
        Perm.REVIEW_APPLICATIONS,
        PartnerApplication,
        PartnerApplication.waiting_since,
        PartnerApplication.state.in_(("submitted", "resubmitted")),
    ),
    (
        _l("Deal registrations"),
        "deals.queue",
        Perm.REVIEW_DEALS,
        DealRegistration,
        DealRegistration.submitted_at,
        DealRegistration.state == "submitted",
    ),
    (
        _l("Reward claims"),
        "payables.claim_list",
        Perm.APPROVE_CLAIMS,
        Claim,
        Claim.created_at,
        Claim.status.in_(("submitted", "first_approved")),
    ),
    (
        _l("Fund requests"),
        "mdf.queue",
        Perm.APPROVE_MDF,
        MdfRequest,
        MdfRequest.updated_at,
        MdfRequest.state == "submitted",
    ),
    (
        _l("Fund requests awaiting second approval"),
        "mdf.queue",
        Perm.MANAGE_FUNDS,
        MdfRequest,
        MdfRequest.first_approved_at,
        # never the first approver's (they may not give the second approval)
        lambda reader_id: (
            (MdfRequest.state == "first_approved") & (MdfRequest.first_approver_id != reader_id)
        ),
    ),
    (
        _l("Fund claims"),
        "mdf.queue",
        Perm.APPROVE_MDF,
        MdfClaim,
        MdfClaim.created_at,
        MdfClaim.state == "submitted",
    ),
    (
        _l("Points redemptions"),
        "rewards.redemption_list",
        Perm.APPROVE_REDEMPTIONS,
        Redemption,
        Redemption.created_at,
        Redemption.status == "requested",
    ),
    (
        _l("Payout accounts to verify"),
        "banking.queue",
        Perm.VERIFY_PAYOUT_ACCOUNTS,
        PayeeAccount,
        PayeeAccount.entered_at,
        # never the ones the reader entered (maker–checker)
        lambda reader_id: (
            (PayeeAccount.state == "pending")
            & ((PayeeAccount.entered_by_id != reader_id) | PayeeAccount.entered_by_id.is_(None))
        ),
    ),
)


@cache
def _queue_figures(index: int) -> Select:
    """Count, overdue count and oldest item of queue `index` of `_QUEUES`; built once per
    process, bound per call: cutoff (older is overdue) and reader_id (the reader's user id),
    and the reader's scope added per call."""
    _label, _endpoint, _perm, model, since, waiting = _QUEUES[index]
    cutoff = bindparam("cutoff", type_=UTCDateTime)
    if isinstance(waiting, FunctionType):
        waiting = waiting(bindparam("reader_id", type_=Integer))
    return select(
        literal(index).label("queue"),
        func.count(model.id).label("waiting"),
        func.count(model.id).filter(since < cutoff).label("overdue"),
        func.min(since).label("oldest"),
    ).where(waiting)


@lru_cache(maxsize=32)
def _union_all(*parts: Select) -> CompoundSelect:
    """The queues' restricted aggregates as one UNION ALL, kept per tuple of kept statements
    (`scoped` builds them once per shape of scope)."""
    return union_all(*parts)


def queues(user) -> list[Queue]:
    """The queues the user may work, each with its count, overdue count and oldest item: one
    aggregate per queue, each through `visible_to`, sent together as one UNION ALL."""
    cutoff = utcnow() - timedelta(hours=current_app.config["REVIEW_TARGET_HOURS"])
    shown, parts, scope = [], [], {}
    for index, (label, endpoint, perm, model, _since, _waiting) in enumerate(_QUEUES):
        if not can(user, perm):
            continue
        shown.append((index, label, endpoint))
        part, scope = scoped(_queue_figures(index), user, model)
        parts.append(part)
    if not parts:
        return []
    figures = {
        row.queue: row
        for row in db.session.execute(
            _union_all(*parts), {**scope, "cutoff": cutoff, "reader_id": user.id}
        )
    }
    return [
        Queue(
            str(label),
            endpoint,
            figures[index].waiting,
            figures[index].overdue or 0,
            _aware(figures[index].oldest),
        )
        for index, label, endpoint in shown
    ]


def _aware(moment):
    """SQLite hands back naive datetimes from aggregates; they are UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


@dataclass
class Node:
    """A row of the roll-up: a child territory (its whole subtree) or a partner."""

    label: str
    territory_id: int | None = None
    partner_id: int | None = None
    revenue: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    accrued: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    revenue_base: Decimal | None = None
    accrued_base: Decimal | None = None

    def as_row(self) -> dict:
        return {
            "label": self.label,
            "territory_id": self.territory_id,
            "partner_id": self.partner_id,
            "revenue_base": self.revenue_base,
            "accrued_base": self.accrued_base,
        }


@cache
def _partner_revenue() -> Select:
    """Revenue per partner, with the path of the territory of the sale, of the roll-up rows in
    the territories bound as `territory_ids`, months `first` to `last`. Built once per process
    (the reader's scope is added per call), like the two below."""
    return (
        select(Territory.path, Partner.id, Partner.name, SalesMonthly.currency)
        .add_columns(func.sum(SalesMonthly.amount))
        .join(Territory, Territory.id == SalesMonthly.territory_id)
        .join(Partner, Partner.id == SalesMonthly.partner_id)
        .where(
            SalesMonthly.territory_id.in_(
                bindparam("territory_ids", expanding=True, literal_execute=True)
            )
        )
        .where(
            SalesMonthly.month >= bindparam("first", type_=Date, literal_execute=True),
            SalesMonthly.month <= bindparam("last", type_=Date, literal_execute=True),
        )
        .group_by(Territory.path, Partner.id, Partner.name, SalesMonthly.currency)
    )


@cache
def _accrued_by_territory() -> Select:
    """Accrued incentives of the runs bound as `run_ids` by the payee's territory on `today`,
    among the territories `territory_ids`."""
    return (
        select(PartnerTerritory.territory_id, CalcResult.currency)
        .add_columns(func.sum(CalcResult.amount))
        .join(PartnerTerritory, PartnerTerritory.partner_id == CalcResult.payee_id)
        .where(current_range(PartnerTerritory, bindparam("today", type_=Date)))
        .where(
            PartnerTerritory.territory_id.in_(
                bindparam("territory_ids", expanding=True, literal_execute=True)
            )
        )
        .where(CalcResult.run_id.in_(bindparam("run_ids", expanding=True, literal_execute=True)))
        .group_by(PartnerTerritory.territory_id, CalcResult.currency)
    )


@cache
def _accrued_by_partner() -> Select:
    """Accrued incentives of the runs `run_ids` per payee, with the path of its territory on
    `today`, among the territories `territory_ids`."""
    return (
        select(Territory.path, Partner.id, Partner.name, CalcResult.currency)
        .add_columns(func.sum(CalcResult.amount))
        .join(Partner, Partner.id == CalcResult.payee_id)
        .join(PartnerTerritory, PartnerTerritory.partner_id == Partner.id)
        .join(Territory, Territory.id == PartnerTerritory.territory_id)
        .where(current_range(PartnerTerritory, bindparam("today", type_=Date)))
        .where(
            PartnerTerritory.territory_id.in_(
                bindparam("territory_ids", expanding=True, literal_execute=True)
            )
        )
        .where(CalcResult.run_id.in_(bindparam("run_ids", expanding=True, literal_execute=True)))
        .group_by(Territory.path, Partner.id, Partner.name, CalcResult.currency)
    )


def roll_up(
    user, node: Territory, today: date, children: list[Territory] | None = None
) -> list[Node]:
    """Quarter revenue and accrued incentives of `node`'s children (whole subtrees) and of the
    partners assigned to `node` itself (or under a child the user may not see). Children's
    revenue comes from the territory sums (figures.py), partners' from their own rows; accrued
    from one GROUP BY; folded into rows here. `children`: the node's children the user may
    see, by name, when the caller read them already (`visible_around`)."""
    first, last = quarter_bounds(today)
    if children is None:
        children = visible_around(user, node)[1]
    rows = {child.path: Node(child.name, territory_id=child.id) for child in children}
    partners: dict[int, Node] = {}

    def child_row(path: str) -> Node | None:
        for prefix, row in rows.items():
            if path.startswith(prefix):
                return row
        return None

    def row_for(path: str, partner_id: int, name: str) -> Node:
        return child_row(path) or partners.setdefault(partner_id, Node(name, partner_id=partner_id))

    below = dict(
        db.session.execute(
            select(Territory.id, Territory.path).where(
                Territory.path.startswith(node.path, autoescape=True)
            )
        ).all()
    )

    def add_to_children(sums, field: str) -> set[int]:
        """Add (territory id, currency, amount) sums to the child rows whose subtrees hold
        them; returns the territories no visible child covers."""
        uncovered = set()
        for territory_id, currency, amount in sums:
            child = child_row(below[territory_id])
            if child is None:
                uncovered.add(territory_id)
            else:
                getattr(child, field)[currency] += amount
        return uncovered

    # exact per territory, so it also tells which other territories hold rows the user sees
    sums = figures.territory_sums(user, first, last, today, by="territory", territory_ids=below)
    uncovered = add_to_children(
        (
            (territory_id, currency, amount)
            for (territory_id, currency), (_, amount) in sums.items()
        ),
        "revenue",
    )
    statement, scope = scoped(_partner_revenue(), user, SalesMonthly)
    for path, partner_id, name, currency, amount in (
        db.session.execute(
            statement,
            {**scope, "territory_ids": list(uncovered), "first": first, "last": last},
        )
        if uncovered
        else ()
    ):
        row_for(path, partner_id, name).revenue[currency] += amount
    # accrued incentives by the payee's territory of today: per territory for the children,
    # per partner only where a territory no visible child covers holds some
    accrued = {**scope, "today": today, "run_ids": open_accrual_runs()}
    uncovered = add_to_children(
        db.session.execute(
            scoped(_accrued_by_territory(), user, CalcResult)[0],
            {**accrued, "territory_ids": list(below)},
        ),
        "accrued",
    )
    for path, partner_id, name, currency, amount in (
        db.session.execute(
            scoped(_accrued_by_partner(), user, CalcResult)[0],
            {**accrued, "territory_ids": list(uncovered)},
        )
        if uncovered
        else ()
    ):
        row_for(path, partner_id, name).accrued[currency] += amount
    rates = latest_rates()
    result = list(rows.values()) + sorted(partners.values(), key=lambda row: row.label)
    for row in result:
        row.revenue_base = to_base(row.revenue, rates)
        row.accrued_base = to_base(row.accrued, rates)
    return result


@cache
def _top_node_columns() -> Select:
    return select(Territory.id, Territory.code, Territory.name, Territory.path).order_by(
        Territory.path
    )


def top_nodes(user) -> list[Row]:
    """Where a user's roll-up starts: the highest territories they may see (id, code, name and
    path: rows, not entities, as the page reads no more)."""
    visible = db.session.execute(*scoped(_top_node_columns(), user, Territory)).all()
    tops: list[Row] = []
    for territory in visible:
        if not any(territory.path.startswith(top.path) for top in tops):
            tops.append(territory)
    return tops


def summary(user, today: date, size: int = LEADERBOARD_SIZE) -> dict:
    """Leaderboard (quarter), revenue by month (12 months) and quarter totals per currency, from
    the territory sums and the ranked quarter revenue (figures.py, workflows/rollups.py);
    amounts in the base currency at the latest rates."""
    months = month_starts(today)
    first, _last = quarter_bounds(today)
    per_month: dict[date, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    totals: dict[str, list] = defaultdict(lambda: [0, Decimal(0)])
    for (month, currency), (lines, amount) in figures.territory_sums(
        user, months[0], months[-1], today, by="month"
    ).items():
        per_month[month][currency] += amount
        if month >= first:
            totals[currency][0] += lines
            totals[currency][1] += amount
    rates = latest_rates()
    base = current_app.config["BASE_CURRENCY"]
    by_month = [to_base(per_month.get(m, {}), rates) or Decimal(0) for m in months]
    return {
        "leaders": leaders(user, today, rates, size),
        "chart": {
            "labels": [m.isoformat()[:7] for m in months],
            "series": {base: [str(v) for v in by_month]} if any(by_month) else {},
        },
        "totals": [[currency, *totals[currency]] for currency in sorted(totals)],
    }


def _current_ranking():
    """The kept ranking's rows for the month bound as `through` and the rates `rates_key`."""
    ranked = SalesQuarterLeader
    return (ranked.through_month == bindparam("through", type_=Date)) & (
        ranked.rates_key == bindparam("rates_key", type_=ranked.rates_key.type)
    )


@cache
def _ranked(size: int) -> Select:
    """The `size` partners of the kept ranking with the most revenue (ties by id); built once
    per process and size, the reader's scope added per call."""
    ranked = SalesQuarterLeader
    return (
        select(ranked.partner_id, ranked.revenue_base)
        .where(_current_ranking(), ranked.revenue_base.is_not(None))
        .order_by(ranked.revenue_base.desc(), ranked.partner_id)
        .limit(size)
    )


@cache
def _ranking_kept() -> Select:
    """Whether the roll-up kept a ranking for the bound month and rates (any row)."""
    return select(SalesQuarterLeader.partner_id).where(_current_ranking()).limit(1)


@lru_cache(maxsize=32)
def _named_leaders(best: Select) -> Select:
    """The restricted ranking `best` with the partners' names, kept per kept statement."""
    ranked = best.subquery()
    return (
        select(ranked.c.partner_id, Partner.name, ranked.c.revenue_base)
        .join(Partner, Partner.id == ranked.c.partner_id)
        .order_by(ranked.c.revenue_base.desc(), ranked.c.partner_id)
    )


def leaders(user, today: date, rates: dict[str, Decimal], size: int) -> list[dict]:
    """The `size` partners in scope with the most revenue this quarter in the base currency
    (ties by id): read in order from the ranking the roll-up keeps while it is for this month
    and these rates, computed from the partners' rows otherwise."""
    _first, through = quarter_bounds(today)
    ranking = {"through": through, "rates_key": rates_key(rates)}
    best, scope = scoped(_ranked(size), user, SalesQuarterLeader)
    top = db.session.execute(_named_leaders(best), {**scope, **ranking}).all()
    if not top and db.session.scalar(_ranking_kept(), ranking) is None:
        return _leaders_from_rows(user, today, rates, size)
    base = current_app.config["BASE_CURRENCY"]
    return [  # stored at the column's scale; shown at the currency's, as computed
        {"partner_id": partner_id, "name": name, "revenue": round_money(total, base)}
        for partner_id, name, total in top
    ]


def _leaders_from_rows(user, today: date, rates: dict[str, Decimal], size: int) -> list[dict]:
    """The leaderboard from the partners' own roll-up rows (no ranking kept for today)."""
    first, through = quarter_bounds(today)
    stmt = (
        select(SalesMonthly.partner_id, SalesMonthly.currency, func.sum(SalesMonthly.amount))
        .where(SalesMonthly.month >= first, SalesMonthly.month <= through)
        .group_by(SalesMonthly.partner_id, SalesMonthly.currency)
    )
    per_partner: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for partner_id, currency, amount in db.session.execute(visible_to(stmt, user, SalesMonthly)):
        per_partner[partner_id][currency] += amount
    ranked = []
    for partner_id, amounts in per_partner.items():
        total = to_base(amounts, rates)
        if total is not None:
            ranked.append((total, partner_id))
    ranked.sort(key=lambda item: (-item[0], item[1]))
    top = ranked[:size]
    names = dict(
        db.session.execute(
            select(Partner.id, Partner.name).where(Partner.id.in_([i for _, i in top]))
        ).all()
    )
    return [
        {"partner_id": partner_id, "name": names[partner_id], "revenue": total}
        for total, partner_id in top
    ]


@cache
def _around() -> Select:
    """The territories above the node bound as `node_id` and its children, by depth and name;
    built once per process."""
    ancestry = territory_ancestry()
    node_id = bindparam("node_id", type_=Integer)
    above = select(ancestry.c.ancestor_id).where(
        ancestry.c.territory_id == node_id, ancestry.c.ancestor_id != node_id
    )
    return (
        select(Territory)
        .where(Territory.id.in_(above) | (Territory.parent_id == node_id))
        .order_by(Territory.depth, Territory.name)
    )


def visible_around(user, node: Territory) -> tuple[list[Territory], list[Territory]]:
    """The breadcrumb above `node` (stopping where the user's view of the tree begins) and the
    children of `node` the user may see, by name: one statement through `visible_to`."""
    stmt, scope = scoped(_around(), user, Territory)
    found = list(db.session.scalars(stmt, {**scope, "node_id": node.id}))
    children = [t for t in found if t.parent_id == node.id]
    return [t for t in found if t.parent_id != node.id], children
