"""Finance's fund pages as every role: the list, a new fund, a fund's utilisation and ROI, the
allocate form, the utilisation CSV and the activity types."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.models import MdfActivityType, MdfAllocation, MdfFund
from workflows.mdf import claims, funds, requests
from workflows.mdf.claims import Proof

from ..conftest import csrf_token
from .conftest import TODAY, fund_acme, new_fund, propose

PROOF = Proof("booth.pdf", "0" * 32 + ".pdf", "application/pdf", 1234)

ROLES = (
    "acme_admin",
    "acme_user",
    "dach_manager",
    "amer_manager",
    "finance",
    "admin",
)


@pytest.fixture
def funded(world, db):
    """MDF-1 (EUR 10,000): 1,000 down to ACME, 300 to FR; ACME's 400 request approved and
    claimed at 350 (approved); a second fund in USD for the US."""
    fund = new_fund(world)
    fund_acme(world, fund)
    funds.allocate(fund, actor=world.finance, amount=Decimal("300.00"), territory=world.t["EMEA"])
    funds.allocate(fund, actor=world.finance, amount=Decimal("300.00"), territory=world.t["FR"])
    request = propose(world, fund)
    requests.approve_request(request, actor=world.dach_manager)
    claim = claims.submit_claim(
        request, actor=world.acme_user, amount=Decimal("350.00"), proofs=[PROOF]
    )
    claims.approve_claim(claim, actor=world.dach_manager)
    other = new_fund(world, code="MDF-US", currency="USD", amount="5000.00")
    funds.allocate(other, actor=world.finance, amount=Decimal("800.00"), territory=world.t["AMER"])
    db.session.commit()
    return fund, other


def test_smoke(world, funded, login):
    client = login(world.finance)
    page = client.get("/mdf/funds")
    assert page.status_code == 200, page.get_data(as_text=True)
    page = client.get(f"/mdf/funds/{funded[0].id}")
    assert page.status_code == 200, page.get_data(as_text=True)
    print(page.get_data(as_text=True))
