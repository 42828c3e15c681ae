"""Set-based SQL in: one GROUP BY pass over the period's eligible sale lines.

Every query a run (or its drill-down) makes goes through `EligibleLines`, so the lines a page shows
are exactly the lines the calculation summed. Eligibility is decided per line with the territory
and tier effective on `sold_on` (valid_from <= sold_on < valid_to), territory and category filters
take whole subtrees (materialised `path LIKE 'prefix%'`), and FX rates are the ones whose
valid_from is the latest on or before `sold_on` (see _daily_rates: at most one rate per line).
Amounts, quantities and rates leave the database as exact integers (scaled BIGINT sums) and
become Decimals here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
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
    exists,
    false,
    func,
    literal,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY

from portal.models import (
    TIERS,
    Category,
    FxRate,
    Partner,
    PartnerTerritory,
    PartnerTier,
    Product,
    SaleLine,
    Territory,
)
from workflows.deals.refs import won_deal_refs
from workflows.engine import KnownCodes, Measure, Payee, Period, ProgramSpec, previous

AMOUNT_SCALE = 4  # sale_lines.amount and .quantity: 1/10,000
RATE_SCALE = 10  # fx_rates.rate: 1/10,000,000,000
BASE_RATE_RAW = 10**RATE_SCALE  # the base currency converts at exactly 1

sale_lines = SaleLine.__table__
partners = Partner.__table__
products = Product.__table__
categories = Category.__table__
territories = Territory.__table__
partner_territories = PartnerTerritory.__table__
partner_tiers = PartnerTier.__table__
fx_rates = FxRate.__table__


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
    return KnownCodes(partner_tiers=frozenset(TIERS), **found)


@dataclass(frozen=True)
class Filters:
    """A spec's eligibility resolved against the database; None means "no such filter"."""

    territory_paths: tuple[str, ...] | None
    tiers: tuple[str, ...] | None
    category_paths: tuple[str, ...] | None
    skus: tuple[str, ...] | None
    registered_deals_only: bool


def resolve_filters(session, spec: ProgramSpec) -> Filters:
    """Territory and category codes become materialised paths (two small queries)."""
    rules = spec.eligible

    def paths(table, codes: Sequence[str]) -> tuple[str, ...]:
        stmt = select(table.c.path).where(table.c.code.in_(codes)).order_by(table.c.path)
        return tuple(session.execute(stmt).scalars())

    products_filtered = bool(rules.categories or rules.skus)
    return Filters(
        territory_paths=paths(territories, rules.territories) if rules.territories else None,
        tiers=tuple(rules.partner_tiers) if rules.partner_tiers else None,
        category_paths=paths(categories, rules.categories) if products_filtered else None,
        skus=tuple(rules.skus) if products_filtered else None,
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

    @property
    def first_day(self) -> date:
        """Growth programs also read the previous period of equal length, in the same pass."""
        return previous(self.period).start if self.spec.growth else self.period.start

    @property
    def converts(self) -> bool:
        """Revenue is converted to the program currency; quantities need no FX."""
        return self.spec.measure == Measure.REVENUE


def _covers(table, day) -> ColumnElement[bool]:
    """Effective-dated row valid on `day`: valid_from inclusive, valid_to exclusive (NULL: open)."""
    return and_(table.c.valid_from <= day, or_(table.c.valid_to.is_(None), table.c.valid_to > day))


def _under(column, paths: Sequence[str]) -> ColumnElement[bool]:
    """Inside any of the subtrees; no paths (codes gone from the database) matches nothing."""
    if not paths:
        return false()
    return or_(*(column.startswith(path, autoescape=False) for path in paths))


def _calendar(first: date, last: date, dialect: str):
    """Every day from first to last, as a recursive CTE (no calendar table to maintain)."""
    start = select(literal(first, Date).label("day")).cte("days", recursive=True)
    following = func.date(start.c.day, "+1 day") if dialect == "sqlite" else start.c.day + 1
    return start.union_all(select(following).where(start.c.day < last))


def _daily_rates(first: date, last: date, dialect: str):
    """(currency, day, rate) for every day the run reads: each FX rate holds from its valid_from
    until the next rate of its currency (LEAD), so every day gets the rate whose valid_from is the
    latest on or before it, and lines join it on (currency, sold_on) equality — one match each."""
    following = func.lead(fx_rates.c.valid_from).over(
        partition_by=fx_rates.c.currency, order_by=fx_rates.c.valid_from
    )
    validity = select(
        fx_rates.c.currency,
        raw(fx_rates.c.rate).label("rate"),
        fx_rates.c.valid_from,
        following.label("valid_to"),
    ).subquery("fx_validity")
    days = _calendar(first, last, dialect)
    return (
        select(validity.c.currency, days.c.day, validity.c.rate)
        .select_from(validity)
        .join(days, _covers(validity, days.c.day))
        .subquery("fx_daily")
    )


class EligibleLines:
    """The FROM and WHERE shared by the aggregate, the unusable-line list and the drill-down."""

    def __init__(self, scope: Scope):
        self.scope = scope
        spec, filters = scope.spec, scope.filters
        source = sale_lines
        if spec.payee == Payee.PARTNER_GROUP:
            source = source.join(partners, partners.c.id == sale_lines.c.partner_id)
            self.payee = partners.c.root_id
        else:
            self.payee = sale_lines.c.partner_id
        self.rate_line: ColumnElement = literal(BASE_RATE_RAW, BigInteger)
        self.rate_prog: ColumnElement = literal(BASE_RATE_RAW, BigInteger)
        if scope.converts:
            daily = _daily_rates(scope.first_day, scope.period.end, scope.dialect)
            line_fx = daily.alias("fx_line")
            source = source.outerjoin(
                line_fx,
                and_(
                    line_fx.c.currency == sale_lines.c.currency,
                    line_fx.c.day == sale_lines.c.sold_on,
                ),
            )
            self.rate_line = case(
                (sale_lines.c.currency == scope.base_currency, literal(BASE_RATE_RAW, BigInteger)),
                else_=line_fx.c.rate,
            )
            if spec.currency != scope.base_currency:
                prog_fx = daily.alias("fx_prog")
                source = source.outerjoin(
                    prog_fx,
                    and_(
                        prog_fx.c.currency == spec.currency, prog_fx.c.day == sale_lines.c.sold_on
                    ),
                )
                self.rate_prog = prog_fx.c.rate
        self.source = source
        self.is_current = (
            case((sale_lines.c.sold_on >= scope.period.start, 1), else_=0)
            if spec.growth
            else literal(1)
        )
        self.where = [
            sale_lines.c.sold_on >= scope.first_day,
            sale_lines.c.sold_on <= scope.period.end,
            *self._eligibility(filters),
        ]
        if scope.watermark is not None:
            self.where.append(sale_lines.c.id <= scope.watermark)

    @staticmethod
    def _eligibility(filters: Filters) -> list[ColumnElement[bool]]:
        line = sale_lines.c
        where = []
        if filters.territory_paths is not None:
            assigned = partner_territories.join(
                territories, territories.c.id == partner_territories.c.territory_id
            )
            where.append(
                exists(
                    select(literal(1))
                    .select_from(assigned)
                    .where(
                        partner_territories.c.partner_id == line.partner_id,
                        _covers(partner_territories, line.sold_on),
                        _under(territories.c.path, filters.territory_paths),
                    )
                )
            )
        if filters.tiers is not None:
            where.append(
                exists(
                    select(literal(1)).where(
                        partner_tiers.c.partner_id == line.partner_id,
                        _covers(partner_tiers, line.sold_on),
                        partner_tiers.c.tier.in_(filters.tiers),
                    )
                )
            )
        if filters.category_paths is not None:
            catalogued = products.join(categories, categories.c.id == products.c.category_id)
            chosen = _under(categories.c.path, filters.category_paths)
            if filters.skus:
                chosen = or_(chosen, products.c.sku.in_(filters.skus))
            where.append(
                line.product_id.in_(select(products.c.id).select_from(catalogued).where(chosen))
            )
        if filters.registered_deals_only:
            # A line counts when its deal_ref names a registration that was won (imports store
            # references upper-cased and refuse another partner's reference).
            where.append(line.deal_ref.in_(won_deal_refs()))
        return where

    def shard_partners(self, shard: int, shards: int) -> Select:
        """Partners whose payee falls in the shard: payee_id % shards == shard, deterministic and
        independent of how many workers run."""
        payee = (
            partners.c.root_id if self.scope.spec.payee == Payee.PARTNER_GROUP else partners.c.id
        )
        return select(partners.c.id).where(payee % shards == shard).order_by(partners.c.id)

    def in_shard(self, partner_ids: Sequence[int] | None) -> list[ColumnElement[bool]]:
        """The shard's lines, by the ids of its partners. A literal list, not `payee % n` in the
        big query: the planner cannot estimate a modulo and picks a per-partner index loop."""
        if partner_ids is None:
            return []
        if self.scope.dialect == "postgresql":
            ids = bindparam("shard_partners", list(partner_ids), type_=ARRAY(Integer))
            return [sale_lines.c.partner_id == any_(ids)]
        return [sale_lines.c.partner_id.in_(list(partner_ids))]

    def unusable(self) -> ColumnElement[bool]:
        return or_(self.rate_line.is_(None), self.rate_prog.is_(None))

    def aggregate(self, partner_ids: Sequence[int] | None = None) -> Select:
        """One GROUP BY: exact sums per (payee, period, line currency, line rate, program rate)."""
        inner = (
            select(
                self.payee.label("payee"),
                self.is_current.label("is_current"),
                sale_lines.c.currency,
                self.rate_line.label("rate_line"),
                self.rate_prog.label("rate_prog"),
                raw(sale_lines.c.amount).label("amount"),
                raw(sale_lines.c.quantity).label("quantity"),
            )
            .select_from(self.source)
            .where(*self.where, *self.in_shard(partner_ids))
            .subquery("eligible")
        )
        keys = (inner.c.payee, inner.c.is_current, inner.c.currency, inner.c.rate_line)
        keys += (inner.c.rate_prog,)
        # Sums come back as BIGINT, not NUMERIC: exact either way (an overflow is an error, never
        # a rounding), and integers decode far faster than Decimals.
        return select(
            *keys,
            cast(func.sum(inner.c.amount), BigInteger).label("amount"),
            cast(func.sum(inner.c.quantity), BigInteger).label("quantity"),
            func.count().label("lines"),
        ).group_by(*keys)

    def unusable_lines(self, partner_ids: Sequence[int] | None = None) -> Select:
        """Eligible lines without an FX rate for their currency or the program's, in date order."""
        missing = case(
            (self.rate_line.is_(None), sale_lines.c.currency),
            else_=literal(self.scope.spec.currency),
        )
        return (
            select(sale_lines.c.id, sale_lines.c.sold_on, missing.label("missing"))
            .select_from(self.source)
            .where(*self.where, *self.in_shard(partner_ids), self.unusable())
            .order_by(sale_lines.c.sold_on, sale_lines.c.id)
        )

    def contributing_lines(self, payee_id: int) -> Select:
        """The payee's usable eligible lines of the period (not the previous one), newest last."""
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
                self.rate_line.label("rate_line"),
                self.rate_prog.label("rate_prog"),
            )
            .select_from(self.source)
            .where(
                *self.where,
                self.payee == payee_id,
                sale_lines.c.sold_on >= self.scope.period.start,
                *(() if not self.scope.converts else (~self.unusable(),)),
            )
            .order_by(sale_lines.c.sold_on, sale_lines.c.id)
        )


def make_scope(
    session, spec: ProgramSpec, period: Period, *, base_currency: str, watermark: int | None = None
) -> Scope:
    """Resolve the spec's filters against the database once, for every query of a run."""
    dialect = session.get_bind().dialect.name
    return Scope(spec, period, resolve_filters(session, spec), base_currency, watermark, dialect)
