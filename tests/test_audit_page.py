"""The audit page reads as a diff: changed keys only, old → new, dates for the reader's locale,
non-ASCII text as text."""

import json
from html import unescape

from flask_babel import force_locale

from portal.audit.presenters import Change, changes
from portal.foundation.audit import record_event


def test_only_changed_keys_show_old_and_new(app):
    with app.test_request_context(), force_locale("en"):
        diff = changes(
            {"name": "Muller AG", "city": "Köln", "limits": {"daily": 5, "monthly": 50}},
            {"name": "Müller AG", "city": "Köln", "limits": {"daily": 9, "monthly": 50}},
        )
    assert diff == [Change("name", "Muller AG", "Müller AG"), Change("limits.daily", "5", "9")]


def test_created_and_removed_keys_and_values_as_text(app):
    with app.test_request_context(), force_locale("en"):
        diff = changes(
            {"note": "old", "protection_ends_on": None},
            {
                "protection_ends_on": "2027-03-12",
                "categories": ["NET", "SEC"],
                "spec": [{"name": "Zürich"}],
            },
        )
    assert diff == [
        Change("note", "old", None),
        Change("protection_ends_on", "—", "Mar 12, 2027"),
        Change("categories", None, "NET, SEC"),
        Change("spec", None, json.dumps([{"name": "Zürich"}], ensure_ascii=False)),
    ]


def test_audit_page_shows_a_readable_diff(db, login, make):
    actor = make.user("admin")
    record_event(
        actor,
        "test.rename",
        ("partner", 7),
        before={"name": "Muller AG", "country": "DE", "since": "2026-09-01"},
        after={"name": "Müller AG", "country": "DE", "since": "2026-10-01"},
    )
    db.session.flush()
    page = unescape(login(make.user("finance")).get("/audit/?action=test.").get_data(as_text=True))
    row = page[page.index("test.rename") :]
    assert 'Muller AG</del> <span aria-hidden="true">→</span> <ins' in row
    assert "Müller AG" in row and "\\u00fc" not in page
    assert "Sep 1, 2026" in row and "Oct 1, 2026" in row and "2026-10-01" not in row
    assert "country" not in row.split("</table>")[0]  # unchanged keys are left out
    assert 'class="table table-sm audit-log"' in page  # the wrapping layout
