"""A small world for deal registration tests: territories, partners, people, categories."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from portal.deals.services import DealInput, save_deal
from workflows.deals.states import transition

TREE = {"WORLD": None, "EMEA": "WORLD", "DACH": "EMEA", "FR": "EMEA", "AMER": "WORLD"}


def build_world(make) -> dict:
    t = make.tree(TREE)
    net = make.category("NET")
    switches = make.category("SWITCH", net)
    security = make.category("SEC")
    acme = make.partner("ACME", t["DACH"])
    beta = make.partner("BETA", t["DACH"])
    gamma = make.partner("GAMMA", t["FR"], country="FR")
    return {
        "t": t,
        "net": net,
        "switches": switches,
        "security": security,
        "router": make.product("RTR-1", net),
        "acme": acme,
        "beta": beta,
        "gamma": gamma,
        "acme_user": make.user("partner_user", partner=acme, email="ann@acme.example"),
        "acme_admin": make.user("partner_admin", partner=acme, email="adam@acme.example"),
        "beta_user": make.user("partner_user", partner=beta, email="bob@beta.example"),
        "gamma_user": make.user("partner_user", partner=gamma, email="gil@gamma.example"),
        "dach_manager": make.user(
            "channel_manager", territories=[t["DACH"]], email="dora@v.example"
        ),
        "emea_manager": make.user(
            "channel_manager", territories=[t["EMEA"]], email="emil@v.example"
        ),
        "fr_manager": make.user("channel_manager", territories=[t["FR"]], email="fred@v.example"),
        "amer_manager": make.user("channel_manager", territories=[t["AMER"]], email="al@v.example"),
        "finance": make.user("finance", email="fin@v.example"),
    }


@pytest.fixture
def fast_passwords(monkeypatch):
    """Cheap password hashes for the many test users (scrypt costs ~0.1 s per user)."""
    monkeypatch.setattr("portal.models.users.PASSWORD_METHOD", "pbkdf2:sha256:1000")


@pytest.fixture
def world(make, fast_passwords):
    return build_world(make)


def deal_input(
    name: str = "ACME Corp.",
    *,
    domain: str | None = "acme.com",
    country: str = "DE",
    categories=(),
    products=(),
    value: str = "25000.00",
    currency: str = "EUR",
    close: date | None = None,
    notes: str = "",
) -> DealInput:
    return DealInput(
        customer_name=name,
        country=country,
        estimated_value=Decimal(value),
        currency=currency,
        expected_close_on=close or date.today() + timedelta(days=60),
        domain=domain,
        category_ids=tuple(c.id for c in categories),
        product_ids=tuple(p.id for p in products),
        notes=notes,
    )


@pytest.fixture
def register(db, world):
    """Register (and by default submit) a deal as `user`; categories default to NET."""

    def go(user, name="ACME Corp.", *, submit=True, **fields):
        fields.setdefault("categories", (world["net"],))
        return save_deal(deal_input(name, **fields), actor=user, submit=submit)

    return go


@pytest.fixture
def approved(register, world):
    """A deal of ACME for "ACME Corp." approved by the DACH manager."""

    def go(name="ACME Corp.", user=None, **fields):
        deal = register(user or world["acme_user"], name, **fields)
        return transition(deal, "approve", world["dach_manager"])

    return go


@pytest.fixture
def sign_in(app, client):
    """A fresh signed-in test client per user, so one test can act as several people."""
    from ..conftest import csrf_token
    from ..factories import PASSWORD

    def go(user):
        browser = app.test_client()
        token = csrf_token(browser)
        response = browser.post(
            "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return browser

    return go
