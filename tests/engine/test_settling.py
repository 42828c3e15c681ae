"""Settled periods nest, and a settlement nets off what was paid within it: tables and a model."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.engine import Period
from workflows.engine.settling import (
    SettledConflict,
    payout_differences,
    settlement_conflict,
    within,
)

NOV = Period(date(2026, 11, 1), date(2026, 11, 30))


def p(start: str, end: str) -> Period:
    return Period(date.fromisoformat(start), date.fromisoformat(end))


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        # disjoint, down to the adjacent day on either side
        (p("2026-10-01", "2026-10-31"), None),
        (p("2026-12-01", "2026-12-05"), None),
        # equal, and containing it (sharing the first day, the last day, or neither)
        (p("2026-11-01", "2026-11-30"), None),
        (p("2026-11-01", "2026-12-05"), None),
        (p("2026-10-15", "2026-11-30"), None),
        (p("2026-10-01", "2026-12-31"), None),
        # inside it (sharing the first day, the last day, or neither; a single day)
        (p("2026-11-01", "2026-11-15"), SettledConflict("inside", NOV)),
        (p("2026-11-16", "2026-11-30"), SettledConflict("inside", NOV)),
        (p("2026-11-10", "2026-11-20"), SettledConflict("inside", NOV)),
        (p("2026-11-30", "2026-11-30"), SettledConflict("inside", NOV)),
        # cutting through it, down to a single shared day at either end
        (p("2026-11-15", "2026-12-15"), SettledConflict("overlap", NOV)),
        (p("2026-10-15", "2026-11-15"), SettledConflict("overlap", NOV)),
        (p("2026-11-30", "2026-12-31"), SettledConflict("overlap", NOV)),
        (p("2026-10-01", "2026-11-01"), SettledConflict("overlap", NOV)),
    ],
)
def test_a_new_settlement_may_equal_contain_or_avoid_a_settled_period(new, expected):
    assert settlement_conflict(new, [NOV]) == expected


def test_the_first_conflicting_settled_period_is_named():
    oct_, dec = p("2026-10-01", "2026-10-31"), p("2026-12-01", "2026-12-31")
    new = p("2026-10-15", "2026-12-15")
    assert settlement_conflict(new, [dec, NOV, oct_]) == SettledConflict("overlap", oct_)
    # Containing the whole nested family is fine.
    q4 = p("2026-10-01", "2026-12-31")
    assert settlement_conflict(q4, [dec, NOV, oct_, q4]) is None


@pytest.mark.parametrize(
    ("settled", "paid", "expected"),
    [
        ({"A": Decimal("10.00")}, [], [("A", Decimal("10.00"), "settlement")]),
        ({"A": Decimal("10.00")}, [("A", Decimal("10.00"))], []),
        (
            {"A": Decimal("12.50")},
            [("A", Decimal("10.00"))],
            [("A", Decimal("2.50"), "adjustment")],
        ),
        ({"A": Decimal("7.00")}, [("A", Decimal("10.00"))], [("A", Decimal("-3.00"), "clawback")]),
        (
            {},
            [("A", Decimal("4.00")), ("A", Decimal("1.00"))],
            [("A", Decimal("-5.00"), "clawback")],
        ),
        (
            {"A": Decimal("30.00"), "B": Decimal("0.01")},
            [("A", Decimal("10.00")), ("A", Decimal("15.00")), ("A", Decimal("-5.00"))],
            [("A", Decimal("10.00"), "adjustment"), ("B", Decimal("0.01"), "settlement")],
        ),
        # A payee settled at zero after a payment is clawed back; never paid and zero: no line.
        (
            {"A": Decimal(0), "B": Decimal(0)},
            [("A", Decimal("2"))],
            [("A", Decimal(-2), "clawback")],
        ),
    ],
)
def test_payout_is_settled_minus_already_paid(settled, paid, expected):
    assert payout_differences(settled, paid) == expected


# --- the model: any sequence of settlements pays each day's earnings exactly once -------------

FIRST = date(2026, 11, 1)
DAYS = 12


def _period(pair: tuple[int, int]) -> Period:
    first, last = sorted(pair)
    return Period(FIRST + timedelta(days=first), FIRST + timedelta(days=last))


day_numbers = st.integers(0, DAYS - 1)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("settle"), st.tuples(day_numbers, day_numbers)),
        st.tuples(st.just("restate"), st.tuples(day_numbers, st.integers(-500, 5000))),
    ),
    max_size=14,
)


@settings(max_examples=400, deadline=None, database=None)
@given(
    earnings=st.lists(st.integers(-200, 5000), min_size=DAYS, max_size=DAYS),
    steps=steps,
)
def test_any_sequence_of_settlements_pays_each_day_exactly_once(earnings, steps):
    """Each day is its own payee here, so what a day was paid can be read off the lines: the
    netting is the same function the approval uses, the refusals the same rule."""
    earned = {FIRST + timedelta(days=n): Decimal(cents) / 100 for n, cents in enumerate(earnings)}
    lines: list[tuple[Period, date, Decimal]] = []
    settled: list[Period] = []
    last_settled_view: dict[Period, dict[date, Decimal]] = {}

    def settle(period: Period) -> bool:
        if settlement_conflict(period, settled) is not None:
            return False
        now = {day: amount for day, amount in earned.items() if period.start <= day <= period.end}
        already = [(day, amount) for q, day, amount in lines if within(q, period)]
        for day, amount, _kind in payout_differences(now, already):
            lines.append((period, day, amount))
        settled.append(period)
        last_settled_view[period] = now
        return True

    for action, (a, b) in steps:
        if action == "settle":
            settle(_period((a, b)))
        else:
            earned[FIRST + timedelta(days=a)] = Decimal(b) / 100
        # Settled periods stay nested: any two are disjoint or one lies within the other.
        for one in settled:
            for other in settled:
                assert (
                    one.end < other.start
                    or other.end < one.start
                    or within(one, other)
                    or within(other, one)
                )

    outermost = [q for q in set(settled) if not any(q != o and within(q, o) for o in settled)]
    # Within each outermost settled period, every day was paid what its latest settlement saw.
    for period in outermost:
        for day, expected in last_settled_view[period].items():
            assert sum((amt for _q, d, amt in lines if d == day), Decimal(0)) == expected
    # Settling them again on today's earnings pays every settled day exactly its earnings once,
    # and no day outside them anything.
    for period in outermost:
        assert settle(period)
    covered = {day for q in outermost for day in earned if q.start <= day <= q.end}
    for day, amount in earned.items():
        paid = sum((amt for _q, d, amt in lines if d == day), Decimal(0))
        assert paid == (amount if day in covered else 0)
