"""Onboarding e-mails leave through the shared outbox: stored with the data, sent by a real
worker after commit, readable by a developer as .eml files."""

from __future__ import annotations

from email import message_from_bytes
from pathlib import Path

import pytest
from rq import Queue
from sqlalchemy import select

from portal.models import OutboxMessage, PartnerApplication

from ..conftest import csrf_token
from .conftest import build_world
from .helpers import LINK_RE, REGISTRATION, path_of


def _form(client) -> dict:
    return {
        "company_name": REGISTRATION.company_name,
        "country": "DE",
        "website": "nordlicht.example",
        "tax_id": REGISTRATION.tax_id,
        "address": REGISTRATION.address,
        "business_type": "distributor",
        "name": REGISTRATION.name,
        "email": REGISTRATION.email,
        "password": REGISTRATION.password,
        "confirm": REGISTRATION.password,
        "csrf_token": csrf_token(client, "/become-a-partner"),
    }


@pytest.mark.worker
def test_verification_mail_is_sent_by_a_worker_after_commit(
    app, committed_db, make_committed, redis, worker
):
    build_world(make_committed, committed_db.session)
    committed_db.session.commit()
    client = app.test_client()
    response = client.post(
        "/become-a-partner", data=_form(client), headers={"Accept-Language": "fr"}
    )
    assert response.status_code == 302
    message = committed_db.session.scalar(select(OutboxMessage))
    assert (message.template, message.status, message.locale) == ("verify_email", "queued", "fr")
    assert [j.args for j in Queue("default", connection=redis).jobs] == [(message.id,)]
    outbox_dir = Path(app.config["MAIL_OUTBOX_DIR"])
    pattern = f"{message.id:08d}-verify_email-*.eml"
    for stale in outbox_dir.glob(pattern):  # left by an earlier session with the same ids
        stale.unlink()
    result = worker()
    assert result.returncode == 0, result.stderr
    committed_db.session.rollback()  # a fresh transaction sees what the worker committed
    assert committed_db.session.get(OutboxMessage, message.id).status == "sent"
    (path,) = outbox_dir.glob(pattern)
    email = message_from_bytes(path.read_bytes())
    path.unlink()
    assert email["To"] == REGISTRATION.email
    link = LINK_RE.findall(email.get_payload(decode=True).decode())[0]
    verify = path_of(link)
    done = client.post(verify, data={"csrf_token": csrf_token(client, verify)})
    assert done.status_code == 302
    committed_db.session.rollback()
    assert committed_db.session.scalar(select(PartnerApplication)).is_verified
