"""A small world for market development funds: two top territories, partners at three depths,
users of every role, an activity type, and helpers that walk money down to a partner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest

from portal.models import MdfActivityType, utcnow
from workflows.mdf import funds, requests

TODAY = utcnow().date()
PDF = b"%PDF-1.4\n% proof of the event\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


@dataclass
class World:
    t: dict
    acme: object  # in DACH
    beta: object  # in DE-S, below DACH
    other: object  # in US, another top territory
    acme_admin: object
    acme_user: object
    beta_user: object
    other_admin: object
    emea_manager: object
    dach_manager: object
    amer_manager: object
    finance: object
    finance_2: object
    admin: object
    event: object


FAST_HASH = "pbkdf2:sha256:1000"


@pytest.fixture(autouse=True)
def fast_passwords(monkeypatch):
    """Nobody signs in here: cheap password hashes keep the many test users quick to make."""
    monkeypatch.setattr("portal.models.users.PASSWORD_METHOD", FAST_HASH)


def build_world(make, session) -> World:
    t = make.tree({"EMEA": None, "DACH": "EMEA", "DE-S": "DACH", "FR": "EMEA", "AMER": None})
    t["US"] = make.territory("US", t["AMER"])
    acme = make.partner("ACME", t["DACH"])
    beta = make.partner("BETA", t["DE-S"])
    other = make.partner("OTHER", t["US"])
    finance = make.user("finance", email="fiona@example.com")
    event = MdfActivityType(code="EVENT", name="Event", active=True, created_by_id=finance.id)
    session.add(event)
    session.flush()
    return World(
        t=t,
        acme=acme,
        beta=beta,
        other=other,
        acme_admin=make.user("partner_admin", partner=acme, email="ada@acme.example"),
        acme_user=make.user("partner_user", partner=acme, email="uma@acme.example"),
        beta_user=make.user("partner_user", partner=beta, email="bo@beta.example"),
        other_admin=make.user("partner_admin", partner=other, email="olga@other.example"),
        emea_manager=make.user("channel_manager", territories=[t["EMEA"]], email="max@example.com"),
        dach_manager=make.user(
            "channel_manager", territories=[t["DACH"]], email="dana@example.com"
        ),
        amer_manager=make.user("channel_manager", territories=[t["AMER"]], email="amy@example.com"),
        finance=finance,
        finance_2=make.user("finance", email="felix@example.com"),
        admin=make.user("admin", email="root@example.com"),
        event=event,
    )


@pytest.fixture
def world(make, db) -> World:
    return build_world(make, db.session)


def new_fund(
    w: World,
    *,
    code: str = "MDF-1",
    amount: str = "10000.00",
    currency: str = "EUR",
    threshold: str | None = None,
    start: date = TODAY - timedelta(days=60),
    end: date = TODAY + timedelta(days=60),
    deadline: date = TODAY + timedelta(days=120),
    claim_days: int = 30,
):
    return funds.create_fund(
        actor=w.finance,
        code=code,
        name=f"Fund {code}",
        currency=currency,
        amount=Decimal(amount),
        starts_on=start,
        ends_on=end,
        claim_deadline=deadline,
        claim_days=claim_days,
        second_approval_above=None if threshold is None else Decimal(threshold),
    )


def fund_acme(w: World, fund, amount: str = "1000.00"):
    """Money down the tree to ACME: fund → EMEA → DACH → ACME, the same amount each step."""
    for territory in ("EMEA", "DACH"):
        funds.allocate(fund, actor=w.finance, amount=Decimal(amount), territory=w.t[territory])
    return funds.allocate(fund, actor=w.finance, amount=Decimal(amount), partner=w.acme)


def propose(
    w: World,
    fund,
    amount: str = "400.00",
    *,
    partner=None,
    actor=None,
    start: date = TODAY - timedelta(days=30),
    end: date = TODAY - timedelta(days=1),
):
    return requests.propose_request(
        partner or w.acme,
        fund,
        w.event,
        actor=actor or w.acme_user,
        starts_on=start,
        ends_on=end,
        amount=Decimal(amount),
        description="Partner summit booth",
        expected_leads=40,
        expected_pipeline=Decimal("250000"),
    )
