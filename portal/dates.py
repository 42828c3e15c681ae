"""Dates as readers see them: one format per locale on every page (Babel, the user's time zone)."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import format_date, format_time, get_locale


def show_date(value, *_legacy_format) -> str:
    """Every date on every page: the locale's medium date (6 Dec 2026, 6 déc. 2026, 2026/12/06).
    Dates kept as ISO text (audit before/after values) are read first. Pages once chose their
    own format; an argument is ignored so that every page shows one format per locale."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = (datetime if "T" in value else date).fromisoformat(value)
        except ValueError:
            return value
    return format_date(value, "medium")


def show_datetime(value, *_legacy_format) -> str:
    """A moment where the time matters: the medium date and the short time, joined the locale's
    way, in the user's time zone."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    joined = get_locale().datetime_formats["medium"]
    return joined.format(format_time(value, "short"), format_date(value, "medium"))


def show_period(label) -> str:
    """A stored period label for reading: a range of days ("2026-07-01..2026-12-07", which
    contest runs to a day have) as two dates in the reader's format; a year, quarter or month
    ("2026", "2026-Q3", "2026-07") as it is."""
    if not label or ".." not in str(label):
        return label or ""
    start, _dots, end = str(label).partition("..")
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        return label
    return f"{show_date(first)} – {show_date(last)}"
