"""The dated part of the demo, computed without I/O: periods, FX series and sales lines.

The same `today` always gives the same rows (seeded `random.Random`, Decimal money), so a second
load finds every row already there and a reviewer sees the same numbers as the tests.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from .data import (
    BASE_RATES,
    COUNTRY_CURRENCY,
    PARTNERS,
    PRODUCTS,
    SALES_PREFIX,
    SEED,
    PartnerSpec,
    ProductSpec,
)

# Expected sales lines per partner and business day, by the partner's starting tier.
DAILY_LINES = {"registered": 0.35, "silver": 0.6, "gold": 0.9, "platinum": 1.3}
RETURN_SHARE = 0.012
DEAL_SHARE = 0.03
DEAL_CATEGORIES = ("SWITCHES", "ROUTERS", "WIRELESS", "FIREWALLS", "STORAGE")
DEAL_SUPPORT_SKUS = ("NX-SUP-4H", "NX-SUP-247", "NX-SUP-NBD")
MINOR_UNITS = {"JPY": 0}
WEEKLY_DRIFT_BP = 60  # FX rates move up to ±0.6 % a week


class DemoSale(NamedTuple):
    external_id: str
    partner: str
    sku: str
    sold_on: date
    quantity: Decimal
    amount: Decimal
    currency: str
    deal_ref: str | None


@dataclass(frozen=True)
class DemoDates:
    """The demo covers the previous calendar quarter in full and the current one up to today."""

    today: date
    start: date
    quarter_start: date
    move_on: date
    retier_on: date


def _rng(*purpose: str) -> random.Random:
    """A generator of its own per purpose, so adding a partner does not reshuffle FX rates."""
    return random.Random("-".join((str(SEED), *purpose)))  # noqa: S311 - reproducible, not secret


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` after (or before) the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def demo_dates(today: date) -> DemoDates:
    """Moves fall mid-quarter (day 46, e.g. 2026-08-15) and tier changes on the second month's
    first day, in the current quarter once a week of data exists after the move, else in the
    previous one — so there are always sales on both sides of each change."""
    current = quarter_start(today)
    previous = add_months(current, -3)
    pivot = current if today >= current + timedelta(days=45 + 7) else previous
    return DemoDates(
        today=today,
        start=previous,
        quarter_start=current,
        move_on=pivot + timedelta(days=45),
        retier_on=add_months(pivot, 1),
    )


def joined_on(partner: PartnerSpec, dates: DemoDates) -> date:
    """When the partner joined the program: 3 to 48 months before the demo period."""
    rng = _rng("joined", partner.code)
    return add_months(dates.start, -rng.randint(3, 48))


def _significant(value: Decimal, digits: int = 6) -> Decimal:
    return value.quantize(Decimal(1).scaleb(value.adjusted() - digits + 1), ROUND_HALF_UP)


def fx_rows(dates: DemoDates) -> list[dict]:
    """A rate per currency every Monday from the one on or before the period start to today."""
    first = dates.start - timedelta(days=dates.start.weekday())
    mondays = [first + timedelta(weeks=n) for n in range((dates.today - first).days // 7 + 1)]
    rows = []
    for currency, base in sorted(BASE_RATES.items()):
        rng = _rng("fx", currency)
        rate = base
        for monday in mondays:
            if currency != "USD":
                drift = Decimal(rng.randint(-WEEKLY_DRIFT_BP, WEEKLY_DRIFT_BP)).scaleb(-4)
                rate = _significant(rate * (1 + drift))
            rows.append({"currency": currency, "rate": rate, "valid_from": monday})
    return rows


def _money(value: Decimal, currency: str) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-MINOR_UNITS.get(currency, 2)), ROUND_HALF_UP)


def _quantity(rng: random.Random, price: Decimal) -> int:
    """Expensive kit sells one or two at a time, per-seat items by the dozen."""
    if price >= 10000:
        return rng.randint(1, 2)
    if price >= 2000:
        return rng.randint(1, 5)
    if price >= 300:
        return rng.randint(1, 20)
    return rng.randint(5, 200)


class _LineMaker:
    """Prices a line in the partner's currency at list price less a random discount."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.lines: list[DemoSale] = []

    def add(self, partner: PartnerSpec, product: ProductSpec, day: date, quantity: int, deal_ref):
        currency = COUNTRY_CURRENCY[partner.country]
        unit = _money(product.list_price_usd / BASE_RATES[currency], currency)
        discount = Decimal(self.rng.randint(0, 20)).scaleb(-2)
        amount = _money(unit * quantity * (1 - discount), currency)
        self.lines.append(
            DemoSale(
                "", partner.code, product.sku, day, Decimal(quantity), amount, currency, deal_ref
            )
        )


def sale_lines(dates: DemoDates) -> list[DemoSale]:
    """Business-day sell-out for every partner, with a few returns and registered-deal lines;
    external ids DEMO-000001… in date order."""
    rng = _rng("sales")
    weights = [1 / math.sqrt(p.list_price_usd) for p in PRODUCTS]  # cheap items sell more often
    deal_products = [p for p in PRODUCTS if p.category in DEAL_CATEGORIES]
    support = [p for p in PRODUCTS if p.sku in DEAL_SUPPORT_SKUS]
    maker = _LineMaker(rng)
    deals = 0
    day = dates.start
    while day <= dates.today:
        if day.weekday() < 5:
            for partner in PARTNERS:
                chance = DAILY_LINES[partner.tier] / 3
                for _ in range(sum(rng.random() < chance for _ in range(3))):
                    roll = rng.random()
                    if roll < RETURN_SHARE:
                        product = rng.choices(PRODUCTS, weights)[0]
                        maker.add(partner, product, day, -rng.randint(1, 2), None)
                    elif roll < RETURN_SHARE + DEAL_SHARE:
                        deals += 1
                        ref = f"DR-{day.year}-{deals:04d}"
                        quantity = rng.randint(5, 40)
                        maker.add(partner, rng.choice(deal_products), day, quantity, ref)
                        if rng.random() < 0.6:
                            maker.add(partner, rng.choice(support), day, quantity, ref)
                    else:
                        product = rng.choices(PRODUCTS, weights)[0]
                        maker.add(
                            partner, product, day, _quantity(rng, product.list_price_usd), None
                        )
        day += timedelta(days=1)
    return [
        line._replace(external_id=f"{SALES_PREFIX}{n:06d}")
        for n, line in enumerate(maker.lines, start=1)
    ]
