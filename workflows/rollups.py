"""Set-based maintenance of the monthly sales roll-up the dashboards read instead of sale_lines."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

from sqlalchemy import Date, DateTime, and_, case, cast, delete, func, insert, literal, or_, select

from portal.extensions import db
from portal.foundation import data_version, planner_stats
from portal.models import (
    PartnerTerritory,
    SaleLine,
    SalesMonthly,
    SalesPartnerTerritory,
    SalesQuarterLeader,
    SalesTerritoryMonthly,
)
from workflows import base_currency

sales = SaleLine.__table__
assignments = PartnerTerritory.__table__
monthly = SalesMonthly.__table__
by_territory = SalesTerritoryMonthly.__table__
partner_territory = SalesPartnerTerritory.__table__
leaders = SalesQuarterLeader.__table__

# Imports whose commit changes the roll-up: new lines, or partners moved between territories.
ROLLUP_KINDS = ("sales", "partners")
# Imports whose commit changes the latest exchange rates: the quarter ranking, not the roll-up.
RANKING_KINDS = ("fx",)


def _month_of(column):
    """First day of the column's month, in the dialect's own date arithmetic."""
    if db.engine.dialect.name == "sqlite":
        return func.date(column, literal("start of month"))
    # through a timestamp without time zone: the date alone, no time zone conversion per line
    # (a fifth of the roll-up statement's time)
    return cast(func.date_trunc("month", cast(column, DateTime)), Date)


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


JOIN_METHODS = ("enable_mergejoin", "enable_nestloop")


@contextmanager
def _hash_joined(session):
    """The roll-up joins whole months of lines with the partners' territory assignments (a few
    thousand rows). PostgreSQL's estimates lead it to walk the lines through the `partner_id`
    index, merging them with the assignments in partner order, which reads the table at random:
    74.6 s for 20M lines, against 16.7 s for reading them (by a scan or the `sold_on` index)
    and probing a hash of the assignments. So the statement runs with merge and nested-loop
    joins off; how the lines are read stays the planner's choice. The settings are restored
    afterwards; if the statement fails, the transaction's rollback drops them with it."""
    if session.connection().dialect.name != "postgresql":
        yield
        return
    before = session.execute(select(*(func.current_setting(name) for name in JOIN_METHODS))).one()
    for name in JOIN_METHODS:
        session.execute(select(func.set_config(name, "off", True)))
    yield
    for name, value in zip(JOIN_METHODS, before, strict=True):
        session.execute(select(func.set_config(name, value, True)))


# Serialises the writers of sales lines and of the roll-up on PostgreSQL (imports, the demo
# data, rebuilds), held until their transaction ends: an import's new lines and the roll-up rows
# adding them up commit together, never inside another writer's rebuild of the same months, and
# the block of ids an import takes from the lines' sequence is its own.
SALES_LOCK = 0x53414C4553
ROLLUP_COLUMNS = [
    "partner_id",
    "month",
    "currency",
    "territory_id",
    "amount",
    "quantity",
    "line_count",
]


# Serialises the roll-up's writing of each partner's settled days with writes to the partners'
# assignments (PostgreSQL): a rebuild holds it exclusively from reading the assignments until
# its transaction ends, and the trigger on `partner_territories` (migration 0027) takes it
# shared before it clears a partner's days. A move committed while a rebuild read the
# assignments before it would otherwise leave days the move has made wrong: its trigger would
# clear the row the rebuild was replacing, and the rebuild's new row would keep them.
SETTLED_LOCK = 0x534554544C45


def _hold(session, lock: int) -> None:
    """Wait for, then hold until the transaction ends, the advisory lock `lock` (PostgreSQL;
    SQLite has one writer at a time anyway)."""
    if session.connection().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(lock)))


def lock_sales(session) -> None:
    """Wait for, then hold until the transaction ends, the right to write sales lines or the
    roll-up."""
    _hold(session, SALES_LOCK)


def _grouped_lines():
    """Lines summed per partner, month, currency and the territory of their sale date."""
    month = _month_of(sales.c.sold_on)
    return (
        select(
            sales.c.partner_id,
            month.label("month"),
            sales.c.currency,
            assignments.c.territory_id,
            func.sum(sales.c.amount),
            func.sum(sales.c.quantity),
            func.count(),
        )
        .select_from(
            sales.outerjoin(
                assignments,
                and_(
                    assignments.c.partner_id == sales.c.partner_id,
                    assignments.c.valid_from <= sales.c.sold_on,
                    or_(assignments.c.valid_to.is_(None), assignments.c.valid_to > sales.c.sold_on),
                ),
            )
        )
        .group_by(sales.c.partner_id, month, sales.c.currency, assignments.c.territory_id)
    )


def refresh_sales_monthly(session=None, months: Iterable[date] | None = None) -> int:
    """Rebuild the roll-up from sale_lines in one DELETE and one INSERT … SELECT … GROUP BY:
    all of it, or only `months` (their first days: what a sales import left to rebuild).

    Each line counts under the territory its partner had on `sold_on`. Amounts and quantities are
    scaled integers, so the sums are exact on SQLite and PostgreSQL alike. Readers keep seeing the
    previous roll-up until the caller commits. Returns the number of roll-up rows written.
    """
    session = session or db.session
    chosen = None if months is None else sorted({day.replace(day=1) for day in months})
    if chosen == []:
        return 0
    lock_sales(session)
    grouped = _grouped_lines()
    clear = delete(monthly)
    if chosen is not None:
        # whole months, as date ranges the sold_on index can serve
        grouped = grouped.where(
            or_(
                *(
                    and_(sales.c.sold_on >= first, sales.c.sold_on < next_month(first))
                    for first in chosen
                )
            )
        )
        clear = clear.where(monthly.c.month.in_(chosen))
    session.execute(clear)
    with _hash_joined(session):
        session.execute(insert(monthly).from_select(ROLLUP_COLUMNS, grouped))
    counted = select(func.count()).select_from(monthly)
    if chosen is not None:
        counted = counted.where(monthly.c.month.in_(chosen))
    written = session.scalar(counted)
    _derived(session, chosen, written)
    return written


def add_new_lines(session, above_id: int, months: Iterable[date]) -> int:
    """Add the lines with ids above `above_id` — the new lines an import has just written in
    this transaction, holding the sales lock — to the roll-up, without reading the months'
    other lines again: their sums go in as rows of their own beside the months' earlier rows
    (every reader sums the rows of a key; the next rebuild of a month folds them into one).
    `months` are the new lines' months (first days), whose territory sums are rebuilt.
    Returns the number of roll-up rows added."""
    chosen = sorted({day.replace(day=1) for day in months})
    grouped = _grouped_lines().where(sales.c.id > above_id)
    with _hash_joined(session):
        written = session.execute(
            insert(monthly)
            .from_select(ROLLUP_COLUMNS, grouped)
            .execution_options(preserve_rowcount=True)
        ).rowcount
    _derived(session, chosen, written)
    return written


def _derived(session, chosen: list[date] | None, written: int) -> None:
    """What follows a change of `sales_monthly` in `chosen` months (all: None): its readers'
    caches, its statistics, and the tables summed from it."""
    data_version.mark_changed(session)
    planner_stats.wrote(session, "sales_monthly", written)
    _refresh_territory_sums(session, chosen)
    _refresh_partner_territories(session)
    refresh_quarter_leaders(session)


def _refresh_territory_sums(session, chosen: list[date] | None) -> None:
    """`sales_territory_monthly` for the same months: `sales_monthly` summed over partners."""
    clear = delete(by_territory)
    grouped = select(
        monthly.c.territory_id,
        monthly.c.month,
        monthly.c.currency,
        func.sum(monthly.c.amount),
        func.sum(monthly.c.quantity),
        func.sum(monthly.c.line_count),
    ).group_by(monthly.c.territory_id, monthly.c.month, monthly.c.currency)
    if chosen is not None:
        clear = clear.where(by_territory.c.month.in_(chosen))
        grouped = grouped.where(monthly.c.month.in_(chosen))
    session.execute(clear)
    columns = ["territory_id", "month", "currency", "amount", "quantity", "line_count"]
    session.execute(insert(by_territory).from_select(columns, grouped))
    planner_stats.rebuilt(session, "sales_territory_monthly")


def _refresh_partner_territories(session) -> None:
    """Each partner's one territory over all its roll-up rows (none: several, or none at all).
    All months, whichever were rebuilt: a partner's rows of other months count too."""
    _hold(session, SETTLED_LOCK)
    session.execute(delete(partner_territory))
    single = case(
        (
            and_(
                func.count(monthly.c.territory_id) == func.count(),
                func.min(monthly.c.territory_id) == func.max(monthly.c.territory_id),
            ),
            func.min(monthly.c.territory_id),
        ),
        else_=None,
    )
    homes = (
        select(monthly.c.partner_id, single.label("territory_id"))
        .group_by(monthly.c.partner_id)
        .subquery("homes")
    )

    def settled(column):
        """The partner's latest assignment to its one territory (none: no territory): on its
        days the partner's rows all lie under its territory of the day. A write to the
        partner's assignments clears them again (a trigger, migration 0027) until the next
        roll-up sets them afresh."""
        return (
            select(column)
            .where(
                assignments.c.partner_id == homes.c.partner_id,
                assignments.c.territory_id == homes.c.territory_id,
            )
            .order_by(assignments.c.valid_from.desc())
            .limit(1)
            .scalar_subquery()
        )

    rows = select(
        homes.c.partner_id,
        homes.c.territory_id,
        settled(assignments.c.valid_from),
        settled(assignments.c.valid_to),
    )
    columns = ["partner_id", "territory_id", "settled_from", "settled_to"]
    session.execute(insert(partner_territory).from_select(columns, rows))
    planner_stats.rebuilt(session, "sales_partner_territory")


def refresh_quarter_leaders(session=None, today: date | None = None) -> int:
    """Each partner's revenue this quarter through this month in the base currency at the
    latest rates, summed and rounded as the leaderboard does (`base_currency.to_base`), for the
    ranking to read in order. Returns the number of partners."""
    session = session or db.session
    today = today or date.today()
    first, through = base_currency.quarter_bounds(today)
    per_partner: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    quarter = (
        select(monthly.c.partner_id, monthly.c.currency, func.sum(monthly.c.amount))
        .where(monthly.c.month >= first, monthly.c.month <= through)
        .group_by(monthly.c.partner_id, monthly.c.currency)
    )
    for partner_id, currency, amount in session.execute(quarter):
        per_partner[partner_id][currency] += amount
    rates = base_currency.latest_rates()
    key = base_currency.rates_key(rates)
    session.execute(delete(leaders))
    rows = [
        {
            "partner_id": partner_id,
            "through_month": through,
            "rates_key": key,
            "revenue_base": base_currency.to_base(amounts, rates),
        }
        for partner_id, amounts in per_partner.items()
    ]
    if rows:
        session.execute(insert(leaders), rows)
    planner_stats.rebuilt(session, "sales_quarter_leaders")
    return len(rows)
