"""Calculation periods: inclusive date ranges written 2026-Q3, 2026-07, 2026 or start..end."""

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar

from workflows.engine.i18n import N_, Refusal

_YEAR = re.compile(r"([0-9]{4})")
_QUARTER = re.compile(r"([0-9]{4})-[Qq]([0-9])")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_RANGE = re.compile(r"([^.]*)\.\.([^.]*)")

T = TypeVar("T")


class PeriodError(Refusal, ValueError):
    """Text or dates that are no calculation period."""


@dataclass(frozen=True, order=True)
class Period:
    """A calculation period from start to end, both dates inclusive."""

    start: date
    end: date

    def __post_init__(self) -> None:
        for value in (self.start, self.end):
            if isinstance(value, datetime) or not isinstance(value, date):
                raise TypeError(f"period bounds must be dates, not {type(value).__name__}")
        if self.end < self.start:
            raise PeriodError(
                N_("The period ends on %(end)s, before it starts on %(start)s."),
                start=self.start,
                end=self.end,
            )

    @property
    def days(self) -> int:
        """Number of days in the period, both ends included."""
        return (self.end - self.start).days + 1

    @property
    def shape(self) -> str:
        """'year', 'quarter' or 'month' for whole calendar units, otherwise 'range'."""
        start, end = self.start, self.end
        if start.day != 1 or end != _month_end(end.year, end.month):
            return "range"
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        if months == 12 and start.month == 1:
            return "year"
        if months == 3 and start.month % 3 == 1:
            return "quarter"
        return "month" if months == 1 else "range"

    @property
    def label(self) -> str:
        """The text parse_period reads back as this period: 2026, 2026-Q3, 2026-07 or a..b."""
        shape = self.shape
        if shape == "year":
            return f"{self.start.year:04d}"
        if shape == "quarter":
            return f"{self.start.year:04d}-Q{(self.start.month - 1) // 3 + 1}"
        if shape == "month":
            return f"{self.start.year:04d}-{self.start.month:02d}"
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    def contains(self, day: date) -> bool:
        """A sale belongs to the period when its date is on or between start and end."""
        return self.start <= day <= self.end


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _year(text: str, source: str) -> int:
    year = int(text)
    if year < 1:
        raise PeriodError(
            N_("%(text)s is not a valid period: the year must be 0001 or later."), text=source
        )
    return year


def parse_day(text: str) -> date:
    """A strict YYYY-MM-DD date."""
    if not _DAY.fullmatch(text):
        raise PeriodError(N_("%(text)s is not a date in the form YYYY-MM-DD."), text=text)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PeriodError(N_("%(text)s is not a valid calendar date."), text=text) from None


def parse_period(text: str) -> Period:
    """Read 2026-Q3, 2026-07, 2026 or 2026-07-01..2026-09-30 (both ends inclusive)."""
    if not isinstance(text, str):
        raise PeriodError(N_("A period must be text such as 2026-Q3, 2026-07, 2026 or a..b."))
    source = text.strip()
    if match := _YEAR.fullmatch(source):
        year = _year(match[1], source)
        return Period(date(year, 1, 1), date(year, 12, 31))
    if match := _QUARTER.fullmatch(source):
        year, quarter = _year(match[1], source), int(match[2])
        if not 1 <= quarter <= 4:
            raise PeriodError(
                N_("%(text)s is not a valid period: quarters are Q1 to Q4."), text=source
            )
        first = 3 * quarter - 2
        return Period(date(year, first, 1), _month_end(year, first + 2))
    if match := _MONTH.fullmatch(source):
        year, month = _year(match[1], source), int(match[2])
        if not 1 <= month <= 12:
            raise PeriodError(
                N_("%(text)s is not a valid period: months are 01 to 12."), text=source
            )
        return Period(date(year, month, 1), _month_end(year, month))
    if match := _RANGE.fullmatch(source):
        return Period(parse_day(match[1]), parse_day(match[2]))
    raise PeriodError(
        N_("%(text)s is not a period: use 2026-Q3, 2026-07, 2026 or 2026-07-01..2026-09-30."),
        text=source,
    )


def previous(period: Period) -> Period:
    """The equal period just before: the previous calendar unit, else as many days before."""
    start, shape = period.start, period.shape
    try:
        if shape == "year":
            return Period(date(start.year - 1, 1, 1), date(start.year - 1, 12, 31))
        if shape in ("quarter", "month"):
            months = 3 if shape == "quarter" else 1
            index = start.year * 12 + start.month - 1 - months
            year, month = divmod(index, 12)
            first = date(year, month + 1, 1)
            last_index = index + months - 1
            return Period(first, _month_end(last_index // 12, last_index % 12 + 1))
        return Period(start - timedelta(days=period.days), start - timedelta(days=1))
    except (ValueError, OverflowError):
        raise PeriodError(
            N_("The period %(label)s has no previous period in the calendar."), label=period.label
        ) from None


def effective_on(history: Iterable[tuple[date, T]], day: date) -> T | None:
    """The value whose valid_from is the latest on or before the day; None before the first one."""
    best: tuple[date, T] | None = None
    seen: set[date] = set()
    for valid_from, value in history:
        if valid_from in seen:
            raise ValueError(f"two entries share valid_from {valid_from.isoformat()}")
        seen.add(valid_from)
        if valid_from <= day and (best is None or valid_from > best[0]):
            best = (valid_from, value)
    return None if best is None else best[1]
