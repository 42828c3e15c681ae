"""People of an organisation whose password sign-in is off are not signed in by a password
they choose from an e-mailed link or an invitation: they are sent to the company account."""

from __future__ import annotations

from sqlalchemy import select

from portal.auth import passwords
from portal.models import OutboxMessage
from portal.team import services as team

from ..conftest import csrf_token
from ..onboarding.helpers import link_in, path_of

NEW_PASSWORD = "a brand new password"  # noqa: S105


def _choose(client, path: str, data: dict):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, path)})


def test_a_reset_password_does_not_sign_in(app, client, make, world):
    carl = make.user("partner_user", partner=world["partner"], email="carl@alpen.example")
    with app.test_request_context():
        path = path_of(passwords.new_link(carl, passwords.RESET))
    answer = _choose(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/login")
    page = client.get("/login").get_data(as_text=True)
    assert "signs in with its company account only" in page
    assert client.get("/dashboard").status_code == 302


def test_an_accepted_invitation_does_not_sign_in(app, client, db, make, world):
    admin = make.user("partner_admin", partner=world["partner"], email="owner@alpen.example")
    with app.test_request_context():
        team.invite(email="new@alpen.example", role="partner_user", actor=admin)
    message = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.to_address == "new@alpen.example")
    )
    path = path_of(link_in(message))
    form = {"name": "New Colleague", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    answer = _choose(client, path, form)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/login")
    assert client.get("/dashboard").status_code == 302


def test_elsewhere_a_reset_password_still_signs_in(app, client, make, world):
    other = make.partner("OTHER", world["tree"]["AMER"])
    olga = make.user("partner_user", partner=other, email="olga@other.example")
    with app.test_request_context():
        path = path_of(passwords.new_link(olga, passwords.RESET))
    answer = _choose(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/dashboard")
