"""Fund requests in every state on top of the demo data set, for the tests that walk every page
as the demo logins (the fuzzer, the presentability walk): a fund allocated down to the DACH
demo partner, a request waiting for a decision, one returned, one waiting for its second
approval, and an approved one with a claim and its stored proof file waiting."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal.demo.data import DACH_PARTNER
from portal.mdf.proofs import store_proof
from portal.models import MdfActivityType, Partner, Territory, User, utcnow
from workflows.mdf import claims, funds, requests

PROOF = b"%PDF-1.4\n% attendee list of the partner summit\n%%EOF\n"


@dataclass(frozen=True)
class MdfDemo:
    waiting: int  # submitted: the DACH manager decides
    returned: int  # the partner resubmits
    second: int  # above the threshold, first-approved: finance gives the second approval
    claimed: int  # approved, with a claim waiting
    claim: int
    proof: int


def add_mdf_demo(session) -> MdfDemo:
    def user(email: str) -> User:
        return session.scalars(select(User).where(User.email == email)).one()

    def territory(code: str) -> Territory:
        return session.scalars(select(Territory).where(Territory.code == code)).one()

    finance, manager = user("finance@demo.example"), user("manager.dach@demo.example")
    partner_user = user("partner.user@demo.example")
    partner = session.scalars(select(Partner).where(Partner.code == DACH_PARTNER)).one()
    today = utcnow().date()
    event = MdfActivityType(code="EVENT", name="Event", active=True, created_by_id=finance.id)
    session.add(event)
    session.flush()
    fund = funds.create_fund(
        actor=finance,
        code="MDF-DACH",
        name="DACH marketing fund",
        currency="EUR",
        amount=Decimal("50000"),
        starts_on=today - timedelta(days=60),
        ends_on=today + timedelta(days=60),
        claim_deadline=today + timedelta(days=120),
        claim_days=30,
        second_approval_above=Decimal("5000"),
    )
    for code in ("WORLD", "EMEA", "DACH", "DE-SOUTH"):
        funds.allocate(fund, actor=finance, amount=Decimal("20000"), territory=territory(code))
    funds.allocate(fund, actor=finance, amount=Decimal("20000"), partner=partner)

    def propose(amount: str, description: str):
        return requests.propose_request(
            partner,
            fund,
            event,
            actor=partner_user,
            starts_on=today - timedelta(days=20),
            ends_on=today - timedelta(days=1),
            amount=Decimal(amount),
            description=description,
            expected_leads=30,
            expected_pipeline=Decimal("150000"),
        )

    waiting = propose("1500.00", "Customer breakfast in Munich")
    returned = requests.return_request(
        propose("900.00", "Webinar series"), actor=manager, reason="Which products?"
    )
    second = requests.approve_request(propose("6000.00", "Trade show booth"), actor=manager)
    claimed = requests.approve_request(propose("2000.00", "Partner summit"), actor=manager)
    upload = FileStorage(
        stream=io.BytesIO(PROOF),
        filename="attendees.pdf",
        content_type="application/pdf",
    )
    claim = claims.submit_claim(
        claimed, actor=partner_user, amount=Decimal("1800"), proofs=[store_proof(upload)]
    )
    return MdfDemo(waiting.id, returned.id, second.id, claimed.id, claim.id, claim.proofs[0].id)
