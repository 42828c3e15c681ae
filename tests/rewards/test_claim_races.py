"""One sale is claimed once: a second claim of the same sale reference is refused with the usual
message, also when two submissions race past the duplicate check at the same moment."""

from __future__ import annotations

import io
import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.models import Claim, Partner, Program, User
from tests.calc.conftest import build_scenario, load_program
from tests.conftest import csrf_token
from workflows.payables import claims
from workflows.payables.claims import Invoice
from workflows.payables.errors import PayablesError

from .test_payables import CLAIM_SPIF

PDF = b"%PDF-1.4\n% test invoice\n"
INVOICE = Invoice("invoice.pdf", "0" * 32 + ".pdf", "application/pdf", 1234)


def _submit_page(client, program, reference="INV-1", amount="120.50"):
    return client.post(
        "/claims",
        data={
            "csrf_token": csrf_token(client, "/claims"),
            "program_id": str(program.id),
            "sale_reference": reference,
            "sold_on": "2025-08-03",
            "amount": amount,
            "invoice": (io.BytesIO(PDF), "invoice.pdf", "application/pdf"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def test_claiming_a_sale_twice_in_a_row_is_refused_with_the_usual_message(
    db, make, login, monkeypatch
):
    monkeypatch.setattr("portal.models.users.PASSWORD_METHOD", "pbkdf2:sha256:1000")
    scenario = build_scenario(make)
    program = load_program(CLAIM_SPIF, scenario.finance)
    client = login(make.user("partner_user", partner=scenario.goldie, email="g@goldie.example"))
    first = _submit_page(client, program)
    assert "submitted" in first.get_data(as_text=True)
    second = _submit_page(client, program)
    assert second.status_code == 200
    assert "Sale INV-1 was already claimed" in second.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Claim.id))) == 1


@pytest.mark.parametrize("amount", ["NaN", "sNaN", "Infinity", "-Infinity"])
def test_a_claim_amount_that_is_not_a_number_is_refused(db, make, amount):
    scenario = build_scenario(make)
    program = load_program(CLAIM_SPIF, scenario.finance)
    rep = make.user("partner_user", partner=scenario.goldie)
    with pytest.raises(PayablesError, match="must be positive"):
        claims.submit_claim(
            scenario.goldie,
            program,
            actor=rep,
            sale_reference="INV-1",
            sold_on=date(2025, 8, 3),
            amount=Decimal(amount),
            invoice=INVOICE,
        )
    assert db.session.scalar(select(func.count(Claim.id))) == 0


@pytest.mark.postgres
def test_two_simultaneous_claims_of_one_sale_give_one_claim_and_the_usual_refusal(
    app, committed_db, make_committed, redis, monkeypatch
):
    monkeypatch.setattr("portal.models.users.PASSWORD_METHOD", "pbkdf2:sha256:1000")
    scenario = build_scenario(make_committed)
    program = load_program(CLAIM_SPIF, scenario.finance)
    rep = make_committed.user("partner_user", partner=scenario.goldie)
    committed_db.session.commit()
    ids = (scenario.goldie.id, program.id, rep.id)
    committed_db.session.remove()

    # Both submissions pass the duplicate check before either inserts: the race the unique
    # (program, partner, sale reference) constraint decides.
    barrier = threading.Barrier(2)
    check = claims._refuse_duplicate
    passed_check = threading.local()

    def check_then_wait(*args):
        check(*args)
        if not getattr(passed_check, "once", False):
            passed_check.once = True
            barrier.wait(timeout=10)

    monkeypatch.setattr(claims, "_refuse_duplicate", check_then_wait)
    outcomes: list[str] = []

    def submit():
        with app.app_context():
            session = committed_db.session
            try:
                partner, target = session.get(Partner, ids[0]), session.get(Program, ids[1])
                claims.submit_claim(
                    partner,
                    target,
                    actor=session.get(User, ids[2]),
                    sale_reference="INV-1",
                    sold_on=date(2025, 8, 3),
                    amount=Decimal("120.50"),
                    invoice=INVOICE,
                )
                session.commit()
                outcomes.append("claimed")
            except PayablesError as exc:
                session.rollback()
                outcomes.append(exc.render())
            finally:
                session.remove()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    claim_id = committed_db.session.scalar(select(Claim.id))
    assert sorted(outcomes) == [
        f"Sale INV-1 was already claimed (claim {claim_id}).",
        "claimed",
    ]
    assert committed_db.session.scalar(select(func.count(Claim.id))) == 1
