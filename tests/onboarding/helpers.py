"""Helpers shared by the onboarding tests: registration data, the outbox, links in e-mails."""

from __future__ import annotations

import re
from dataclasses import replace

from sqlalchemy import select

from portal.foundation import signed_links
from portal.models import OutboxMessage
from portal.onboarding import services

LINK_RE = re.compile(r"https?://\S+")

REGISTRATION = services.Registration(
    company_name="Nordlicht Systems GmbH",
    country="DE",
    website="https://www.nordlicht.example",
    tax_id="DE 123 456 789",
    address="Hafenstraße 1\n20457 Hamburg",
    business_type="reseller",
    name="Nora Nord",
    email="nora@nordlicht.example",
    password="a long enough password",
    locale="en",
)


def registration(**changes) -> services.Registration:
    return replace(REGISTRATION, **changes)


def outbox(db, template: str | None = None, to: str | None = None) -> list[OutboxMessage]:
    stmt = select(OutboxMessage).order_by(OutboxMessage.id)
    if template:
        stmt = stmt.where(OutboxMessage.template == template)
    if to:
        stmt = stmt.where(OutboxMessage.to_address == to)
    return list(db.session.scalars(stmt))


def link_in(message: OutboxMessage) -> str:
    links = LINK_RE.findall(message.body_text)
    assert links, message.body_text
    return links[0]


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def verification_token(application) -> str:
    return signed_links.make_token(services.VERIFY, application.id, application.verify_nonce)
