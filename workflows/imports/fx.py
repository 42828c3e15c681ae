"""FX rates: `currency,rate,valid_from` — 1 unit of currency = rate units of the base currency.

A rate applies from its `valid_from` until the next one of the same currency. Re-importing a
(currency, valid_from) with another rate corrects that rate (an "updated" row).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from portal.models import FxRate
from portal.models.partners import close_ranges

from . import fields
from .base import Counts, Importer, RowParser, lookup, register, upsert
from .errors import BASE_CURRENCY, DUPLICATE_KEY, NOT_POSITIVE, FieldError, shown
from .reading import Layout

RATE_PLACES = 10
RATE_WHOLE_DIGITS = 8  # BIGINT holds 9.2e18 units of 1e-10: rates below 1e8 always fit


@dataclass(frozen=True, slots=True)
class RateRow:
    line: int
    currency: str
    rate: Decimal
    valid_from: date


@register
class FxImporter(Importer):
    kind = "fx"
    tables = ("fx_rates",)
    layout = Layout(("currency", "rate", "valid_from"))

    def __init__(self, context):
        super().__init__(context)
        self.rows: dict[tuple[str, date], RateRow] = {}

    def _currency(self, value: str) -> str:
        code = fields.currency(value)
        if code == self.context.base_currency:
            raise FieldError(BASE_CURRENCY, value=code)
        return code

    @staticmethod
    def _rate(value: str) -> Decimal:
        units = fields.scaled_int(value, RATE_PLACES, RATE_WHOLE_DIGITS)
        if units <= 0:
            raise FieldError(NOT_POSITIVE, value=shown(value))
        return Decimal(units).scaleb(-RATE_PLACES)

    def read(self, rows: Iterable[tuple[int, list[str]]]) -> None:
        for line, (currency, rate, valid_from) in rows:
            parse = RowParser(self.errors, line)
            currency = parse("currency", self._currency, currency)
            rate = parse("rate", self._rate, rate)
            valid_from = parse("valid_from", fields.dated, valid_from, self.context.sale_dates)
            if currency is None or valid_from is None:
                continue
            key = (currency, valid_from)
            if key in self.rows:
                first = self.rows[key].line
                value = f"{currency} {valid_from.isoformat()}"
                self.errors.add(line, "valid_from", DUPLICATE_KEY, value=value, first=first)
            else:
                self.rows[key] = RateRow(line, currency, rate, valid_from)

    def check(self) -> None:
        """A rate refers to nothing stored, so every check was made row by row."""

    def apply(self) -> Counts:
        query = select(FxRate.id, FxRate.currency, FxRate.valid_from, FxRate.rate)
        currencies = {currency for currency, _day in self.rows}
        stored = {
            (r.currency, r.valid_from): r
            for r in lookup(self.session, query, FxRate.currency, currencies)
        }
        wanted = (
            (key, {"currency": row.currency, "valid_from": row.valid_from}, {"rate": row.rate})
            for key, row in self.rows.items()
        )
        counts = upsert(self.session, FxRate, stored, wanted)
        close_ranges(self.session, FxRate, "currency")
        return counts
