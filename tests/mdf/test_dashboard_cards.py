"""MDF on the dashboards: a partner's funds, requests under way and claim deadlines; a manager's
and finance's MDF queues with the oldest item's age; both fresh after every MDF change, also
when the whole page is kept in Redis."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event

from portal.dashboards import manager, partner
from workflows.mdf import claims, requests
from workflows.mdf.claims import Proof

from .conftest import TODAY, fund_acme, new_fund, propose
from .test_pages import login  # noqa: F401 - one signed-in client per user

D = Decimal
PROOF = Proof("a.pdf", "0" * 32 + ".pdf", "application/pdf", 10)


@pytest.fixture
def count_queries(db):
    """Statements sent to the database inside the block."""

    @contextmanager
    def counting():
        sent: list[str] = []

        def note(conn, cursor, statement, *args):
            sent.append(statement)

        event.listen(db.engine, "before_cursor_execute", note)
        try:
            yield sent
        finally:
            event.remove(db.engine, "before_cursor_execute", note)

    return counting


@pytest.fixture
def funded(world, db):
    fund = new_fund(world, threshold="500.00")
    fund_acme(world, fund)
    return fund


def test_partner_figures_come_from_three_queries(world, db, funded, count_queries):
    waiting = propose(world, funded, "90.00")
    approved = requests.approve_request(propose(world, funded, "400.00"), actor=world.dach_manager)
    db.session.expire_all()
    assert world.acme_user.partner_id == world.acme.id  # the reader is loaded before counting
    with count_queries() as queries:
        found = partner.marketing_funds(world.acme_user)
    assert len(queries) == 4  # the three, and the funds of the requests loaded with them
    assert [(f.fund.code, f.available) for f in found.funds] == [("MDF-1", D("600.0000"))]
    assert [r.id for r in found.requests] == [waiting.id, approved.id]  # same due date: by id
    assert found.claimed == set() and found.waiting_claims == 0
    assert partner.marketing_funds(world.dach_manager) is None
    assert partner.marketing_funds(world.other_admin).funds == []


def test_partner_dashboard_shows_funds_requests_and_days_left(login, world, db, funded):  # noqa: F811
    requests.approve_request(propose(world, funded, "400.00"), actor=world.dach_manager)
    page = login(world.acme_user).get("/dashboard").get_data(as_text=True)
    section = page.split('id="marketing-funds"')[1]
    assert "€600.00" in section and "€400.00" in section
    due = (TODAY - timedelta(days=1) + timedelta(days=30) - TODAY).days
    assert f"{due} days left" in section
    assert 'href="/mdf/requests/new"' in section


def test_manager_and_finance_queues_count_mdf_items_with_the_oldest_age(
    world, db, funded, request_context
):
    propose(world, funded, "90.00")
    big = requests.approve_request(propose(world, funded, "800.00"), actor=world.finance)
    claims.submit_claim(
        requests.approve_request(propose(world, funded, "100.00"), actor=world.dach_manager),
        actor=world.acme_user,
        amount=D("50"),
        proofs=[PROOF],
    )
    by_label = {q.label: q for q in manager.queues(world.dach_manager)}
    assert by_label["Fund requests"].waiting == 1
    assert by_label["Fund claims"].waiting == 1
    assert by_label["Fund requests"].oldest_hours == 0
    assert "Fund requests awaiting second approval" not in by_label
    elsewhere = [q for q in manager.queues(world.amer_manager) if q.endpoint == "mdf.queue"]
    assert len(elsewhere) == 2 and all(q.waiting == 0 for q in elsewhere)
    first = {q.label: q for q in manager.queues(world.finance)}
    second = {q.label: q for q in manager.queues(world.finance_2)}
    assert first["Fund requests awaiting second approval"].waiting == 0  # their own first approval
    assert second["Fund requests awaiting second approval"].waiting == 1
    assert big.state == "first_approved"


@pytest.fixture
def page_cache(app):
    app.config["DASHBOARD_CACHE_SECONDS"] = 60
    yield
    app.config["DASHBOARD_CACHE_SECONDS"] = 0


def test_kept_dashboards_are_fresh_after_an_mdf_change(login, world, db, funded, page_cache, redis):  # noqa: F811
    made = propose(world, funded, "400.00")
    db.session.commit()
    partner_client, manager_client = login(world.acme_user), login(world.dach_manager)
    for client in (partner_client, manager_client):
        client.get("/dashboard")  # consumes the welcome message
    assert 'text-bg-info">submitted' in partner_client.get("/dashboard").get_data(as_text=True)
    queue = manager_client.get("/dashboard").get_data(as_text=True)
    assert redis.keys("portal:pages:dashboard:*")
    assert (
        ">1</td>"
        in queue.split('id="queues"')[1].split("Fund requests</a></td>")[1].split("</tr>")[0]
    )

    requests.approve_request(made, actor=world.dach_manager)
    db.session.commit()
    page = partner_client.get("/dashboard").get_data(as_text=True)
    assert "days left" in page and "€600.00" in page
    queue = manager_client.get("/dashboard").get_data(as_text=True)
    assert (
        ">0</td>"
        in queue.split('id="queues"')[1].split("Fund requests</a></td>")[1].split("</tr>")[0]
    )
