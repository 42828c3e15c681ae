"""Requests in tests meet the lifecycle they meet in production: each pushes its own app context
and pops it (teardown included) when its response is done, never sharing the test's `g` or
database session; streamed bodies get a context of their own that lasts until they end."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

import pytest
from flask import appcontext_popped, appcontext_pushed, g

from portal.csv_export import csv_response
from portal.extensions import db as _db
from portal.models import SaleLine
from tests.calc.conftest import build_scenario


@contextmanager
def app_contexts(app):
    """Count app contexts pushed and popped while the block runs."""
    seen = {"pushed": 0, "popped": 0}

    def pushed(sender, **_):
        seen["pushed"] += 1

    def popped(sender, **_):
        seen["popped"] += 1

    with appcontext_pushed.connected_to(pushed, app), appcontext_popped.connected_to(popped, app):
        yield seen


def test_a_request_runs_in_its_own_app_context(app, client, db, make):
    g.left_by_the_test = "test"
    session_before = db.session()
    partner = make.partner("OWN", make.territory("WORLD"))
    with app_contexts(app) as seen:
        assert client.get("/login").status_code == 200
    assert seen == {"pushed": 1, "popped": 1}  # its own, torn down when it ended
    assert g.left_by_the_test == "test"  # the test's context is untouched
    assert db.session() is session_before  # the request's teardown removed its own session
    assert partner.code == "OWN"  # the test's objects still load through the test's session


def test_what_a_request_commits_is_what_the_test_reads(client, login, db, make):
    finance = make.user("finance")
    login(finance)
    assert finance.last_login_at is not None  # committed by the sign-in request, reloaded here


def _sales(make, count: int) -> list[SaleLine]:
    s = build_scenario(make)
    user = make.user("partner_user", partner=s.goldie, email="g@goldie.example")
    lines = [
        make.sale(s.goldie, s.switch, f"{n}.00", sold_on=date(2025, 7, 1), currency="USD")
        for n in range(count)
    ]
    return user, lines


def test_a_streamed_export_reads_its_rows_after_the_view_returned(app, client, login, make):
    """The body is sent after the request's context is gone: the rows come from a session of
    the download's own (a result of the view's session would fail here)."""
    user, lines = _sales(make, 30)
    login(user)
    with app_contexts(app) as seen:
        response = client.get("/sales/export.csv", buffered=False)  # first chunk read
        # the view returned and its context is gone; the body has its own while it is sent
        assert seen == {"pushed": 2, "popped": 1}
        body = response.get_data(as_text=True)
        assert seen == {"pushed": 2, "popped": 2}  # popped when the body ended
    exported = [row.split(",")[:3] for row in body.splitlines()[1:]]
    assert sorted(exported) == sorted([line.external_id, "GOLDIE", "SW-24"] for line in lines)


def test_a_download_closed_early_releases_its_context(app, client, login, make):
    """A client that goes away: the server closes the response, which ends the body's context
    (and its database session) without reading further."""
    user, _lines = _sales(make, 3)
    login(user)
    with app_contexts(app) as seen:
        response = client.get("/sales/export.csv", buffered=False)  # first chunk read
        assert seen == {"pushed": 2, "popped": 1}  # the body's context is open while it is sent
        response.close()
        assert seen == {"pushed": 2, "popped": 2}
    assert _db.session.get(SaleLine, _lines[0].id) is not None  # the test's session is fine


def test_rows_made_in_the_view_are_refused(app):
    """A generator over the view's query would be read after the view's session is gone."""
    with app.test_request_context("/"):
        with pytest.raises(TypeError, match="list of rows or a function"):
            csv_response("x.csv", ["a"], (row for row in [[1]]))
        assert csv_response("x.csv", ["a"], [[1]]).mimetype == "text/csv"


def test_test_sessions_are_per_app_context(app, db):
    outer = db.session()
    with app.app_context():
        inner = db.session()
        assert inner is not outer and inner.get_bind() is outer.get_bind()
    assert db.session() is outer
    assert _db.session is db.session
