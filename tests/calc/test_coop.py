"""Co-op programs on the real path: runs like rebates, approval posts earned rows to the MDF
fund (one per partner, linked to the run) instead of payout lines, each day earned once.

Runs on PostgreSQL and, with TEST_DATABASE_URL=sqlite:///…, on SQLite: the same numbers."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from portal.models import (
    AuditEvent,
    CalcRun,
    MdfEntry,
    MdfFund,
    Partner,
    PayoutLine,
    ProgramVersion,
    utcnow,
)
from portal.programs.services import save_program
from tests import factories
from tests.calc.conftest import (
    build_scenario,
    execute_inline,
    load_program,
    results_by_code,
    rolled_back_session,
)
from tests.calc.test_scenarios import AFTER_Q3
from workflows.calc import runs, settlement
from workflows.calc.errors import CalcError
from workflows.engine import SpecError, parse_period
from workflows.mdf import funds, ledger
from workflows.mdf.errors import MdfError, PastDeadline
from workflows.mdf.expiry import run_expiry

COOP = """
code: COOP-NET
name: Co-op on EMEA hardware
kind: coop
currency: EUR
fund: COOP-EU
accrual_rate: 2.5
eligible: {territories: [EMEA], categories: [HW]}
payee: {payee}
"""


def earned_fund(scenario, *, code="COOP-EU", currency="EUR", start=date(2025, 1, 1), **dates):
    return funds.create_fund(
        actor=scenario.finance,
        code=code,
        name=f"Co-op {code}",
        currency=currency,
        amount=None,
        starts_on=start,
        ends_on=dates.get("end", date(2025, 12, 31)),
        claim_deadline=dates.get("deadline", date(2099, 12, 31)),
        earned=True,
    )


def coop_program(scenario, payee="partner", text=COOP):
    return load_program(text.replace("{payee}", payee), scenario.finance)


def settle(program, scenario, period="2025-Q3"):
    run = runs.start_run(
        program, parse_period(period), kind="settlement", actor=scenario.finance, on=AFTER_Q3
    )
    return execute_inline(run.id)


def approve(run, scenario):
    return settlement.approve_run(run, actor=scenario.finance_2)


def earned(db) -> list[tuple[str, str, int]]:
    rows = db.session.execute(
        select(MdfEntry).where(MdfEntry.kind == "earned").order_by(MdfEntry.id)
    ).scalars()
    return [(db.session.get(Partner, r.partner_id).code, str(r.amount), r.run_id) for r in rows]


@pytest.fixture
def fund(scenario):
    return earned_fund(scenario)


@pytest.fixture
def sales(make, scenario):
    # GOLDIE: 1,100 USD at 1.10 USD per EUR is 1,000 EUR of hardware; software is not eligible.
    make.sale(scenario.goldie, scenario.switch, "1100", sold_on=date(2025, 7, 10), currency="USD")
    make.sale(scenario.goldie, scenario.licence, "5000", sold_on=date(2025, 7, 10))
    # BRANCH-1 (DE-S, in a group): 400 EUR; MOVER sold after moving to the US: not eligible.
    make.sale(scenario.branch_1, scenario.switch, "400", sold_on=date(2025, 7, 5))
    make.sale(scenario.mover, scenario.switch, "200", sold_on=date(2025, 8, 20))


def test_a_coop_settlement_earns_into_the_fund_instead_of_paying(db, redis, scenario, fund, sales):
    program = coop_program(scenario)
    run = settle(program, scenario)
    results = results_by_code(run.id)
    assert set(results) == {"GOLDIE", "BRANCH-1"}
    measure, band, rate, amount, currency, count, explanation = results["GOLDIE"]
    assert (measure, band, rate, amount, currency, count) == (
        "1000.0000000000",
        None,
        "0.025",
        "25.0000",
        "EUR",
        1,
    )
    assert explanation[1]["template"].startswith("Accrual at %(percent)s %% of")
    assert explanation[1]["params"]["percent"] == "2.5"
    assert results["BRANCH-1"][3] == "10.0000"

    rows = approve(run, scenario)
    assert sorted((r["amount"], r["kind"]) for r in rows) == [
        (Decimal("10.0000"), "settlement"),
        (Decimal("25.0000"), "settlement"),
    ]
    assert sorted(earned(db)) == [("BRANCH-1", "10.0000", run.id), ("GOLDIE", "25.0000", run.id)]
    assert db.session.scalar(select(func.count()).select_from(PayoutLine)) == 0
    goldie = ledger.partner_figures(fund, scenario.goldie)
    assert (goldie.allocated, goldie.available) == (Decimal("25.0000"), Decimal("25.0000"))
    assert ledger.fund_figures(fund).allocated == Decimal("35.0000")
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "calc.run.approve")
    ).one()
    assert event.after == {"fund": "COOP-EU", "earned_rows": 2, "earned_total": "35.0000"}
    # The results CSV shows the rate as every other kind does: a fraction.
    csv = {row[0]: row for row in settlement.result_rows(run, scenario.finance)}
    assert csv["GOLDIE"][5:] == ("", "0.025", "25.00")


def test_the_hierarchy_rule_earns_for_the_top_partner_of_a_group(db, redis, scenario, fund, sales):
    run = settle(coop_program(scenario, payee="partner_group"), scenario)
    approve(run, scenario)
    assert sorted(earned(db)) == [("GOLDIE", "25.0000", run.id), ("GROUP", "10.0000", run.id)]


def test_rerun_and_a_longer_period_earn_only_the_days_not_yet_earned(
    db, redis, make, scenario, fund, sales
):
    program = coop_program(scenario)
    july = settle(program, scenario, "2025-07")
    approve(july, scenario)
    again = settle(program, scenario, "2025-07")
    assert approve(again, scenario) == []  # the same days again: nothing new
    make.sale(scenario.goldie, scenario.switch, "240", sold_on=date(2025, 8, 3))
    quarter = settle(program, scenario, "2025-Q3")
    rows = approve(quarter, scenario)
    assert [(r["amount"], r["kind"]) for r in rows] == [(Decimal("6.0000"), "adjustment")]
    assert ledger.partner_figures(fund, scenario.goldie).allocated == Decimal("31.0000")
    with pytest.raises(CalcError, match="lies within 2025-Q3, which is already settled"):
        settle(program, scenario, "2025-08")


def test_restated_sales_take_back_what_is_still_available(db, redis, make, scenario, fund, sales):
    program = coop_program(scenario)
    approve(settle(program, scenario, "2025-07"), scenario)
    make.sale(scenario.goldie, scenario.switch, "-550", sold_on=date(2025, 7, 20), currency="USD")
    rows = approve(settle(program, scenario, "2025-07"), scenario)
    assert [(r["amount"], r["kind"]) for r in rows] == [(Decimal("-12.5000"), "clawback")]
    assert ledger.partner_figures(fund, scenario.goldie).available == Decimal("12.5000")


def test_a_clawback_beyond_what_is_available_is_refused_and_nothing_is_written(
    db, redis, make, scenario, fund, sales
):
    program = coop_program(scenario)
    approve(settle(program, scenario, "2025-07"), scenario)
    locked = ledger.lock_fund(fund.id)  # the partner committed 20 of its 25 to an activity
    ledger.post(
        locked, ledger.partner_holder(scenario.goldie.id), "commitment", Decimal(-20), actor=None
    )
    make.sale(scenario.goldie, scenario.switch, "-1100", sold_on=date(2025, 7, 20), currency="USD")
    rerun = settle(program, scenario, "2025-07")
    before = earned(db)
    with pytest.raises(CalcError, match=r"lower GOLDIE's co-op earnings in COOP-EU by 25\.00 EUR"):
        approve(rerun, scenario)
    assert earned(db) == before
    assert ledger.partner_figures(fund, scenario.goldie).available == Decimal("5.0000")


def test_runs_outside_the_funds_dates_and_approvals_after_its_deadline_are_refused(
    db, redis, scenario, sales
):
    earned_fund(scenario, start=date(2025, 8, 1), deadline=date(2026, 1, 31))
    program = coop_program(scenario)
    with pytest.raises(CalcError, match=r"2025-Q3 is not within the dates of fund COOP-EU"):
        settle(program, scenario, "2025-Q3")
    run = settle(program, scenario, "2025-08")
    with pytest.raises(PastDeadline, match="closed on its claim deadline"):
        approve(run, scenario)
    assert earned(db) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (COOP.replace("COOP-EU", "NOPE"), "fund: Unknown MDF fund NOPE."),
        (COOP.replace("COOP-EU", "MDF-EU"), "fund: MDF-EU is not an earned fund"),
        (
            COOP.replace("currency: EUR", "currency: USD"),
            "fund: COOP-EU is in EUR; the program pays in USD.",
        ),
        (COOP.replace("2.5", "250"), "accrual_rate: Must be a percentage from 0 to 100."),
    ],
)
def test_saving_a_coop_program_checks_its_fund_in_the_database(db, scenario, fund, text, message):
    funds.create_fund(
        actor=scenario.finance,
        code="MDF-EU",
        name="Allocated",
        currency="EUR",
        amount=Decimal(1000),
        starts_on=date(2025, 1, 1),
        ends_on=date(2025, 12, 31),
        claim_deadline=date(2099, 1, 1),
    )
    with pytest.raises(SpecError, match=message.replace(".", r"\.")):
        save_program(text.replace("{payee}", "partner"), actor=scenario.finance)
    assert db.session.scalar(select(func.count()).select_from(ProgramVersion)) == 0


def test_an_earned_fund_starts_empty_takes_no_allocation_and_its_money_expires(
    db, redis, scenario, sales
):
    deadline = utcnow().date() + timedelta(days=1)
    fund = earned_fund(scenario, deadline=deadline)
    assert (fund.kind, fund.amount) == ("earned", Decimal(0))
    assert db.session.scalar(select(func.count()).select_from(MdfEntry)) == 0
    with pytest.raises(MdfError, match="starts empty"):
        funds.create_fund(
            actor=scenario.finance,
            code="COOP-3",
            name="x",
            currency="EUR",
            amount=Decimal(5),
            starts_on=date(2025, 1, 1),
            ends_on=date(2025, 2, 1),
            claim_deadline=date(2099, 1, 1),
            earned=True,
        )
    with pytest.raises(MdfError, match="is an earned fund"):
        funds.allocate(
            fund,
            actor=scenario.finance,
            amount=Decimal(1),
            territory=scenario.t["EMEA"],
            on=date(2025, 6, 1),
        )
    run = settle(coop_program(scenario), scenario)
    settlement.approve_run(run, actor=scenario.finance_2)
    outcome = run_expiry(deadline + timedelta(days=1))
    assert outcome.expired == {"COOP-EU": Decimal("35.0000")}
    assert ledger.fund_figures(db.session.get(MdfFund, fund.id)).available == 0


# --- any sequence of runs and approvals against a plain model --------------------------------

Q3_START = date(2025, 7, 1)
FLAT = """
code: COOP-FLAT
name: One per cent co-op
kind: coop
currency: EUR
fund: COOP-EU
accrual_rate: 1
payee: partner
"""
periods = st.tuples(st.integers(0, 91), st.integers(0, 91)).map(
    lambda pair: f"{Q3_START + timedelta(days=min(pair))}..{Q3_START + timedelta(days=max(pair))}"
)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("run"), periods),
        st.tuples(st.just("approve"), st.integers(0, 10)),
    ),
    min_size=1,
    max_size=8,
)
line_days = st.lists(
    st.tuples(st.integers(0, 1), st.integers(0, 91), st.integers(1, 90)), min_size=1, max_size=6
)


@settings(max_examples=15, deadline=None, database=None)
@given(lines=line_days, ops=operations)
def test_any_sequence_of_runs_and_approvals_earns_each_settled_day_once(app, lines, ops):
    """A flat rate on whole hundreds makes earnings additive per day: each partner's earned rows
    must add up to the rate times the revenue of the days that some approved settlement covered,
    whatever the order in which runs were started and approved."""
    with rolled_back_session() as session:
        make = factories.Factory(session)
        scenario = build_scenario(make)
        fund = earned_fund(scenario)
        program, _version, _created = save_program(FLAT, actor=scenario.finance)
        partners = (scenario.goldie, scenario.branch_2)
        revenue: dict[tuple[int, date], int] = {}
        for which, offset, hundreds in lines:
            day = Q3_START + timedelta(days=offset)
            make.sale(partners[which], scenario.switch, str(hundreds * 100), sold_on=day)
            key = (which, day)
            revenue[key] = revenue.get(key, 0) + hundreds * 100
        pending = []
        covered: set[date] = set()
        for op, value in ops:
            if op == "run":
                try:
                    pending.append(settle(program, scenario, value))
                except CalcError:
                    continue
            elif pending:
                run = pending.pop(value % len(pending))
                try:
                    settlement.approve_run(run, actor=scenario.finance_2)
                except CalcError:
                    continue
                covered |= {
                    day for _which, day in revenue if run.period_start <= day <= run.period_end
                }
        for which, partner in enumerate(partners):
            got = session.scalar(
                select(func.coalesce(func.sum(MdfEntry.amount), 0)).where(
                    MdfEntry.partner_id == partner.id, MdfEntry.kind == "earned"
                )
            )
            expected = sum(
                (
                    Decimal(amount) / 100
                    for (w, day), amount in revenue.items()
                    if w == which and day in covered
                ),
                Decimal(0),
            )
            assert Decimal(got) == expected
            assert ledger.partner_figures(fund, partner).available == expected
        # Every earned row names an approved settlement run of the program.
        runs_of_rows = session.execute(
            select(CalcRun.kind, CalcRun.program_id, CalcRun.approved_at).join(
                MdfEntry, MdfEntry.run_id == CalcRun.id
            )
        ).all()
        assert all(
            kind == "settlement" and pid == program.id and at is not None
            for kind, pid, at in runs_of_rows
        )
        assert (
            session.scalar(
                select(func.count()).select_from(MdfEntry).where(MdfEntry.run_id.is_(None))
            )
            == 0
        )
