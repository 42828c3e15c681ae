"""The FX rates a calculation reads, loaded once per scope, and the rate buckets of its GROUP BY.

A rate holds from its `valid_from` until the next rate of its currency: a line converts at the
rate whose `valid_from` is the latest on or before its sale date (PRODUCT.md §5). Between two
consecutive `valid_from` dates of *any* currency every currency's rate is constant; those
stretches of days are the buckets. The aggregate groups lines by (currency, bucket) — the bucket
is a comparison against a short sorted list of dates, not a join of a rate to every line — and
each group converts here at the rates in force on its bucket's first day. The same table gives
the drill-down its per-line rates and tells which lines have no rate, so the pages and the
calculation can never disagree about a rate.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Date,
    and_,
    bindparam,
    case,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY

from portal.models import FxRate

RATE_SCALE = 10  # fx_rates.rate: 1/10,000,000,000
BASE_RATE_RAW = 10**RATE_SCALE  # the base currency converts at exactly 1

fx_rates = FxRate.__table__


@dataclass(frozen=True)
class RateTable:
    """Each currency's rates (valid_from, stored integer rate) in date order, from the one in
    force on `first_day` (if any) to the last one on or before `last_day`."""

    base_currency: str
    first_day: date
    history: Mapping[str, tuple[tuple[date, int], ...]]
    _days: Mapping[str, tuple[date, ...]] = field(init=False, repr=False, compare=False)
    boundaries: tuple[date, ...] = field(init=False, compare=False)
    """Every day after `first_day` on which some currency's rate changes, in order."""

    def __post_init__(self) -> None:
        days = {currency: tuple(d for d, _ in rates) for currency, rates in self.history.items()}
        changes = {d for dates in days.values() for d in dates if d > self.first_day}
        object.__setattr__(self, "_days", days)
        object.__setattr__(self, "boundaries", tuple(sorted(changes)))

    def raw_rate(self, currency: str, day: date) -> int | None:
        """The stored integer rate of the currency on the day; the base is exactly 1; None when
        no rate had started by then."""
        if currency == self.base_currency:
            return BASE_RATE_RAW
        days = self._days.get(currency, ())
        index = bisect_right(days, day)
        return self.history[currency][index - 1][1] if index else None

    def bucket_day(self, bucket: int) -> date:
        """The first day of a bucket: bucket 0 starts on `first_day`, bucket k on the k-th
        boundary."""
        return self.boundaries[bucket - 1] if bucket else self.first_day

    def has_rate(self, currency: str, day: ColumnElement) -> ColumnElement[bool]:
        """SQL: the currency has a rate on the day (a column of the lines)."""
        if currency == self.base_currency:
            return true()
        days = self._days.get(currency)
        return day >= days[0] if days else false()

    def line_has_rate(self, currency: ColumnElement, day: ColumnElement) -> ColumnElement[bool]:
        """SQL: each line's own currency has a rate on its sale date."""
        started = [
            and_(currency == code, day >= days[0]) for code, days in self._days.items() if days
        ]
        return or_(currency == self.base_currency, *started)

    def bucket_of(self, day: ColumnElement, dialect: str) -> ColumnElement[int]:
        """SQL: how many boundaries are on or before the day — the bucket number, 0 to n."""
        bounds = self.boundaries
        if not bounds:
            return literal(0)
        if dialect == "postgresql":
            # width_bucket(operand, sorted thresholds) counts the thresholds <= operand.
            return func.width_bucket(day, bindparam("fx_boundaries", list(bounds), ARRAY(Date)))
        whens = [(day >= bound, index) for index, bound in enumerate(bounds, start=1)]
        return case(*reversed(whens), else_=0)


def load_rates(session, first_day: date, last_day: date, base_currency: str) -> RateTable:
    """One query: per currency, the rate in force on first_day and the later ones to last_day."""
    later = fx_rates.alias("later")
    superseded = exists().where(
        later.c.currency == fx_rates.c.currency,
        later.c.valid_from > fx_rates.c.valid_from,
        later.c.valid_from <= first_day,
    )
    stmt = (
        select(fx_rates.c.currency, fx_rates.c.valid_from, type_coerce(fx_rates.c.rate, BigInteger))
        .where(fx_rates.c.currency != base_currency, fx_rates.c.valid_from <= last_day, ~superseded)
        .order_by(fx_rates.c.currency, fx_rates.c.valid_from)
    )
    history: dict[str, list[tuple[date, int]]] = {}
    for currency, valid_from, rate in session.execute(stmt):
        history.setdefault(currency, []).append((_day(valid_from), int(rate)))
    frozen = {currency: tuple(rates) for currency, rates in history.items()}
    return RateTable(base_currency, first_day, frozen)


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)
