"""Periods: the accepted spellings, inclusive bounds, labels and the previous equal period."""

from datetime import date, datetime

import pytest

from workflows.engine import Period, PeriodError, effective_on, parse_period, previous


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        pytest.param("2026-Q3", date(2026, 7, 1), date(2026, 9, 30), id="quarter"),
        pytest.param("2026-Q1", date(2026, 1, 1), date(2026, 3, 31), id="first-quarter"),
        pytest.param("2026-q4", date(2026, 10, 1), date(2026, 12, 31), id="lowercase-q"),
        pytest.param("2026-07", date(2026, 7, 1), date(2026, 7, 31), id="month"),
        pytest.param("2024-02", date(2024, 2, 1), date(2024, 2, 29), id="leap-february"),
        pytest.param("2026-02", date(2026, 2, 1), date(2026, 2, 28), id="february"),
        pytest.param("2026", date(2026, 1, 1), date(2026, 12, 31), id="year"),
        pytest.param(
            "2026-07-01..2026-09-30", date(2026, 7, 1), date(2026, 9, 30), id="explicit-range"
        ),
        pytest.param("2026-07-15..2026-07-15", date(2026, 7, 15), date(2026, 7, 15), id="one-day"),
        pytest.param(" 2026-07 ", date(2026, 7, 1), date(2026, 7, 31), id="surrounding-space"),
    ],
)
def test_parse_period(text, start, end):
    assert parse_period(text) == Period(start, end)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("2026-Q5", "quarters are Q1 to Q4", id="quarter-5"),
        pytest.param("2026-Q0", "quarters are Q1 to Q4", id="quarter-0"),
        pytest.param("2026-13", "months are 01 to 12", id="month-13"),
        pytest.param("2026-00", "months are 01 to 12", id="month-00"),
        pytest.param("0000", "year must be 0001 or later", id="year-0"),
        pytest.param("2026-7", "is not a period", id="one-digit-month"),
        pytest.param("26-07", "is not a period", id="two-digit-year"),
        pytest.param("2026/07", "is not a period", id="slash"),
        pytest.param("2026-W27", "is not a period", id="iso-week"),
        pytest.param("", "is not a period", id="empty"),
        pytest.param("Q3", "is not a period", id="no-year"),
        pytest.param(
            "2026-07-01..2026-06-30",
            "The period ends on 2026-06-30, before it starts on 2026-07-01.",
            id="end-before-start",
        ),
        pytest.param("2026-02-30..2026-03-31", "not a valid calendar date", id="no-such-day"),
        pytest.param("2026-07-01..", "not a date in the form YYYY-MM-DD", id="open-range"),
        pytest.param("20260701..20260930", "not a date in the form YYYY-MM-DD", id="basic-iso"),
    ],
)
def test_parse_period_rejects_with_a_clear_message(text, message):
    with pytest.raises(PeriodError) as caught:
        parse_period(text)
    assert message in str(caught.value)


def test_parse_period_rejects_non_text():
    with pytest.raises(PeriodError, match="must be text"):
        parse_period(2026)  # type: ignore[arg-type]


def test_period_error_message_is_translatable():
    with pytest.raises(PeriodError) as caught:
        parse_period("2026-13")
    french = {caught.value.template: "%(text)s n'est pas une période valide."}
    assert (
        caught.value.render(lambda s: french.get(s, s)) == "2026-13 n'est pas une période valide."
    )


@pytest.mark.parametrize(
    ("period", "label"),
    [
        pytest.param(Period(date(2026, 1, 1), date(2026, 12, 31)), "2026", id="year"),
        pytest.param(Period(date(2026, 7, 1), date(2026, 9, 30)), "2026-Q3", id="quarter"),
        pytest.param(Period(date(2026, 7, 1), date(2026, 7, 31)), "2026-07", id="month"),
        pytest.param(
            Period(date(2026, 2, 1), date(2026, 4, 30)),
            "2026-02-01..2026-04-30",
            id="three-months-not-a-quarter",
        ),
        pytest.param(
            Period(date(2026, 7, 2), date(2026, 9, 30)), "2026-07-02..2026-09-30", id="range"
        ),
        pytest.param(
            Period(date(2026, 1, 1), date(2026, 6, 30)), "2026-01-01..2026-06-30", id="half-year"
        ),
    ],
)
def test_label_is_shortest_spelling_and_reads_back(period, label):
    assert period.label == label
    assert parse_period(label) == period


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("2026-Q3", "2026-Q2", id="quarter"),
        pytest.param("2026-Q1", "2025-Q4", id="first-quarter-to-last-year"),
        pytest.param("2026-03", "2026-02", id="month"),
        pytest.param("2026-01", "2025-12", id="january-to-december"),
        pytest.param("2026", "2025", id="year"),
        pytest.param("2026-07-01..2026-09-30", "2026-Q2", id="quarter-written-as-range"),
        pytest.param("2026-07-10..2026-07-19", "2026-06-30..2026-07-09", id="ten-days-before"),
        pytest.param(
            "2024-03-01..2024-03-05", "2024-02-25..2024-02-29", id="range-across-leap-day"
        ),
    ],
)
def test_previous_period_of_equal_length(text, expected):
    assert previous(parse_period(text)) == parse_period(expected)


def test_previous_of_the_first_year_is_an_error():
    with pytest.raises(PeriodError, match="no previous period"):
        previous(parse_period("0001"))


@pytest.mark.parametrize(
    ("day", "inside"),
    [
        pytest.param(date(2026, 6, 30), False, id="day-before-start"),
        pytest.param(date(2026, 7, 1), True, id="start-inclusive"),
        pytest.param(date(2026, 8, 15), True, id="middle"),
        pytest.param(date(2026, 9, 30), True, id="end-inclusive"),
        pytest.param(date(2026, 10, 1), False, id="day-after-end"),
    ],
)
def test_contains_both_ends_inclusive(day, inside):
    assert parse_period("2026-Q3").contains(day) is inside


def test_period_rejects_end_before_start_and_datetimes():
    with pytest.raises(PeriodError):
        Period(date(2026, 7, 2), date(2026, 7, 1))
    with pytest.raises(TypeError):
        Period(datetime(2026, 7, 1), date(2026, 7, 31))  # type: ignore[arg-type]


HISTORY = [(date(2026, 1, 1), "gold"), (date(2026, 8, 15), "silver")]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(date(2025, 12, 31), None, id="before-first-entry"),
        pytest.param(date(2026, 1, 1), "gold", id="on-valid-from"),
        pytest.param(date(2026, 8, 14), "gold", id="day-before-change"),
        pytest.param(date(2026, 8, 15), "silver", id="change-day"),
        pytest.param(date(2030, 1, 1), "silver", id="long-after"),
    ],
)
def test_effective_on_latest_valid_from_on_or_before(day, expected):
    assert effective_on(HISTORY, day) == expected
    assert effective_on(list(reversed(HISTORY)), day) == expected


def test_effective_on_rejects_two_entries_for_one_day():
    with pytest.raises(ValueError, match="share valid_from"):
        effective_on([(date(2026, 1, 1), "gold"), (date(2026, 1, 1), "silver")], date(2026, 2, 1))
