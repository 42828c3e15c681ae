"""The latest exchange rates to the base currency, and amounts converted with them: shared by
the manager pages and the quarter ranking the sales roll-up keeps for them."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from functools import cache

from flask import current_app
from sqlalchemy import Select, func, select

from portal.extensions import db
from portal.models import FxRate
from workflows.engine import round_money


@cache
def _newest_rates() -> Select:
    """Each currency's rate of its newest day; built once per process (no parameters)."""
    newest = (
        select(FxRate.currency, func.max(FxRate.valid_from).label("day"))
        .group_by(FxRate.currency)
        .subquery()
    )
    return select(FxRate.currency, FxRate.rate).join(
        newest, (newest.c.currency == FxRate.currency) & (newest.c.day == FxRate.valid_from)
    )


def latest_rates() -> dict[str, Decimal]:
    """Each currency's newest rate to the base currency (base = 1)."""
    rates = {currency: rate for currency, rate in db.session.execute(_newest_rates())}
    rates[current_app.config["BASE_CURRENCY"]] = Decimal(1)
    return rates


def rates_key(rates: dict[str, Decimal]) -> str:
    """A short name for a set of rates: a ranking computed with them is valid for these only."""
    text = ";".join(f"{currency}={rates[currency].normalize()}" for currency in sorted(rates))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def to_base(amounts: dict[str, Decimal], rates: dict[str, Decimal]) -> Decimal | None:
    """Sum `amounts` converted to the base currency; None when some currency has no rate."""
    if any(currency not in rates for currency in amounts):
        return None
    total = sum((amount * rates[c] for c, amount in amounts.items()), Decimal(0))
    return round_money(total, current_app.config["BASE_CURRENCY"])


def quarter_bounds(today: date) -> tuple[date, date]:
    """The first day of today's quarter and of today's month (the quarter so far, by month)."""
    return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today.replace(day=1)
