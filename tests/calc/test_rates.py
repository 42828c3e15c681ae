"""The FX rate table of a run: which rate holds on which day, and the rate buckets of the GROUP BY
(the same bucket in SQL, on PostgreSQL and SQLite, as in Python)."""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, timedelta

import pytest
from sqlalchemy import Date, literal, select

from portal.models import FxRate
from workflows.calc.rates import BASE_RATE_RAW, RateTable, load_rates

FIRST = date(2026, 7, 1)
TABLE = RateTable(
    "USD",
    FIRST,
    {
        "EUR": ((date(2026, 6, 29), 11_000_000_000), (date(2026, 7, 6), 11_500_000_000)),
        "JPY": ((date(2026, 7, 13), 65_000_000),),  # starts inside the run
    },
)


@pytest.mark.parametrize(
    ("currency", "day", "expected"),
    [
        ("USD", date(1999, 1, 1), BASE_RATE_RAW),  # the base converts at 1 on any day
        ("EUR", date(2026, 7, 1), 11_000_000_000),  # the rate in force before the run started
        ("EUR", date(2026, 7, 5), 11_000_000_000),  # the day before the next rate
        ("EUR", date(2026, 7, 6), 11_500_000_000),  # a rate holds from its valid_from on
        ("EUR", date(2026, 9, 30), 11_500_000_000),  # ... until the next one, however long
        ("JPY", date(2026, 7, 12), None),  # no rate yet
        ("JPY", date(2026, 7, 13), 65_000_000),
        ("GBP", date(2026, 8, 1), None),  # a currency without any rate
    ],
)
def test_the_rate_of_a_day_is_the_latest_on_or_before_it(currency, day, expected):
    assert TABLE.raw_rate(currency, day) == expected


def test_buckets_start_where_any_rate_changes_after_the_first_day():
    assert TABLE.boundaries == (date(2026, 7, 6), date(2026, 7, 13))
    assert [TABLE.bucket_day(b) for b in range(3)] == [FIRST, date(2026, 7, 6), date(2026, 7, 13)]
    # Every day of a bucket has the rates of the bucket's first day, in every currency.
    for offset in range(40):
        day = FIRST + timedelta(days=offset)
        bucket = bisect_right(TABLE.boundaries, day)
        for currency in ("USD", "EUR", "JPY", "GBP"):
            assert TABLE.raw_rate(currency, day) == TABLE.raw_rate(
                currency, TABLE.bucket_day(bucket)
            )


def test_the_database_puts_each_day_in_the_bucket_python_does(db):
    dialect = db.session.get_bind().dialect.name
    days = [FIRST + timedelta(days=offset) for offset in range(-3, 20)]
    for day in days:
        in_sql = db.session.scalar(select(TABLE.bucket_of(literal(day, Date), dialect)))
        assert in_sql == bisect_right(TABLE.boundaries, day), day
    empty = RateTable("USD", FIRST, {})
    assert db.session.scalar(select(empty.bucket_of(literal(FIRST, Date), dialect))) == 0


def test_the_table_holds_only_the_rates_a_run_can_use(db):
    rows = [
        ("EUR", "1.05", date(2026, 1, 1)),  # superseded before the run: not loaded
        ("EUR", "1.10", date(2026, 6, 29)),  # in force on the first day
        ("EUR", "1.15", date(2026, 7, 6)),
        ("EUR", "1.20", date(2026, 10, 5)),  # after the run: not loaded
        ("USD", "1", date(2026, 7, 8)),  # the base currency converts at 1, whatever is stored
    ]
    for currency, rate, valid_from in rows:
        db.session.add(FxRate(currency=currency, rate=rate, valid_from=valid_from))
    db.session.flush()
    table = load_rates(db.session, FIRST, date(2026, 9, 30), "USD")
    assert table.history == {
        "EUR": ((date(2026, 6, 29), 11_000_000_000), (date(2026, 7, 6), 11_500_000_000))
    }
    assert table.boundaries == (date(2026, 7, 6),)
