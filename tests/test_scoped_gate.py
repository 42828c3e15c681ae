"""`scoped` is `visible_to` with the reader's scope bound by name: for every scoped table and
every kind of reader it shows exactly the rows `visible_to` shows, and one kept statement never
carries one reader's scope to another."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select

from portal.extensions import db as _db
from portal.security import has_scope, scoped, visible_to
from tests.dashboards.conftest import build_world

SCOPED_MODELS = sorted(
    (mapper.class_ for mapper in _db.Model.registry.mappers if has_scope(mapper.class_)),
    key=lambda model: model.__name__,
)


@pytest.fixture
def readers(make):
    world = build_world(make)  # sales, their roll-ups and an accrual run's results
    inactive = make.user("partner_user", partner=world.beta, email="gone@example.com")
    inactive.active = False
    return {
        "acme user": world.ann,
        "beta user": make.user("partner_user", partner=world.beta),
        "beta admin": make.user("partner_admin", partner=world.beta),
        "inactive": inactive,
        "dach manager": world.dora,
        "emea manager": world.emma,
        "no territory": make.user("channel_manager", territories=[]),
        "finance": world.fiona,
        "applicant": make.user("applicant"),
    }


def _keys(db, stmt, params=None) -> set:
    return {inspect(row).identity for row in db.session.scalars(stmt, params or {})}


@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda model: model.__name__)
def test_scoped_shows_what_visible_to_shows(db, readers, model, request_context):
    stmt = select(model)
    for name, reader in readers.items():
        restricted, scope = scoped(stmt, reader, model)
        assert _keys(db, restricted, scope) == _keys(db, visible_to(stmt, reader, model)), name


def test_one_kept_statement_serves_each_reader_with_their_own_scope(db, readers, request_context):
    from portal.models import Partner

    stmt = select(Partner.code)
    seen = {}
    for name in ("acme user", "beta user", "dach manager", "emea manager", "finance"):
        restricted, scope = scoped(stmt, readers[name], Partner)
        seen[name] = set(db.session.scalars(restricted, scope))
    assert seen == {
        "acme user": {"ACME"},
        "beta user": {"BETA"},
        "dach manager": {"ACME"},
        "emea manager": {"ACME", "BETA"},
        "finance": {"ACME", "BETA", "USCO"},
    }
    # the same statement object for the two partners: built once, their scopes bound
    assert (
        scoped(stmt, readers["acme user"], Partner)[0]
        is scoped(stmt, readers["beta user"], Partner)[0]
    )


def test_a_scope_not_bound_is_an_error_never_another_reader_s(db, readers, request_context):
    from sqlalchemy.exc import StatementError

    from portal.models import Partner

    restricted, _scope = scoped(select(Partner.code), readers["acme user"], Partner)
    with pytest.raises(StatementError):
        db.session.scalars(restricted).all()


def test_the_day_of_a_kept_statement_is_bound_on_each_call(
    db, readers, request_context, monkeypatch
):
    """A manager's partners are those assigned to their territories today: a statement kept
    from yesterday binds today's date, never the day it was built."""
    from datetime import date, timedelta

    from portal import security
    from portal.models import Partner

    stmt = select(Partner.code)
    first, scope = scoped(stmt, readers["emea manager"], Partner)
    assert scope["scope_day"] == date.today()

    class Tomorrow(date):
        @classmethod
        def today(cls):
            return date.today() + timedelta(days=1)

    monkeypatch.setattr(security, "date", Tomorrow)
    again, scope = scoped(stmt, readers["emea manager"], Partner)
    assert again is first
    assert scope["scope_day"] == date.today() + timedelta(days=1)
