"""Webhook tests: a real HTTP receiver (pytest-httpserver) on 127.0.0.1, endpoints registered
through the services, and the deal-registration world to cause events with."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from portal.webhooks.services import create_endpoint
from workflows.deals.states import transition

from ..deals.conftest import build_world, deal_input

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"


@pytest.fixture(scope="session")
def receiver_server():
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def receiver(receiver_server):
    """The receiving server, its expectations and log emptied for each test."""
    receiver_server.clear()
    yield receiver_server
    receiver_server.clear()


@pytest.fixture
def fast_passwords(monkeypatch):
    monkeypatch.setattr("portal.models.users.PASSWORD_METHOD", "pbkdf2:sha256:1000")


@pytest.fixture
def world(make, fast_passwords):
    found = build_world(make)
    found["admin"] = make.user("admin", email="ada@v.example")
    return found


@pytest.fixture
def hook(db, world, receiver):
    """Register an endpoint on the receiver (private addresses allowed: it is 127.0.0.1)."""

    def go(events=("deal.approved",), path="/hook", *, url=None, allow_private=True):
        created = create_endpoint(
            url=url or receiver.url_for(path),
            description="CRM",
            event_types=list(events),
            allow_private=allow_private,
            actor=world["admin"],
        )
        db.session.commit()
        return created

    return go


@pytest.fixture
def approve_deal(db, world):
    """Register, submit and approve a deal of ACME; the caller commits (or rolls back)."""

    def go(name="ACME Corp."):
        from portal.deals.services import save_deal

        deal = save_deal(
            deal_input(name, categories=(world["net"],)), actor=world["acme_user"], submit=True
        )
        return transition(deal, "approve", world["dach_manager"])

    return go


def documented_verifier():
    """The verification recipe of docs/api.md, exactly as a receiver would copy it."""
    text = DOCS.read_text()
    section = text.split("## Webhooks", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "docs/api.md", "exec"), namespace)  # noqa: S102 - our own documentation
    return namespace["verify_portal_signature"]
