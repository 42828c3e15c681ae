"""One date format per locale: the medium date, and the medium date with a short time."""

from datetime import UTC, date, datetime

import pytest
from flask import render_template_string
from flask_babel import force_locale

DAY = date(2026, 12, 6)
MOMENT = datetime(2026, 12, 6, 14, 5, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("locale", "day", "moment"),
    [
        ("en", "Dec 6, 2026", "Dec 6, 2026, 2:05\N{NARROW NO-BREAK SPACE}PM"),
        ("fr", "6 déc. 2026", "6 déc. 2026, 14:05"),
        ("de", "06.12.2026", "06.12.2026, 14:05"),
        ("ja", "2026/12/06", "2026/12/06 14:05"),
    ],
)
def test_one_format_per_locale_whatever_the_page_asked_for(app, locale, day, moment):
    template = (
        "{{ d|date }}|{{ d|date('long') }}|{{ iso|date }}|{{ m|datetime }}|"
        "{{ m|datetime('short') }}|{{ none|date }}"
    )
    with app.test_request_context(), force_locale(locale):
        shown = render_template_string(template, d=DAY, iso="2026-12-06", m=MOMENT, none=None)
    assert shown.split("|") == [day, day, day, moment, moment, ""]


def test_text_that_is_not_a_date_is_shown_as_it_is(app):
    with app.test_request_context():
        assert render_template_string("{{ 'soon'|date }}") == "soon"
