"""A double-clicked approve (two requests at once) creates one partner, never two."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from portal.models import Partner, PartnerApplication, Territory, User
from workflows.onboarding.states import transition
from workflows.states import IllegalTransition

from .conftest import build_world
from .helpers import registration


@pytest.mark.postgres
def test_two_simultaneous_approvals_create_one_partner(
    app, committed_db, make_committed, redis, monkeypatch
):
    monkeypatch.setattr("portal.models.users.PASSWORD_METHOD", "pbkdf2:sha256:1000")
    from portal.onboarding import services

    world = build_world(make_committed, committed_db.session)
    application = services.register(registration(), ip=None)
    application.email_verified_at = application.created_at
    transition(application, "submit", application.applicant)
    committed_db.session.commit()
    ids = (application.id, world["dach_manager"].id, world["t"]["DACH"].id)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve():
        with app.app_context():
            session = committed_db.session
            try:
                target = session.get(PartnerApplication, ids[0])
                manager, territory = session.get(User, ids[1]), session.get(Territory, ids[2])
                barrier.wait(timeout=10)
                transition(
                    target, "approve", manager, territory=territory, tier="gold", currency="EUR"
                )
                session.commit()
                outcomes.append("approved")
            except IllegalTransition:
                session.rollback()
                outcomes.append("refused")
            finally:
                session.remove()

    threads = [threading.Thread(target=approve) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["approved", "refused"]
    assert committed_db.session.scalar(select(func.count()).select_from(Partner)) == 1
