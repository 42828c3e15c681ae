"""A small world for onboarding tests: territories, country rules, managers, helpers for the
outbox and for walking an application through registration and verification."""

from __future__ import annotations

from datetime import date

import pytest

from portal.agreements.services import publish_version
from portal.models import CountryTerritoryRule
from portal.onboarding import services
from workflows.onboarding.states import transition

from .helpers import registration, verification_token

TREE = {"WORLD": None, "EMEA": "WORLD", "DACH": "EMEA", "FR": "EMEA", "AMER": "WORLD"}


@pytest.fixture
def rctx(app):
    """A request context, so lazy messages can be turned into text outside a request."""
    with app.test_request_context():
        yield


@pytest.fixture
def fast_passwords(monkeypatch):
    """Cheap password hashes for the many test users (scrypt costs ~0.1 s per user)."""
    monkeypatch.setattr("portal.models.users.PASSWORD_METHOD", "pbkdf2:sha256:1000")
    monkeypatch.setattr("portal.onboarding.services.PASSWORD_METHOD", "pbkdf2:sha256:1000")


def build_world(make, session) -> dict:
    t = make.tree(TREE)
    session.add_all(
        [
            CountryTerritoryRule(country="DE", territory_id=t["DACH"].id),
            CountryTerritoryRule(country="FR", territory_id=t["FR"].id),
            CountryTerritoryRule(country="US", territory_id=t["AMER"].id),
        ]
    )
    session.flush()
    return {
        "t": t,
        "dach_manager": make.user(
            "channel_manager", territories=[t["DACH"]], email="dora@v.example"
        ),
        "emea_manager": make.user(
            "channel_manager", territories=[t["EMEA"]], email="emil@v.example"
        ),
        "amer_manager": make.user("channel_manager", territories=[t["AMER"]], email="al@v.example"),
        "finance": make.user("finance", email="fin@v.example"),
        "admin": make.user("admin", email="root@v.example"),
    }


@pytest.fixture
def world(db, make, fast_passwords, redis):
    return build_world(make, db.session)


@pytest.fixture
def register(db):
    """Register through the service (as the public form does) and return the application."""

    def go(verified: bool = True, **changes):
        application = services.register(registration(**changes), ip="192.0.2.10")
        if verified:
            services.verify_email(verification_token(application), ip="192.0.2.10")
        return application

    return go


@pytest.fixture
def submitted(register):
    """A verified application, submitted (no agreement published)."""

    def go(**changes):
        application = register(**changes)
        return transition(application, "submit", application.applicant)

    return go


@pytest.fixture
def agreement(world):
    return publish_version(
        title="Partner agreement",
        body="The partner shall be excellent.",
        effective_on=date.today(),
        actor=world["finance"],
    )
