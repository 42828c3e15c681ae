"""The daily MDF pass: unclaimed commitments lapse after their due date, what is left expires
after the fund's claim deadline, partner admins are warned 30 and 7 days before it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from portal.models import AuditEvent, MdfEntry, OutboxMessage
from workflows import jobs as _all_jobs  # noqa: F401 - registers every periodic job
from workflows.mdf import claims, expiry, funds, ledger, requests
from workflows.mdf.claims import Proof
from workflows.mdf.jobs import expire_mdf
from workflows.periodic import PERIODIC

from .conftest import TODAY, fund_acme, new_fund, propose

PROOF = Proof("booth.pdf", "0" * 32 + ".pdf", "application/pdf", 1234)
D = Decimal


def expiry_rows(db):
    return db.session.execute(
        select(MdfEntry.territory_id, MdfEntry.partner_id, MdfEntry.amount)
        .where(MdfEntry.kind == "expiry")
        .order_by(MdfEntry.id)
    ).all()


def test_the_pass_runs_daily_on_the_scheduler():
    assert PERIODIC["mdf_expiry"].func == "workflows.mdf.jobs.expire_mdf"
    assert PERIODIC["mdf_expiry"].every == timedelta(days=1)


def test_an_unclaimed_commitment_lapses_the_day_after_its_due_date(world, db):
    fund = new_fund(world)
    fund_acme(world, fund)
    request = requests.approve_request(propose(world, fund, "400"), actor=world.dach_manager)
    due = request.claim_due_on
    assert expiry.lapse_unclaimed(due) == []  # the due date itself still allows a claim
    assert expiry.lapse_unclaimed(due + timedelta(days=1)) == [request.id]
    assert request.state == "lapsed"
    money = ledger.partner_figures(fund, world.acme)
    assert (money.committed, money.available) == (0, D("1000"))
    assert db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc())) == (
        "mdf.request.lapse"
    )


def test_a_claim_waiting_for_a_decision_keeps_its_commitment(world, db):
    fund = new_fund(world)
    fund_acme(world, fund)
    request = requests.approve_request(propose(world, fund, "400"), actor=world.dach_manager)
    claims.submit_claim(request, actor=world.acme_user, amount=D("400"), proofs=[PROOF])
    assert expiry.lapse_unclaimed(request.claim_due_on + timedelta(days=5)) == []
    assert request.state == "approved"


def test_after_the_claim_deadline_every_holders_available_money_expires(world, db):
    fund = new_fund(world)
    funds.allocate(fund, actor=world.finance, amount=D("3000"), territory=world.t["EMEA"])
    funds.allocate(fund, actor=world.finance, amount=D("1000"), territory=world.t["DACH"])
    funds.allocate(fund, actor=world.finance, amount=D("600"), partner=world.acme)
    request = requests.approve_request(propose(world, fund, "400"), actor=world.dach_manager)
    claim = claims.submit_claim(request, actor=world.acme_user, amount=D("250"), proofs=[PROOF])
    deadline = fund.claim_deadline
    assert expiry.expire_funds(deadline) == {}  # claims are still taken on the deadline
    assert expiry.expire_funds(deadline + timedelta(days=1)) == {"MDF-1": D("9600")}
    assert fund.state == "expired"
    assert sorted(expiry_rows(db), key=str) == sorted(
        [
            (None, None, D("-7000")),
            (world.t["EMEA"].id, None, D("-2000")),
            (world.t["DACH"].id, None, D("-400")),
            (None, world.acme.id, D("-200")),
        ],
        key=str,
    )
    whole = ledger.fund_figures(fund)
    assert (whole.available, whole.committed, whole.expired) == (0, D("400"), D("9600"))
    # The waiting claim is approved later for less: what it did not use expires on the next pass.
    claims.approve_claim(claim, actor=world.dach_manager)
    assert ledger.partner_figures(fund, world.acme).available == D("150")
    assert expiry.expire_funds(deadline + timedelta(days=2)) == {"MDF-1": D("150")}
    assert expiry.expire_funds(deadline + timedelta(days=3)) == {}
    assert ledger.fund_figures(fund).available == 0


def partner_mail(db):
    return db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.template == "mdf_expiring")
        .order_by(OutboxMessage.id)
    ).all()


def test_partner_admins_are_warned_30_and_7_days_before_once_each(world, db, make):
    fund = new_fund(world, deadline=TODAY + timedelta(days=120))
    fund_acme(world, fund, "500")
    make.user("partner_admin", partner=world.acme, email="second@acme.example")
    deadline = fund.claim_deadline
    assert expiry.warn_partner_admins(deadline - timedelta(days=31)) == {}
    assert expiry.warn_partner_admins(deadline - timedelta(days=30)) == {"MDF-1": 2}
    assert expiry.warn_partner_admins(deadline - timedelta(days=29)) == {}  # sent already
    assert expiry.warn_partner_admins(deadline - timedelta(days=7)) == {"MDF-1": 2}
    assert expiry.warn_partner_admins(deadline - timedelta(days=1)) == {}
    messages = partner_mail(db)
    assert [m.to_address for m in messages] == [
        "ada@acme.example",
        "second@acme.example",
        "ada@acme.example",
        "second@acme.example",
    ]
    assert "ACME Ltd has €500.00 of Fund MDF-1 not yet claimed" in messages[0].body_text
    assert "Fund MDF-1" in messages[0].subject
    # Partner users and other partners' admins hear nothing.
    assert not {"uma@acme.example", "olga@other.example"} & {m.to_address for m in messages}


def test_a_fund_created_late_sends_only_the_urgent_warning(world, db):
    fund = new_fund(world, end=TODAY, deadline=TODAY + timedelta(days=5))
    fund_acme(world, fund, "500")
    assert expiry.warn_partner_admins(TODAY) == {"MDF-1": 1}
    assert fund.warned_days_before == 7
    assert expiry.warn_partner_admins(TODAY + timedelta(days=1)) == {}


def test_partners_with_everything_claimed_are_not_warned(world, db):
    fund = new_fund(world)
    fund_acme(world, fund, "400")
    request = requests.approve_request(propose(world, fund, "400"), actor=world.dach_manager)
    claim = claims.submit_claim(request, actor=world.acme_user, amount=D("400"), proofs=[PROOF])
    claims.approve_claim(claim, actor=world.dach_manager)
    assert expiry.warn_partner_admins(fund.claim_deadline - timedelta(days=30)) == {"MDF-1": 0}
    assert partner_mail(db) == []


def test_the_job_commits_the_pass_and_queues_the_mail(world, db, redis):
    fund = new_fund(world, end=TODAY, deadline=TODAY + timedelta(days=5))
    fund_acme(world, fund, "500")
    day_after = fund.claim_deadline + timedelta(days=1)
    summary = expire_mdf(TODAY.isoformat())  # commits and ends the session, as a worker does
    assert summary == {"lapsed": [], "expired": {}, "warned": {"MDF-1": 1}}
    assert len(redis.keys("rq:job:mail-*")) == 1
    summary = expire_mdf(day_after.isoformat())
    assert summary["expired"] == {"MDF-1": "10000.0000"}  # 9500 at the fund, 500 at ACME
    assert db.session.scalar(select(func.count(MdfEntry.id)).where(MdfEntry.kind == "expiry")) == 2
