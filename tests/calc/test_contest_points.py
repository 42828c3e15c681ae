"""Points contests: ranked by loyalty points earned (the ledger's earn entries only), and points
awards posted to the ledger once a settlement is approved — the difference only on a later
settlement, never twice.

Runs on PostgreSQL and, with TEST_DATABASE_URL=sqlite:///…, on SQLite."""

from __future__ import annotations

import os
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask_babel import force_locale
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from portal.calc.contest_position import position
from portal.explain import sentences
from portal.extensions import db
from portal.models import (
    AuditEvent,
    CalcResult,
    CalcRun,
    ContestAward,
    ContestStanding,
    Partner,
    PayoutLine,
    PointsEntry,
    Program,
    utcnow,
)
from portal.programs.describe import describe_spec
from portal.rewards.presenters import ledger_rows
from portal.security import Forbidden
from tests import factories
from tests.calc.conftest import (
    build_scenario,
    execute_inline,
    load_program,
    rolled_back_session,
)
from tests.conftest import csrf_token
from workflows import enqueue
from workflows.calc import contests, runs, settlement
from workflows.calc.errors import CalcError
from workflows.engine import Entry, SpecError, parse_spec, reference_standings
from workflows.rewards import contest_awards, earnings, ledger

CONTEST = """
code: PTS-CUP
name: Points cup
kind: contest
currency: EUR
period: {start: 2025-07-01, end: 2025-09-30}
eligible: {territories: [DACH, FR]}
contest:
  measure: points
  qualify: %(qualify)s
  awards:
    - {from_rank: 1, to_rank: 1, points: 500}
    - {from_rank: 1, to_rank: 2, points: 100}
    - {from_rank: 3, to_rank: 3, amount: 40}
"""
AFTER = date(2025, 10, 2)


def points_contest(scenario, qualify="{top: 2}"):
    return load_program(CONTEST % {"qualify": qualify}, scenario.finance)


@pytest.fixture
def loyalty(db):
    program = Program(code="LOY", name="Partner points", kind="loyalty")
    db.session.add(program)
    db.session.flush()
    return program


def post(partner, kind, points, day, program=None):
    """One ledger entry as the loyalty workflows write it."""
    ledger.lock_partner(partner.id)
    count = db.session.scalar(select(func.count()).select_from(PointsEntry))
    return ledger.post(
        partner.id,
        kind,
        points,
        on=day,
        source=f"test:{kind}:{partner.id}:{day}:{count}",
        program_id=None if program is None else program.id,
        expires_on=date(2099, 1, 1) if points > 0 else None,
    )


@pytest.fixture
def earned(scenario, loyalty):
    """Earned points, and entries of every kind that must not count."""
    s = scenario
    post(s.goldie, "earn", 600, date(2025, 7, 10), loyalty)
    post(s.goldie, "earn", 50, date(2025, 8, 3), loyalty)  # a sale and its return the same
    post(s.goldie, "earn", -50, date(2025, 8, 3), loyalty)  # day: not the day it got there
    post(s.goldie, "hold", -100, date(2025, 8, 5))  # a redemption's hold
    post(s.goldie, "expire", -10, date(2025, 9, 1), loyalty)
    post(s.branch_1, "earn", 400, date(2025, 7, 5), loyalty)
    post(s.branch_1, "earn", 200, date(2025, 7, 20), loyalty)  # 600 too, reached later
    post(s.branch_2, "earn", 999, date(2025, 6, 30), loyalty)  # before the contest
    post(s.branch_2, "earn", 300, date(2025, 7, 5), loyalty)
    post(s.branch_2, "adjust", 5000, date(2025, 7, 6))  # discretionary: not earned
    post(s.branch_2, "award", 10000, date(2025, 7, 8), loyalty)  # another contest's award
    post(s.branch_2, "earn", 700, date(2025, 10, 1), loyalty)  # after it
    post(s.mover, "earn", 250, date(2025, 8, 1), loyalty)  # in DACH then
    post(s.mover, "earn", 1000, date(2025, 9, 1), loyalty)  # moved to the US on 15 August


def standings(run_id: int) -> list[tuple]:
    rows = (
        select(Partner.code, ContestStanding)
        .join(Partner, Partner.id == ContestStanding.payee_id)
        .where(ContestStanding.run_id == run_id)
        .order_by(ContestStanding.group_code, ContestStanding.rank)
    )
    return [
        (code, s.rank, int(s.measure), s.qualified, str(s.gap), s.reached_on)
        for code, s in db.session.execute(rows)
    ]


def run(program, scenario, kind="accrual", day=AFTER, actor=None):
    started = runs.start_run(program, None, kind=kind, actor=actor or scenario.finance, on=day)
    return execute_inline(started.id)


@pytest.mark.parametrize(
    ("qualify", "expected"),
    [
        (
            "{top: 2}",
            [("GOLDIE", 1, True, "0"), ("BRANCH-1", 2, True, "0")]
            + [("BRANCH-2", 3, False, "301"), ("MOVER", 4, False, "351")],
        ),
        (
            "{threshold: 300}",
            [("GOLDIE", 1, True, "0"), ("BRANCH-1", 2, True, "0")]
            + [("BRANCH-2", 3, True, "0"), ("MOVER", 4, False, "50")],
        ),
        (
            "{threshold: 300, top: 3}",
            [("GOLDIE", 1, True, "0"), ("BRANCH-1", 2, True, "0")]
            + [("BRANCH-2", 3, True, "0"), ("MOVER", 4, False, "51")],
        ),
        (
            "{threshold: 700, top: 1}",
            [("GOLDIE", 1, False, "100"), ("BRANCH-1", 2, False, "100")]
            + [("BRANCH-2", 3, False, "400"), ("MOVER", 4, False, "450")],
        ),
    ],
    ids=["top", "threshold", "both", "nobody"],
)
def test_points_earned_rank_by_threshold_top_or_both(
    db, redis, scenario, earned, qualify, expected
):
    result = run(points_contest(scenario, qualify), scenario)
    assert result.status == "done"
    rows = standings(result.id)
    assert [(code, rank, qualified, gap) for code, rank, _m, qualified, gap, _d in rows] == expected
    assert [(code, measure, day) for code, _r, measure, _q, _g, day in rows] == [
        ("GOLDIE", 600, date(2025, 7, 10)),  # 600 on 10 July; 3 August netted to zero
        ("BRANCH-1", 600, date(2025, 7, 20)),  # 600 too, but later: loses the tie
        ("BRANCH-2", 300, date(2025, 7, 5)),  # adjustments and awards do not count
        ("MOVER", 250, date(2025, 8, 1)),  # not eligible once in the US
    ]


def test_the_result_explains_the_points_and_counts_the_entries(app, db, redis, scenario, earned):
    result = run(points_contest(scenario), scenario)
    goldie = db.session.scalar(
        select(CalcResult).where(
            CalcResult.run_id == result.id, CalcResult.payee_id == scenario.goldie.id
        )
    )
    assert (goldie.measure, goldie.amount, goldie.line_count) == (
        Decimal("600"),
        Decimal("0"),
        3,
    )
    with app.test_request_context("/"), force_locale("en"):
        said = sentences(goldie.explanation, "EUR")
    assert said == [
        "Loyalty points earned in the period, returns deducted: 600 points (adjustments, contest "
        "awards, redemptions and expiries do not count).",
        "Contest measure: 600 points; the standings rank it against the others.",
    ]


def test_points_earned_through_a_loyalty_program_are_the_measure(db, redis, make, scenario):
    loyalty = load_program(
        "code: LOY\nname: Partner points\nkind: loyalty\ncurrency: EUR\n"
        "period: {start: 2025-07-01, end: 2025-09-30}\npoints_per_unit: 0.5\n"
        "expires_after_days: 365\n",
        scenario.finance,
    )
    make.sale(scenario.goldie, scenario.switch, "1100", sold_on=date(2025, 7, 10), currency="USD")
    make.sale(scenario.branch_2, scenario.licence, "300", sold_on=date(2025, 7, 12))
    make.sale(scenario.branch_2, scenario.licence, "-100", sold_on=date(2025, 8, 12))
    earnings.post_earnings(loyalty, loyalty_period(), actor=scenario.finance)
    result = run(points_contest(scenario, "{threshold: 1}"), scenario)
    assert [(code, measure, day) for code, _r, measure, _q, _g, day in standings(result.id)] == [
        ("GOLDIE", 500, date(2025, 7, 10)),  # 1,100 USD at 1.10: 1,000 EUR, half a point each
        ("BRANCH-2", 100, date(2025, 8, 12)),  # 150 earned, 50 returned
    ]


def loyalty_period():
    from workflows.engine import Period

    return Period(date(2025, 7, 1), date(2025, 9, 30))


def test_entries_posted_after_a_run_started_are_not_in_it(db, redis, scenario, earned, loyalty):
    program = points_contest(scenario)
    started = runs.start_run(program, None, actor=scenario.finance, on=AFTER)
    late = post(scenario.mover, "earn", 5000, date(2025, 8, 2), loyalty)
    late.created_at = started.created_at + timedelta(seconds=1)
    db.session.flush()
    result = execute_inline(started.id)
    assert ("MOVER", 250) in [(code, measure) for code, _r, measure, *_ in standings(result.id)]


def test_a_points_contest_names_no_product_or_deal():
    text = CONTEST % {"qualify": "{top: 2}"}
    with pytest.raises(SpecError) as refused:
        parse_spec(text.replace("[DACH, FR]}", "[DACH, FR], categories: [HW]}"))
    assert [p.path for p in refused.value.problems] == ["eligible.categories"]
    with pytest.raises(SpecError):
        parse_spec(text.replace("[DACH, FR]}", "[DACH, FR], registered_deals_only: true}"))


def test_the_program_page_and_the_position_speak_of_points(app, db, redis, scenario, earned):
    program = points_contest(scenario)
    with app.test_request_context("/"), force_locale("en"):
        lines = describe_spec(parse_spec(CONTEST % {"qualify": "{top: 2}"}))
    assert (
        "Ranked by loyalty points earned in the period; returns reduce them, and adjustments, "
        "awards, redemptions and expiries do not count."
    ) in lines
    run(program, scenario, day=date(2025, 9, 30))
    with app.test_request_context("/"), force_locale("en"):
        got = position(program, scenario.branch_2, scenario.finance, today=date(2025, 9, 30))
    assert (got.measure, got.gap) == ("300 points", Decimal("301"))
    assert got.above.measure == "600 points"
    assert got.gap_sentence == "Earn 301 points more by Sep 30, 2025 to reach rank 2 as of today."
    assert got.awards_now == []


# --- the SQL path ranks exactly like the reference ---------------------------------------------

PROPERTY = settings(
    max_examples=int(os.environ.get("CALC_EXAMPLES", "20")), deadline=None, database=None
)
BARE = """
code: BARE-PTS
name: Bare points contest
kind: contest
currency: EUR
period: 2025-Q3
contest: {measure: points, qualify: {threshold: 100, top: 2}}
"""
CODES = ("A", "B", "a", "AB", "A-1", "Z9")
DAYS = (date(2025, 6, 30), date(2025, 7, 1), date(2025, 7, 2), date(2025, 9, 30))
entries_of = st.lists(
    st.tuples(
        st.sampled_from(("earn", "earn", "earn", "adjust", "award", "expire")),
        st.integers(min_value=-300, max_value=300).filter(bool),
        st.sampled_from(DAYS),
    ),
    max_size=5,
)


@PROPERTY
@given(st.data())
def test_the_sql_points_path_equals_the_reference(app, data):
    ledgers = {
        code: data.draw(entries_of)
        for code in data.draw(st.lists(st.sampled_from(CODES), min_size=1, unique=True))
    }
    expected = []
    for code, entries in ledgers.items():
        counted = [(p, d) for kind, p, d in entries if kind == "earn" and d >= DAYS[1]]
        if not counted:
            continue  # no counted entry: no place in the standings
        per_day: dict[date, int] = {}
        for points, day in counted:
            per_day[day] = per_day.get(day, 0) + points
        changed = [day for day, total in per_day.items() if total]
        expected.append(
            Entry(code, Decimal(sum(p for p, _d in counted)), max(changed, default=None))
        )
    rules = parse_spec(BARE).contest
    want = [
        (s.code, s.rank, s.measure, s.qualified, s.gap, s.reached_on)
        for s in reference_standings(rules, "EUR", expected)
    ]
    with rolled_back_session() as session:
        make = factories.Factory(session)
        world = make.tree({"W": None})
        finance = make.user("finance")
        program = load_program(BARE, finance)
        for code, entries in ledgers.items():
            partner = make.partner(code, world["W"])
            for index, (kind, points, day) in enumerate(entries):
                session.add(
                    PointsEntry(
                        partner_id=partner.id,
                        kind=kind,
                        points=points,
                        occurred_on=day,
                        source=f"p:{code}:{index}",
                        created_at=utcnow() - timedelta(minutes=1),
                    )
                )
        session.flush()
        started = runs.start_run(program, None, actor=finance, on=AFTER)
        execute_inline(started.id)
        got = [
            (code, s.rank, s.measure, s.qualified, s.gap, s.reached_on)
            for code, s in session.execute(
                select(Partner.code, ContestStanding)
                .join(Partner, Partner.id == ContestStanding.payee_id)
                .where(ContestStanding.run_id == started.id)
                .order_by(ContestStanding.rank)
            )
        ]
    assert got == want


# --- points awards on the ledger ------------------------------------------------------------


def award_entries(program) -> list[tuple[str, int, int]]:
    """(partner code, points, settlement run) of the contest's award entries, by run then code."""
    rows = db.session.execute(
        select(Partner.code, PointsEntry)
        .join(Partner, Partner.id == PointsEntry.partner_id)
        .where(PointsEntry.program_id == program.id, PointsEntry.kind == "award")
    )
    return sorted(
        ((code, e.points, contest_awards.run_of(e)) for code, e in rows), key=lambda r: (r[2], r[0])
    )


def settle(program, scenario):
    return run(program, scenario, kind="settlement")


def test_approving_a_settlement_posts_its_points_awards_once(app, db, redis, scenario, earned):
    program = points_contest(scenario, "{threshold: 300, top: 3}")
    settled = settle(program, scenario)
    awards = db.session.execute(
        select(Partner.code, ContestAward.rank, ContestAward.kind, ContestAward.points)
        .join(Partner, Partner.id == ContestAward.payee_id)
        .where(ContestAward.run_id == settled.id)
        .order_by(ContestAward.rank, ContestAward.id)
    ).all()
    assert [tuple(a) for a in awards] == [
        ("GOLDIE", 1, "points", 500),
        ("GOLDIE", 1, "points", 100),
        ("BRANCH-1", 2, "points", 100),
        ("BRANCH-2", 3, "amount", None),
    ]
    assert award_entries(program) == []  # nothing before the approval
    with pytest.raises(Forbidden):  # maker–checker: never the one who started the run
        settlement.approve_run(settled, actor=scenario.finance)
    before = ledger.balance(scenario.goldie.id, date.today()).available
    lines = settlement.approve_run(settled, actor=scenario.finance_2)
    assert [(line["payee_id"], line["amount"]) for line in lines] == [
        (scenario.branch_2.id, Decimal("40.0000"))
    ]
    assert award_entries(program) == [("BRANCH-1", 100, settled.id), ("GOLDIE", 600, settled.id)]
    assert ledger.balance(scenario.goldie.id, date.today()).available == before + 600
    goldie = db.session.scalar(
        select(PointsEntry).where(
            PointsEntry.program_id == program.id, PointsEntry.partner_id == scenario.goldie.id
        )
    )
    assert (goldie.occurred_on, goldie.expires_on) == (
        utcnow().date(),
        utcnow().date() + contest_awards.AWARD_EXPIRY,
    )
    assert goldie.created_by_id == scenario.finance_2.id
    approved = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "calc.run.approve"))
    assert (approved.after["points_entries"], approved.after["points_total"]) == (2, 700)
    posted = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "contest.points.post"))
    assert posted.after == {"program": "PTS-CUP", "entries": 2, "points": 700, "partners": 2}
    # Approving again is refused and posts nothing.
    with pytest.raises(CalcError, match="already approved"):
        settlement.approve_run(settled, actor=scenario.finance_2)
    assert len(award_entries(program)) == 2
    # The partner's statement says which contest and rank the points came from.
    with app.test_request_context("/"), force_locale("en"):
        rows = ledger_rows([goldie])
    assert rows[0].description == "Contest award: Points cup, final rank 1"
    assert rows[0].points == 600


def test_a_retried_approval_posts_once(db, redis, scenario, earned, monkeypatch):
    program = points_contest(scenario)
    settled = settle(program, scenario)
    real = settlement.APPROVAL_STEPS[contests.POINTS_STEP]

    def fails_after_posting(run, actor):
        real(run, actor)
        raise RuntimeError("the connection dropped")

    monkeypatch.setitem(settlement.APPROVAL_STEPS, contests.POINTS_STEP, fails_after_posting)
    with pytest.raises(RuntimeError):
        with db.session.begin_nested():
            settlement.approve_run(settled, actor=scenario.finance_2)
    db.session.expire_all()
    assert award_entries(program) == [] and settled.approved_at is None
    monkeypatch.setitem(settlement.APPROVAL_STEPS, contests.POINTS_STEP, real)
    settlement.approve_run(settled, actor=scenario.finance_2)
    assert award_entries(program) == [("BRANCH-1", 100, settled.id), ("GOLDIE", 600, settled.id)]


def test_a_later_settlement_posts_only_the_difference(app, db, redis, scenario, earned, loyalty):
    program = points_contest(scenario)
    first = settle(program, scenario)
    settlement.approve_run(first, actor=scenario.finance_2)
    # Corrected earnings: BRANCH-2 overtakes both; GOLDIE falls to third.
    post(scenario.branch_2, "earn", 700, date(2025, 9, 2), loyalty)
    post(scenario.goldie, "earn", -200, date(2025, 9, 3), loyalty)
    again = settle(program, scenario)
    assert [(c, r) for c, r, *_ in standings(again.id)][:3] == [
        ("BRANCH-2", 1),
        ("BRANCH-1", 2),
        ("GOLDIE", 3),
    ]
    # The superseded settlement cannot be approved after the later one, nor twice.
    settlement.approve_run(again, actor=scenario.finance_2)
    assert award_entries(program) == [
        ("BRANCH-1", 100, first.id),
        ("GOLDIE", 600, first.id),
        ("BRANCH-2", 600, again.id),  # BRANCH-1 keeps its 100: nothing to post
        ("GOLDIE", -600, again.id),  # no longer won: taken back
    ]
    net = dict(
        db.session.execute(
            select(PointsEntry.partner_id, func.sum(PointsEntry.points))
            .where(PointsEntry.program_id == program.id, PointsEntry.kind == "award")
            .group_by(PointsEntry.partner_id)
        ).all()
    )
    assert net == {scenario.goldie.id: 0, scenario.branch_1.id: 100, scenario.branch_2.id: 600}
    taken_back = db.session.scalars(
        select(PointsEntry)
        .where(PointsEntry.program_id == program.id, PointsEntry.kind == "award")
        .order_by(PointsEntry.id)
    ).all()
    with app.test_request_context("/"), force_locale("en"):
        said = [row.description for row in ledger_rows(taken_back)]
    assert said == [
        "Contest award: Points cup, final rank 2",  # BRANCH-1
        "Contest award: Points cup, final rank 1",  # GOLDIE
        "Contest award: Points cup, final rank 1",  # BRANCH-2, now first
        "Contest award withdrawn: Points cup was settled again",  # GOLDIE, now third
    ]
    with pytest.raises(CalcError, match="already approved"):
        settlement.approve_run(first, actor=scenario.finance_2)
    # No money award moved: the payout lines are untouched by points.
    assert db.session.scalar(select(func.count()).select_from(PayoutLine)) == 0


def test_an_older_settlement_approved_after_a_newer_one_is_refused(db, redis, scenario, earned):
    program = points_contest(scenario)
    older = settle(program, scenario)
    newer = settle(program, scenario)
    settlement.approve_run(newer, actor=scenario.finance_2)
    with pytest.raises(CalcError, match="later settlement"):
        settlement.approve_run(older, actor=scenario.finance_2)
    assert [run_id for _c, _p, run_id in award_entries(program)] == [newer.id, newer.id]


def test_a_partner_without_loyalty_history_gets_its_points(db, redis, make, scenario):
    """Every partner has a ledger (balances are sums of entries, there is no account to open):
    a revenue contest's points award to a partner that never earned a point is its first entry."""
    text = (
        (CONTEST % {"qualify": "{top: 1}"})
        .replace("code: PTS-CUP", "code: REV-CUP")
        .replace("measure: points", "measure: revenue")
    )
    program = load_program(text, scenario.finance)
    make.sale(scenario.branch_2, scenario.switch, "300", sold_on=date(2025, 7, 5))
    assert db.session.scalar(select(func.count()).select_from(PointsEntry)) == 0
    settled = settle(program, scenario)
    settlement.approve_run(settled, actor=scenario.finance_2)
    assert award_entries(program) == [("BRANCH-2", 600, settled.id)]
    assert ledger.balance(scenario.branch_2.id, utcnow().date()).available == 600


def test_an_approval_without_the_ledger_step_is_refused(db, redis, scenario, earned, monkeypatch):
    program = points_contest(scenario)
    settled = settle(program, scenario)
    monkeypatch.delitem(settlement.APPROVAL_STEPS, contests.POINTS_STEP)
    with pytest.raises(CalcError, match="nothing posts its points awards"):
        settlement.approve_run(settled, actor=scenario.finance_2)
    assert settled.approved_at is None and award_entries(program) == []
    assert db.session.scalar(select(func.count()).select_from(PayoutLine)) == 0


# --- the command line and the API -------------------------------------------------------------


def test_the_command_prints_whole_point_gaps(app, db, redis, scenario, earned):
    points_contest(scenario, "{top: 2}")
    run(db.session.scalar(select(Program).where(Program.code == "PTS-CUP")), scenario)
    result = app.test_cli_runner().invoke(
        args=["contests", "standings", "PTS-CUP"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "partner_code,rank,measure,qualified,gap\n"
        "GOLDIE,1,600,true,0\n"
        "BRANCH-1,2,600,true,0\n"
        "BRANCH-2,3,300,false,301\n"
        "MOVER,4,250,false,351\n"
    )


# --- through real workers -----------------------------------------------------------------------


@pytest.mark.worker
def test_a_settlement_by_a_real_worker_posts_its_points_on_approval(
    committed_db, make_committed, redis, worker
):
    scenario = build_scenario(make_committed)
    session = committed_db.session
    loyalty = Program(code="LOY", name="Partner points", kind="loyalty")
    session.add(loyalty)
    session.flush()
    post(scenario.goldie, "earn", 600, date(2025, 7, 10), loyalty)
    post(scenario.branch_2, "earn", 300, date(2025, 7, 5), loyalty)
    program = points_contest(scenario)
    started = runs.start_run(program, None, kind="settlement", actor=scenario.finance, on=AFTER)
    run_id, shards = started.id, started.shards_total
    session.commit()
    enqueue.calc_run(run_id, shards)
    done = worker()
    assert done.returncode == 0, done.stderr
    session.rollback()
    settled = session.get(CalcRun, run_id)
    assert settled.status == "done"
    settlement.approve_run(settled, actor=scenario.finance_2)
    session.commit()
    assert award_entries(program) == [("BRANCH-2", 100, run_id), ("GOLDIE", 600, run_id)]


# --- pages ------------------------------------------------------------------------------------


def test_the_result_lists_the_entries_and_the_partner_sees_its_award(
    db, redis, login, make, scenario, earned
):
    program = points_contest(scenario)
    settled = settle(program, scenario)
    settlement.approve_run(settled, actor=scenario.finance_2)
    goldie = db.session.scalar(
        select(CalcResult).where(
            CalcResult.run_id == settled.id, CalcResult.payee_id == scenario.goldie.id
        )
    )
    user = make.user("partner_user", partner=scenario.goldie, email="gil@example.com")
    db.session.commit()
    client = login(scenario.finance)
    html = client.get(f"/calc/results/{goldie.id}").get_data(as_text=True)
    assert "Loyalty points that counted" in html and "Sales lines that counted" not in html
    assert html.count("Partner points") == 3 and "600 points" in html
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})
    login(user)
    assert "Contest award: Points cup, final rank 1" in client.get("/points/").get_data(
        as_text=True
    )
    only = client.get("/points/?kind=award").get_data(as_text=True)
    assert "Contest award: Points cup" in only and "Earned in" not in only


@pytest.mark.postgres
def test_two_approvals_at_once_post_once(app, committed_db, make_committed, redis):
    """A double-clicked approve of a points contest's settlement: one approval, one posting."""
    import threading

    from portal.models import User

    scenario = build_scenario(make_committed)
    session = committed_db.session
    loyalty = Program(code="LOY", name="Partner points", kind="loyalty")
    session.add(loyalty)
    session.flush()
    post(scenario.goldie, "earn", 600, date(2025, 7, 10), loyalty)
    program = points_contest(scenario)
    run_id = settle(program, scenario).id
    checker_id = scenario.finance_2.id
    session.commit()
    barrier, outcomes = threading.Barrier(2), []

    def approve() -> None:
        with app.app_context():
            own = committed_db.session
            try:
                run, checker = own.get(CalcRun, run_id), own.get(User, checker_id)
                barrier.wait(timeout=30)
                settlement.approve_run(run, actor=checker)
                own.commit()
                outcomes.append("approved")
            except CalcError as exc:
                own.rollback()
                outcomes.append(exc.template)
            finally:
                own.remove()

    threads = [threading.Thread(target=approve, daemon=True) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    session.rollback()
    assert sorted(outcomes) == ["This run is already approved.", "approved"], outcomes
    assert award_entries(program) == [("GOLDIE", 600, run_id)]


def test_the_approve_command_and_page_say_what_was_posted(
    app, db, redis, login, client, scenario, earned
):
    program = points_contest(scenario)
    settled = settle(program, scenario)
    db.session.commit()
    result = app.test_cli_runner().invoke(
        args=["calc", "approve", str(settled.id), "--as", scenario.finance_2.email],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == (
        f"approved run_id={settled.id} payout_lines=0 points_entries=2 points=700"
    )
    assert award_entries(program) == [("BRANCH-1", 100, settled.id), ("GOLDIE", 600, settled.id)]


def test_the_approve_button_says_what_was_posted(db, redis, login, scenario, earned):
    program = points_contest(scenario)
    settled = settle(program, scenario)
    db.session.commit()
    client = login(scenario.finance_2)
    path = f"/calc/runs/{settled.id}"
    response = client.post(
        f"{path}/approve", data={"csrf_token": csrf_token(client, path)}, follow_redirects=True
    )
    html = response.get_data(as_text=True)
    assert "Approved: 0 payout lines written." in html
    assert "Contest awards: 700 points posted to the partners&#39; points ledgers." in html


def test_comparing_two_runs_counts_the_ledger_entries_added_not_sales_lines(
    db, redis, login, make, scenario, earned, loyalty
):
    from tests.calc.test_presentation import visible_text

    program = points_contest(scenario)
    first = run(program, scenario)
    post(scenario.goldie, "earn", 120, date(2025, 8, 10), loyalty)
    post(scenario.branch_2, "earn", -100, date(2025, 8, 11), loyalty)  # a return
    post(scenario.branch_1, "adjust", 900, date(2025, 8, 12))  # not what the contest counts
    for day in (date(2025, 8, 10), date(2025, 8, 11), date(2025, 8, 12)):
        make.sale(scenario.goldie, scenario.switch, "500", sold_on=day)  # counted by no points
    make.sale(scenario.branch_1, scenario.switch, "500", sold_on=date(2025, 8, 10))
    second = run(program, scenario)
    db.session.commit()
    assert second.line_watermark > first.line_watermark
    text = visible_text(login(scenario.finance).get(f"/calc/runs/{second.id}/compare"))
    assert "GOLDIE · GOLDIE Ltd €0.00 €0.00 €0.00 1 ledger entry added" in text
    assert "BRANCH-2 · BRANCH-2 Ltd €0.00 €0.00 €0.00 1 ledger entry added" in text
    assert "BRANCH-1" not in text  # its measure did not move: an adjustment and a sale only
    assert "line added" not in text and "lines added" not in text
