"""Two partner organisations with their admins, finance users, a manager and an admin."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

IBAN = "DE89370400440532013000"
FR_IBAN = "FR1420041010050500013M02606"


@dataclass
class Bank:
    acme: object
    beta: object
    acme_admin: object
    acme_admin_2: object
    acme_user: object
    beta_admin: object
    finance: object
    finance_2: object
    manager: object
    admin: object


@pytest.fixture
def bank(make, monkeypatch):
    monkeypatch.setattr("portal.models.users.PASSWORD_METHOD", "pbkdf2:sha256:1000")
    emea = make.territory("EMEA")
    acme = make.partner("ACME", emea)
    beta = make.partner("BETA", emea, country="US", currency="USD")
    return Bank(
        acme=acme,
        beta=beta,
        acme_admin=make.user("partner_admin", partner=acme),
        acme_admin_2=make.user("partner_admin", partner=acme),
        acme_user=make.user("partner_user", partner=acme),
        beta_admin=make.user("partner_admin", partner=beta),
        finance=make.user("finance"),
        finance_2=make.user("finance"),
        manager=make.user("channel_manager", territories=[emea]),
        admin=make.user("admin"),
    )
