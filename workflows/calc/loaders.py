"""Set-based SQL in: one GROUP BY pass over the period's eligible sale lines.

Every query a run (or its drill-down) makes goes through `EligibleLines`, so the lines a page shows
are exactly the lines the calculation summed. Eligibility is decided per line with the territory
and tier effective on `sold_on` (valid_from <= sold_on < valid_to, joined as one table of
eligible stretches of days per partner), territory and category filters take whole subtrees
(materialised `path LIKE 'prefix%'`), and FX rates are the ones whose valid_from is the latest on
or before `sold_on` (`rates.RateTable`: lines are grouped by rate bucket, not joined to a rate).
Amounts, quantities and rates leave the database as exact integers (scaled BIGINT sums) and
become Decimals here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Date,
    Integer,
    Select,
    and_,
    any_,
    bindparam,
    case,
    cast,
    false,
    func,
    literal,
    or_,
    select,
    true,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY

from portal.models import (
    TIERS,
    Category,
    MdfFund,
    Partner,
    PartnerTerritory,
    PartnerTier,
    Product,
    SaleLine,
    Territory,
)
from workflows.deals.refs import won_deal_refs
from workflows.engine import (
    FundFacts,
    KnownCodes,
    Measure,
    Payee,
    Period,
    ProgramSpec,
    measuring_spec,
    previous,
)

from .rates import BASE_RATE_RAW, RateTable, load_rates

AMOUNT_SCALE = 4  # sale_lines.amount and .quantity: 1/10,000
LineRange = tuple[int, int]  # the first and last sale line id of a line-range shard

sale_lines = SaleLine.__table__
partners = Partner.__table__
products = Product.__table__
categories = Category.__table__
territories = Territory.__table__
partner_territories = PartnerTerritory.__table__
partner_tiers = PartnerTier.__table__


def scaled(raw: Any, scale: int) -> Decimal:
    """An exact integer from the database (int, or Decimal from PostgreSQL's SUM) as a Decimal."""
    return Decimal(int(raw)).scaleb(-scale)


def raw(column: ColumnElement) -> ColumnElement:
    """The stored integer of a scaled column, without the ORM type turning it into a Decimal."""
    return type_coerce(column, BigInteger)


def known_codes(session, wanted: Mapping[str, Iterable[str]]) -> KnownCodes:
    """Which of the codes a spec names exist: one query per kind of code, only for those codes."""
    lookups = {
        "territories": territories.c.code,
        "categories": categories.c.code,
        "skus": products.c.sku,
    }
    found: dict[str, frozenset[str]] = {}
    for name, code_column in lookups.items():
        codes = sorted({str(code) for code in wanted.get(name, ())})
        stmt = select(code_column).where(code_column.in_(codes))
        rows = session.execute(stmt).scalars() if codes else ()
        found[name] = frozenset(rows)
    fund_codes = sorted({str(code) for code in wanted.get("funds", ())})
    funds = {
        code: FundFacts(currency=currency, earned=kind == "earned")
        for code, currency, kind in (
            session.execute(
                select(MdfFund.code, MdfFund.currency, MdfFund.kind).where(
                    MdfFund.code.in_(fund_codes)
                )
            )
            if fund_codes
            else ()
        )
    }
    return KnownCodes(partner_tiers=frozenset(TIERS), funds=funds, **found)


@dataclass(frozen=True)
class Filters:
    """A spec's eligibility resolved against the database; None means "no such filter"."""

    territory_paths: tuple[str, ...] | None
    tiers: tuple[str, ...] | None
    product_ids: tuple[int, ...] | None  # in the category subtrees, or with the SKUs named
    registered_deals_only: bool


def resolve_filters(session, spec: ProgramSpec) -> Filters:
    """Territory codes become materialised paths, categories and SKUs product ids (small
    queries, once per run)."""
    rules = spec.eligible

    def paths(table, codes: Sequence[str]) -> tuple[str, ...]:
        stmt = select(table.c.path).where(table.c.code.in_(codes)).order_by(table.c.path)
        return tuple(session.execute(stmt).scalars())

    product_ids = None
    if rules.categories or rules.skus:
        chosen = _under(categories.c.path, paths(categories, rules.categories))
        if rules.skus:
            chosen = or_(chosen, products.c.sku.in_(rules.skus))
        catalogued = products.join(categories, categories.c.id == products.c.category_id)
        stmt = select(products.c.id).select_from(catalogued).where(chosen).order_by(products.c.id)
        product_ids = tuple(session.execute(stmt).scalars())
    return Filters(
        territory_paths=paths(territories, rules.territories) if rules.territories else None,
        tiers=tuple(rules.partner_tiers) if rules.partner_tiers else None,
        product_ids=product_ids,
        registered_deals_only=rules.registered_deals_only,
    )


@dataclass(frozen=True)
class Scope:
    """What one calculation reads: program, period, resolved filters, FX base, line watermark."""

    spec: ProgramSpec
    period: Period
    filters: Filters
    base_currency: str
    watermark: int | None = None
    dialect: str = "postgresql"
    rates: RateTable | None = None
    read_at: datetime | None = None  # a run's start: the ledger entries it reads (points)

    @property
    def first_day(self) -> date:
        """Growth programs also read the previous period of equal length, in the same pass."""
        return previous(self.period).start if self.spec.growth else self.period.start

    @property
    def converts(self) -> bool:
        """Revenue is converted to the program currency; quantities need no FX."""
        return self.spec.measure == Measure.REVENUE


def _under(column, paths: Sequence[str]) -> ColumnElement[bool]:
    """Inside any of the subtrees; no paths (codes gone from the database) matches nothing."""
    if not paths:
        return false()
    return or_(*(column.startswith(path, autoescape=False) for path in paths))


def _later(a: ColumnElement, b: ColumnElement) -> ColumnElement:
    return case((a > b, a), else_=b)


def _earlier(a: ColumnElement, b: ColumnElement) -> ColumnElement:
    return case((a < b, a), else_=b)


def _stretches(table, first: date, stop: date):
    """An effective-dated table's rows that overlap [first, stop), as (partner_id, start, end)
    clipped to that range: the days each row holds within what the run reads."""
    start = _later(table.c.valid_from, literal(first, Date))
    end = _earlier(func.coalesce(table.c.valid_to, literal(stop, Date)), literal(stop, Date))
    overlaps = and_(
        table.c.valid_from < stop, or_(table.c.valid_to.is_(None), table.c.valid_to > first)
    )
    return select(table.c.partner_id, start.label("start"), end.label("end")), overlaps


def eligible_stretches(filters: Filters, first: date, stop: date, with_group: bool):
    """(partner_id, payee group, start, end): the days in [first, stop) on which each partner
    is in an eligible territory *and* has an eligible tier — the intersection of the two
    effective-dated histories. A partner's rows never overlap (each row ends where the next
    begins, `close_ranges`), so neither do its stretches, and a line matches at most one.
    None when the spec filters on neither."""
    parts = []
    if filters.territory_paths is not None:
        stmt, overlaps = _stretches(partner_territories, first, stop)
        assigned = partner_territories.join(
            territories, territories.c.id == partner_territories.c.territory_id
        )
        under = _under(territories.c.path, filters.territory_paths)
        parts.append(stmt.select_from(assigned).where(overlaps, under).subquery("in_territory"))
    if filters.tiers is not None:
        stmt, overlaps = _stretches(partner_tiers, first, stop)
        ranked = partner_tiers.c.tier.in_(filters.tiers)
        parts.append(stmt.where(overlaps, ranked).subquery("in_tier"))
    if not parts:
        return None
    head, *rest = parts
    start, end, source, where = head.c.start, head.c.end, head, []
    for part in rest:
        source = source.join(part, part.c.partner_id == head.c.partner_id)
        start, end = _later(start, part.c.start), _earlier(end, part.c.end)
        where.append(start < end)
    columns = [head.c.partner_id, start.label("start"), end.label("end")]
    if with_group:
        source = source.join(partners, partners.c.id == head.c.partner_id)
        columns.append(partners.c.root_id.label("group_id"))
    return select(*columns).select_from(source).where(*where).subquery("eligible_partners")


class EligibleLines:
    """The FROM and WHERE shared by the aggregate, the unusable-line list and the drill-down."""

    def __init__(self, scope: Scope):
        self.scope = scope
        spec, filters = scope.spec, scope.filters
        line = sale_lines.c
        grouped = spec.payee == Payee.PARTNER_GROUP
        stop = scope.period.end + timedelta(days=1)
        stretches = eligible_stretches(filters, scope.first_day, stop, with_group=grouped)
        source = sale_lines
        if stretches is not None:
            # One join decides territory, tier and (for groups) the payee, on the sale date.
            source = source.join(
                stretches,
                and_(
                    stretches.c.partner_id == line.partner_id,
                    line.sold_on >= stretches.c.start,
                    line.sold_on < stretches.c.end,
                ),
            )
            self.payee = stretches.c.group_id if grouped else line.partner_id
        elif grouped:
            source = source.join(partners, partners.c.id == line.partner_id)
            self.payee = partners.c.root_id
        else:
            self.payee = line.partner_id
        self.source = source
        self.rates = scope.rates if scope.converts else None
        self.bucket: ColumnElement = literal(0)
        if self.rates is not None:
            bucket = self.rates.bucket_of(line.sold_on, scope.dialect)
            if spec.currency == scope.base_currency:
                # Lines in the base currency convert at exactly 1 whatever the day.
                bucket = case((line.currency == scope.base_currency, 0), else_=bucket)
            self.bucket = bucket
        self.is_current = (
            case((line.sold_on >= scope.period.start, 1), else_=0) if spec.growth else literal(1)
        )
        self.where = [
            line.sold_on >= scope.first_day,
            line.sold_on <= scope.period.end,
            *self._eligibility(filters, scope.dialect),
        ]
        if scope.watermark is not None:
            self.where.append(line.id <= scope.watermark)

    @staticmethod
    def _eligibility(filters: Filters, dialect: str) -> list[ColumnElement[bool]]:
        """Product and deal conditions (territory and tier are the stretches' join)."""
        line = sale_lines.c
        where = []
        if filters.product_ids is not None:
            ids = list(filters.product_ids)
            if dialect == "postgresql":  # one array: a hashed lookup per line
                where.append(line.product_id == any_(bindparam("products", ids, ARRAY(Integer))))
            else:  # written into the SQL: no limit on bound parameters
                chosen = bindparam("products", ids, expanding=True, literal_execute=True)
                where.append(line.product_id.in_(chosen))
        if filters.registered_deals_only:
            # A line counts when its deal_ref names a registration that was won (imports store
            # references upper-cased and refuse another partner's reference).
            where.append(line.deal_ref.in_(won_deal_refs()))
        return where

    @staticmethod
    def in_range(line_range: LineRange | None) -> list[ColumnElement[bool]]:
        """A line-range shard's lines: ids from first to last (the primary key's order is the
        order lines were imported, so a range is a contiguous stretch of the table)."""
        if line_range is None:
            return []
        first, last = line_range
        return [sale_lines.c.id >= first, sale_lines.c.id <= last]

    def _line_has_rate(self) -> ColumnElement[bool]:
        return self.rates.line_has_rate(sale_lines.c.currency, sale_lines.c.sold_on)

    def usable(self) -> ColumnElement[bool]:
        """SQL: the line's currency and the program's both have a rate on its sale date."""
        if self.rates is None:
            return true()
        program_has_rate = self.rates.has_rate(self.scope.spec.currency, sale_lines.c.sold_on)
        return and_(self._line_has_rate(), program_has_rate)

    def line_rates(self, currency: str, day: date) -> tuple[int, int] | None:
        """The stored integer rates (line currency, program currency) on the day, or None when
        either has none; quantities need no FX and convert at 1."""
        if self.rates is None:
            return BASE_RATE_RAW, BASE_RATE_RAW
        rate_line = self.rates.raw_rate(currency, day)
        rate_prog = self.rates.raw_rate(self.scope.spec.currency, day)
        return None if rate_line is None or rate_prog is None else (rate_line, rate_prog)

    def bucket_rates(self, currency: str, bucket: int) -> tuple[int, int] | None:
        """The rates of an aggregate row: those in force on the first day of its bucket."""
        if self.rates is None:
            return BASE_RATE_RAW, BASE_RATE_RAW
        return self.line_rates(currency, self.rates.bucket_day(bucket))

    def aggregate(self, line_range: LineRange | None = None) -> Select:
        """One GROUP BY: the exact sum of the measured column (amount for revenue, quantity
        otherwise) and the line count per (payee, period, line currency, FX bucket)."""
        measured = sale_lines.c.amount if self.scope.converts else sale_lines.c.quantity
        inner = (
            select(
                self.payee.label("payee"),
                self.is_current.label("is_current"),
                sale_lines.c.currency,
                self.bucket.label("bucket"),
                raw(measured).label("measured"),
            )
            .select_from(self.source)
            .where(*self.where, *self.in_range(line_range))
            .subquery("eligible")
        )
        keys = (inner.c.payee, inner.c.is_current, inner.c.currency, inner.c.bucket)
        # Sums come back as BIGINT, not NUMERIC: exact either way (an overflow is an error, never
        # a rounding), and integers decode far faster than Decimals.
        return select(
            *keys,
            cast(func.sum(inner.c.measured), BigInteger).label("total"),
            func.count().label("lines"),
        ).group_by(*keys)

    def unusable_lines(self, line_range: LineRange | None = None) -> Select:
        """Eligible lines without an FX rate for their currency or the program's, in date order,
        with the currency that has none."""
        missing = case(
            (~self._line_has_rate(), sale_lines.c.currency),
            else_=literal(self.scope.spec.currency),
        )
        return (
            select(sale_lines.c.id, sale_lines.c.sold_on, missing.label("missing"))
            .select_from(self.source)
            .where(*self.where, *self.in_range(line_range), ~self.usable())
            .order_by(sale_lines.c.sold_on, sale_lines.c.id)
        )

    def contributing_lines(self, payee_id: int) -> Select:
        """The payee's usable eligible lines of the period (not the previous one), newest last;
        `line_rates` gives each one's rates."""
        return (
            select(
                sale_lines.c.id,
                sale_lines.c.external_id,
                sale_lines.c.sold_on,
                sale_lines.c.partner_id,
                sale_lines.c.product_id,
                raw(sale_lines.c.quantity).label("quantity"),
                raw(sale_lines.c.amount).label("amount"),
                sale_lines.c.currency,
                sale_lines.c.deal_ref,
            )
            .select_from(self.source)
            .where(
                *self.where,
                self.payee == payee_id,
                sale_lines.c.sold_on >= self.scope.period.start,
                self.usable(),
            )
            .order_by(sale_lines.c.sold_on, sale_lines.c.id)
        )


def make_scope(
    session,
    spec: ProgramSpec,
    period: Period,
    *,
    base_currency: str,
    watermark: int | None = None,
    read_at: datetime | None = None,
) -> Scope:
    """Resolve the spec's filters and load its FX rates once, for every query of a run."""
    dialect = session.get_bind().dialect.name
    spec = measuring_spec(spec)  # a contest's units or growth are the loaders' measure fields
    filters = resolve_filters(session, spec)
    scope = Scope(spec, period, filters, base_currency, watermark, dialect, read_at=read_at)
    if not scope.converts:
        return scope
    rates = load_rates(session, scope.first_day, period.end, base_currency)
    return replace(scope, rates=rates)
