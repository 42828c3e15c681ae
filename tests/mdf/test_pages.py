"""The partner and manager MDF pages: every page as each role, decisions and claims through the
forms, refusals shown with nothing written, bad input, maker–checker and the proof download."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.models import MdfClaim, MdfClaimProof, MdfEntry, MdfRequest, PayoutLine
from workflows.mdf import claims, requests
from workflows.mdf.claims import Proof

from ..conftest import CSRF_RE, csrf_token
from ..factories import PASSWORD
from .conftest import PDF, PNG, TODAY, fund_acme, new_fund, propose

D = Decimal


@pytest.fixture
def login(app, db, redis):
    """A client of its own for each user signed in (the tests switch between people)."""

    def sign_in(user):
        client = app.test_client()
        data = {"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client)}
        assert client.post("/login", data=data).status_code == 302
        return client

    return sign_in


def token(client, path: str) -> str:
    match = CSRF_RE.search(client.get(path).get_data(as_text=True))
    assert match, path
    return match.group(1)


def count(db, model) -> int:
    return db.session.scalar(select(func.count(model.id)))


@pytest.fixture
def funded(world, db):
    fund = new_fund(world, threshold="500.00")
    fund_acme(world, fund)
    return fund


def approved_request(world, fund, amount: str = "400.00"):
    return requests.approve_request(propose(world, fund, amount), actor=world.dach_manager)


def claim_files(*files):
    return [(io.BytesIO(data), name, kind) for data, name, kind in files]


def post_claim(client, request_id: int, amount: str, files, **extra):
    path = f"/mdf/requests/{request_id}"
    data = {
        "csrf_token": token(client, path),
        "claim-amount": amount,
        "claim-proof": claim_files(*files),
        **extra,
    }
    return client.post(f"{path}/claims", data=data, content_type="multipart/form-data")


# -- the list and the queue, as each role ------------------------------------------------------


def test_partner_list_shows_own_requests_money_deadline_and_next_step(login, world, funded):
    approved_request(world, funded)
    propose(world, funded, "90.00")
    page = login(world.acme_user).get("/mdf/requests").get_data(as_text=True)
    assert "€400.00" in page and "€90.00" in page
    assert "File claim" in page and "Propose an activity" in page
    assert "days left" in page and 'text-bg-success">approved' in page
    assert "OTHER" not in page


def test_list_filters_by_state_and_fund_and_refuses_bad_filters(login, world, funded):
    approved_request(world, funded)
    propose(world, funded, "90.00")
    client = login(world.dach_manager)
    submitted = client.get("/mdf/requests?state=submitted").get_data(as_text=True)
    assert "€90.00" in submitted and "€400.00" not in submitted
    assert "€400.00" in client.get(f"/mdf/requests?fund={funded.id}").get_data(as_text=True)
    assert client.get("/mdf/requests?fund=x").status_code == 400
    assert client.get("/mdf/requests?fund=987654").status_code == 404
    assert client.get("/mdf/requests?state=%00").status_code == 400
    assert client.get("/mdf/requests?state=bogus").status_code == 200


def test_manager_queue_lists_waiting_requests_and_claims_with_ageing(login, world, db, funded):
    waiting = propose(world, funded, "90.00")
    claims.submit_claim(
        approved_request(world, funded),
        actor=world.acme_user,
        amount=D("100"),
        proofs=[Proof("a.pdf", "0" * 32 + ".pdf", "application/pdf", 10)],
    )
    page = login(world.dach_manager).get("/mdf/queue").get_data(as_text=True)
    assert f'data-request="{waiting.id}"' in page and "on track" in page
    assert "Claim " in page and "€100.00" in page
    assert "No claims waiting" not in page


def test_queue_of_another_territory_is_empty_and_partners_may_not_open_it(login, world, funded):
    propose(world, funded, "90.00")
    page = login(world.amer_manager).get("/mdf/queue").get_data(as_text=True)
    assert "No fund requests waiting for your decision." in page


@pytest.mark.parametrize("role", ["acme_user", "admin"])
def test_queue_needs_the_approval_permission(login, world, role):
    assert login(getattr(world, role)).get("/mdf/queue").status_code == 403


def test_administrators_hold_no_mdf_pages(login, world, funded):
    made = propose(world, funded)
    client = login(world.admin)
    for path in ("/mdf/requests", "/mdf/requests/new", f"/mdf/requests/{made.id}"):
        assert client.get(path).status_code == 403, path


def test_navigation_shows_the_marketing_funds_group(login, world):
    page = login(world.dach_manager).get("/mdf/requests").get_data(as_text=True)
    assert "Marketing funds" in page and 'href="/mdf/queue"' in page
    partner = login(world.acme_admin).get("/mdf/requests").get_data(as_text=True)
    assert 'href="/mdf/requests"' in partner and 'href="/mdf/queue"' not in partner


# -- proposing -------------------------------------------------------------------------------


def test_the_proposal_form_offers_funds_with_money_and_saves_a_request(login, world, db, funded):
    client = login(world.acme_admin)
    page = client.get("/mdf/requests/new").get_data(as_text=True)
    assert "Fund MDF-1 (MDF-1) · €1,000.00" in page and "data-searchable" in page
    assert f'value="{TODAY.isoformat()}"' in page  # the dates default to today
    answer = client.post(
        "/mdf/requests/new",
        data={
            "csrf_token": token(client, "/mdf/requests/new"),
            "fund_id": funded.id,
            "activity_type_id": world.event.id,
            "starts_on": (TODAY - timedelta(days=3)).isoformat(),
            "ends_on": TODAY.isoformat(),
            "amount": "750.00",
            "description": "Roadshow with three customer events",
            "expected_leads": "25",
            "expected_pipeline": "120000",
        },
    )
    assert answer.status_code == 302
    made = db.session.scalars(select(MdfRequest)).one()
    assert (made.requested_amount, made.partner_id, made.state) == (
        D("750"),
        world.acme.id,
        "submitted",
    )
    assert answer.location.endswith(f"/mdf/requests/{made.id}")


def test_a_partner_without_money_is_told_so(login, world, funded):
    page = login(world.other_admin).get("/mdf/requests/new").get_data(as_text=True)
    assert "No fund has money available for your organisation" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"starts_on": (TODAY - timedelta(days=400)).isoformat()}, "take place between"),
        ({"amount": "9" * 40}, "The amount is too large."),
        ({"amount": "1e999"}, "Enter an amount such as 12500.00."),
        ({"amount": "0"}, "more than zero"),
        ({"amount": "12.345"}, "decimal"),
        ({"expected_leads": "99999999999"}, "between"),
        ({"ends_on": (TODAY - timedelta(days=20)).isoformat()}, "before it starts"),
        ({"description": ""}, "This field is required."),
    ],
)
def test_refused_proposals_show_why_and_write_nothing(login, world, db, funded, changes, message):
    client = login(world.acme_user)
    data = {
        "csrf_token": token(client, "/mdf/requests/new"),
        "fund_id": funded.id,
        "activity_type_id": world.event.id,
        "starts_on": (TODAY - timedelta(days=10)).isoformat(),
        "ends_on": TODAY.isoformat(),
        "amount": "100.00",
        "description": "Webinar",
        **changes,
    }
    answer = client.post("/mdf/requests/new", data=data)
    assert answer.status_code == 200
    assert message in answer.get_data(as_text=True)
    assert count(db, MdfRequest) == 0


def test_a_fund_of_no_money_to_the_partner_or_a_nul_is_refused(login, world, db, funded):
    client = login(world.other_admin)
    data = {
        "csrf_token": token(client, "/mdf/requests/new"),
        "fund_id": funded.id,
        "activity_type_id": world.event.id,
        "starts_on": TODAY.isoformat(),
        "ends_on": TODAY.isoformat(),
        "amount": "10",
        "description": "x",
    }
    assert client.post("/mdf/requests/new", data=data).status_code == 200  # not a choice
    assert (
        client.post("/mdf/requests/new", data={**data, "description": "a\x00b"}).status_code == 400
    )
    assert count(db, MdfRequest) == 0


def test_managers_cannot_propose(login, world):
    assert login(world.dach_manager).get("/mdf/requests/new").status_code == 403


# -- deciding requests ---------------------------------------------------------------------


def test_manager_approves_a_lower_amount_and_the_partner_sees_it(login, world, db, funded):
    made = propose(world, funded, "400.00")
    client = login(world.dach_manager)
    detail = client.get(f"/mdf/requests/{made.id}").get_data(as_text=True)
    assert "Your decision" in detail and "Return for more information" in detail
    answer = client.post(
        f"/mdf/requests/{made.id}/approve",
        data={"csrf_token": token(client, f"/mdf/requests/{made.id}"), "approve-amount": "350"},
    )
    assert answer.status_code == 302
    db.session.refresh(made)
    assert (made.state, made.approved_amount) == ("approved", D("350"))
    page = login(world.acme_user).get(f"/mdf/requests/{made.id}").get_data(as_text=True)
    assert "€350.00" in page and "File claim" in page and "Your decision" not in page
    assert "Approved" in page  # the history


def test_approving_more_than_requested_or_available_is_refused(login, world, db, funded):
    made = propose(world, funded, "400.00")
    client = login(world.dach_manager)
    path = f"/mdf/requests/{made.id}"
    for amount in ("500", "9" * 40, "-5"):
        client.post(
            f"{path}/approve", data={"csrf_token": token(client, path), "approve-amount": amount}
        )
    db.session.refresh(made)
    assert made.state == "submitted"
    assert count(db, MdfEntry) == db.session.scalar(
        select(func.count(MdfEntry.id)).where(MdfEntry.kind == "allocation")
    )
    greedy = propose(world, funded, "1000.00")
    approved_request(world, funded, "400.00")
    answer = client.post(
        f"/mdf/requests/{greedy.id}/approve",
        data={"csrf_token": token(client, path)},
        follow_redirects=True,
    )
    assert "would overspend it" in answer.get_data(as_text=True)
    db.session.refresh(greedy)
    assert greedy.state == "submitted"


def test_return_resubmit_and_reject_with_reasons(login, world, db, funded):
    made = propose(world, funded, "400.00")
    manager = login(world.dach_manager)
    path = f"/mdf/requests/{made.id}"
    empty = manager.post(
        f"{path}/return", data={"csrf_token": token(manager, path), "return-reason": ""}
    )
    assert empty.status_code == 302
    db.session.refresh(made)
    assert made.state == "submitted"
    manager.post(
        f"{path}/return",
        data={"csrf_token": token(manager, path), "return-reason": "Which customers are invited?"},
    )
    db.session.refresh(made)
    assert made.state == "returned"
    partner = login(world.acme_user)
    page = partner.get(path).get_data(as_text=True)
    assert "Which customers are invited?" in page and "Change and resubmit" in page
    listed = partner.get("/mdf/requests").get_data(as_text=True)
    assert "Resubmit" in listed
    bad = partner.post(
        f"{path}/resubmit",
        data={
            "csrf_token": token(partner, path),
            "resubmit-starts_on": made.starts_on.isoformat(),
            "resubmit-ends_on": made.ends_on.isoformat(),
            "resubmit-amount": "1e999",
            "resubmit-description": "Twenty key accounts",
        },
    )
    assert bad.status_code == 400 and "Enter an amount such as 12500.00." in bad.get_data(True)
    partner.post(
        f"{path}/resubmit",
        data={
            "csrf_token": token(partner, path),
            "resubmit-starts_on": made.starts_on.isoformat(),
            "resubmit-ends_on": made.ends_on.isoformat(),
            "resubmit-amount": "380.00",
            "resubmit-description": "Twenty key accounts",
        },
    )
    db.session.refresh(made)
    assert (made.state, made.requested_amount) == ("submitted", D("380"))
    manager.post(
        f"{path}/reject", data={"csrf_token": token(manager, path), "reject-reason": "No budget"}
    )
    db.session.refresh(made)
    assert (made.state, made.reason) == ("rejected", "No budget")


def test_partners_cannot_decide_and_managers_cannot_resubmit(login, world, db, funded):
    made = propose(world, funded, "400.00")
    partner = login(world.acme_admin)
    path = f"/mdf/requests/{made.id}"
    assert "Your decision" not in partner.get(path).get_data(as_text=True)
    assert (
        partner.post(f"{path}/approve", data={"csrf_token": token(partner, path)}).status_code
        == 403
    )
    manager = login(world.dach_manager)
    answer = manager.post(f"{path}/resubmit", data={"csrf_token": token(manager, path)})
    assert answer.status_code == 403


def test_maker_checker_above_the_threshold(login, world, db, funded):
    made = propose(world, funded, "800.00")  # above the fund's 500.00
    path = f"/mdf/requests/{made.id}"
    finance = login(world.finance)
    finance.post(f"{path}/approve", data={"csrf_token": token(finance, path)})
    db.session.refresh(made)
    assert made.state == "first_approved"
    page = finance.get(path).get_data(as_text=True)
    assert "Give second approval" not in page  # never the first approver twice
    assert "Your decision" in page  # returning and rejecting remain open to them
    finance.post(f"{path}/approve", data={"csrf_token": token(finance, path)})
    db.session.refresh(made)
    assert made.state == "first_approved"
    assert f'data-request="{made.id}"' not in finance.get("/mdf/queue").get_data(as_text=True)
    manager = login(world.dach_manager)
    assert "Give second approval" not in manager.get(path).get_data(as_text=True)
    other = login(world.finance_2)
    assert f'data-request="{made.id}"' in other.get("/mdf/queue").get_data(as_text=True)
    assert "Give second approval" in other.get(path).get_data(as_text=True)
    other.post(f"{path}/approve", data={"csrf_token": token(other, path)})
    db.session.refresh(made)
    assert (made.state, made.approved_amount) == ("approved", D("800"))


# -- claims and proofs -----------------------------------------------------------------------


def test_partner_files_a_claim_with_proofs_and_the_manager_approves_it(login, world, db, funded):
    made = approved_request(world, funded)
    partner = login(world.acme_user)
    answer = post_claim(
        partner,
        made.id,
        "380.00",
        [(PDF, "invoice.pdf", "application/pdf"), (PNG, "booth.png", "image/png")],
        **{"claim-actual_leads": "31", "claim-actual_pipeline": "90000"},
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)[:3000]
    claim = db.session.scalars(select(MdfClaim)).one()
    assert (claim.amount, claim.actual_leads, claim.actual_pipeline) == (D("380"), 31, D("90000"))
    assert [p.name for p in claim.proofs] == ["invoice.pdf", "booth.png"]
    page = partner.get(f"/mdf/requests/{made.id}").get_data(as_text=True)
    assert "invoice.pdf" in page and "waiting for a decision" in page
    assert "Approve claim" not in page

    proof = claim.proofs[0]
    download = partner.get(f"/mdf/proofs/{proof.id}/download")
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"] == 'attachment; filename="invoice.pdf"'

    manager = login(world.dach_manager)
    path = f"/mdf/requests/{made.id}"
    assert "Approve claim" in manager.get(path).get_data(as_text=True)
    manager.post(f"/mdf/claims/{claim.id}/approve", data={"csrf_token": token(manager, path)})
    db.session.refresh(claim)
    db.session.refresh(made)
    assert (claim.state, made.state) == ("approved", "claimed")
    line = db.session.get(PayoutLine, claim.payout_line_id)
    assert (line.kind, line.amount, line.payee_id) == ("mdf", D("380"), world.acme.id)


def test_claim_rejection_needs_a_reason_and_lets_the_partner_claim_again(login, world, db, funded):
    made = approved_request(world, funded)
    partner = login(world.acme_user)
    post_claim(partner, made.id, "400", [(PDF, "invoice.pdf", "application/pdf")])
    claim = db.session.scalars(select(MdfClaim)).one()
    manager = login(world.dach_manager)
    path = f"/mdf/requests/{made.id}"
    manager.post(
        f"/mdf/claims/{claim.id}/reject",
        data={"csrf_token": token(manager, path), "claim-reason": ""},
    )
    db.session.refresh(claim)
    assert claim.state == "submitted"
    manager.post(
        f"/mdf/claims/{claim.id}/reject",
        data={"csrf_token": token(manager, path), "claim-reason": "The invoice is unreadable"},
    )
    db.session.refresh(claim)
    assert (claim.state, claim.reason) == ("rejected", "The invoice is unreadable")
    page = login(world.acme_user).get(path).get_data(as_text=True)
    assert "The invoice is unreadable" in page and 'id="claim"' in page


@pytest.mark.parametrize(
    ("amount", "files", "message"),
    [
        ("500", [(PDF, "a.pdf", "application/pdf")], "claim that or less"),
        ("9" * 40, [(PDF, "a.pdf", "application/pdf")], "The amount is too large."),
        ("100", [], "Attach between 1 and 10 proof files."),
        ("100", [(b"MZ\x90\x00", "a.pdf", "application/pdf")], "does not match its type"),
        ("100", [(b"#!/bin/sh", "run.sh", "text/x-sh")], "not accepted"),
        ("100", [(PDF, "a.pdf", "application/pdf")] * 11, "Attach between 1 and 10"),
    ],
)
def test_refused_claims_show_why_and_write_nothing(
    login, world, db, funded, amount, files, message
):
    made = approved_request(world, funded)
    answer = post_claim(login(world.acme_user), made.id, amount, files)
    assert answer.status_code == 400
    assert message in answer.get_data(as_text=True)
    assert count(db, MdfClaim) == 0 and count(db, MdfClaimProof) == 0


def test_a_claim_before_the_activity_ends_is_explained_not_offered(login, world, db, funded):
    made = requests.approve_request(
        propose(world, funded, start=TODAY, end=TODAY + timedelta(days=5)), actor=world.dach_manager
    )
    page = login(world.acme_user).get(f"/mdf/requests/{made.id}").get_data(as_text=True)
    assert "can be claimed once the activity has ended" in page
    assert "Proof of performance" not in page


# -- other partners' ids ---------------------------------------------------------------------


def test_other_partners_ids_are_404_on_every_mdf_route(login, world, db, funded):
    made = approved_request(world, funded)
    post_claim(login(world.acme_user), made.id, "100", [(PDF, "a.pdf", "application/pdf")])
    claim = db.session.scalars(select(MdfClaim)).one()
    for user in (world.other_admin, world.amer_manager):
        client = login(user)
        csrf = token(client, "/mdf/requests")
        assert client.get(f"/mdf/requests/{made.id}").status_code == 404
        assert client.get(f"/mdf/proofs/{claim.proofs[0].id}/download").status_code == 404
        posts = [
            f"/mdf/requests/{made.id}/{a}" for a in ("approve", "reject", "return", "resubmit")
        ]
        posts += [f"/mdf/claims/{claim.id}/{a}" for a in ("approve", "reject")]
        for path in posts:
            status = client.post(path, data={"csrf_token": csrf}).status_code
            assert status in (403, 404), (user.email, path)
        assert client.post(
            f"/mdf/requests/{made.id}/claims", data={"csrf_token": csrf}
        ).status_code in (403, 404)
        assert "€400.00" not in client.get("/mdf/requests").get_data(as_text=True)
    db.session.refresh(claim)
    assert claim.state == "submitted"


def test_a_missing_proof_file_is_a_404(login, world, db, funded):
    made = approved_request(world, funded)
    claim = claims.submit_claim(
        made,
        actor=world.acme_user,
        amount=D("10"),
        proofs=[Proof("gone.pdf", "f" * 32 + ".pdf", "application/pdf", 3)],
    )
    proof_id = claim.proofs[0].id
    assert login(world.acme_user).get(f"/mdf/proofs/{proof_id}/download").status_code == 404


def test_history_names_each_step_with_amounts_and_reasons(login, world, db, funded):
    made = propose(world, funded, "400.00")
    requests.return_request(made, actor=world.dach_manager, reason="Add the agenda")
    requests.resubmit_request(made, actor=world.acme_user, description="Agenda attached")
    requests.approve_request(made, actor=world.dach_manager, amount=D("300"))
    page = login(world.acme_user).get(f"/mdf/requests/{made.id}").get_data(as_text=True)
    timeline = page.split('id="timeline"')[1]
    steps = re.findall(r"<strong>([^<]+)</strong>", timeline)
    assert steps == [
        "Activity proposed",
        "Returned for more information",
        "Resubmitted",
        "Approved",
    ]
    assert "Add the agenda" in timeline and "€300.00" in timeline
