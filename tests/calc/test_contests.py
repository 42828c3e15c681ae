"""Contest programs on the real path: runs measure like any program and store standings per run,
ranked by one SQL window that must rank exactly like the plain reference.

Runs on PostgreSQL and, with TEST_DATABASE_URL=sqlite:///…, on SQLite: the same ranks."""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal

import pytest
from flask_babel import force_locale
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from portal.calc.contest_position import NotRanked, position
from portal.explain import sentences
from portal.extensions import db
from portal.models import AuditEvent, CalcResult, CalcRun, ContestAward, ContestStanding, Partner
from portal.programs.describe import describe_spec
from tests import factories
from tests.calc.conftest import execute_inline, load_program, rolled_back_session
from workflows.calc import contests, runs, settlement
from workflows.calc.contest_jobs import due_contests, rank_open_contests
from workflows.calc.errors import CalcError
from workflows.engine import Entry, Period, parse_period, parse_spec, reference_ranks

CONTEST = """
code: CUP-Q3
name: Summer cup
kind: contest
currency: EUR
period: {start: 2025-07-01, end: 2025-09-30}
eligible: {territories: [DACH, FR], categories: [HW]}
contest:
  measure: {measure}
  qualify: {qualify}
  {group}
  awards:
    - {from_rank: 1, to_rank: 1, trip: {seats: 2, cost_per_seat: 4800}}
"""

AFTER = date(2025, 10, 2)


def contest(scenario, measure="revenue", qualify="{top: 2}", group=""):
    text = CONTEST.replace("{measure}", measure).replace("{qualify}", qualify)
    return load_program(text.replace("{group}", group), scenario.finance)


def run_as_of(program, scenario, day=AFTER, period=None):
    run = runs.start_run(program, period, actor=scenario.finance, on=day)
    return execute_inline(run.id)


def standings(run_id: int) -> list[tuple]:
    rows = (
        select(Partner.code, ContestStanding)
        .join(Partner, Partner.id == ContestStanding.payee_id)
        .where(ContestStanding.run_id == run_id)
        .order_by(ContestStanding.group_code, ContestStanding.rank)
    )
    return [
        (s.group_code, code, s.rank, str(s.measure), s.qualified, str(s.gap), s.reached_on)
        for code, s in db.session.execute(rows)
    ]


@pytest.fixture
def sales(make, scenario):
    # GOLDIE (DACH): 1,100 USD at 1.10 is 1,000 EUR; a return later nets a day to zero.
    make.sale(scenario.goldie, scenario.switch, "1100", sold_on=date(2025, 7, 10), currency="USD")
    make.sale(scenario.goldie, scenario.switch, "50", sold_on=date(2025, 8, 3))
    make.sale(scenario.goldie, scenario.switch, "-50", sold_on=date(2025, 8, 3))
    # BRANCH-1 (DE-S, under DACH) reaches 1,000 EUR later: equal measure, loses the tie.
    make.sale(scenario.branch_1, scenario.switch, "1000", sold_on=date(2025, 7, 20))
    # BRANCH-2 (FR): 300 EUR. Software is never eligible.
    make.sale(scenario.branch_2, scenario.switch, "300", sold_on=date(2025, 7, 5))
    make.sale(scenario.branch_2, scenario.licence, "9000", sold_on=date(2025, 7, 5))
    # MOVER sold in DACH before moving to the US on 15 August.
    make.sale(scenario.mover, scenario.switch, "200", sold_on=date(2025, 8, 1))


def test_a_run_ranks_by_measure_then_the_earlier_day_and_gives_the_gap(db, redis, scenario, sales):
    run = run_as_of(contest(scenario), scenario)
    assert run.status == "done" and (run.period_start, run.period_end) == (
        date(2025, 7, 1),
        date(2025, 9, 30),
    )
    assert standings(run.id) == [
        ("", "GOLDIE", 1, "1000.0000000000", True, "0", date(2025, 7, 10)),
        ("", "BRANCH-1", 2, "1000.0000000000", True, "0", date(2025, 7, 20)),
        ("", "BRANCH-2", 3, "300.0000000000", False, "700.01", date(2025, 7, 5)),
        ("", "MOVER", 4, "200.0000000000", False, "800.01", date(2025, 8, 1)),
    ]


def test_threshold_and_top_together(db, redis, scenario, sales):
    run = run_as_of(contest(scenario, qualify="{threshold: 250, top: 3}"), scenario)
    got = {
        code: (rank, qualified, gap) for _g, code, rank, _m, qualified, gap, _d in standings(run.id)
    }
    assert got == {
        "GOLDIE": (1, True, "0"),
        "BRANCH-1": (2, True, "0"),
        "BRANCH-2": (3, True, "0"),
        "MOVER": (4, False, "100.01"),
    }


def test_groups_per_territory_use_the_territory_on_the_last_day(db, redis, scenario, sales):
    program = contest(scenario, qualify="{top: 1}", group="group_by: territory")
    run = run_as_of(program, scenario)
    rows = standings(run.id)
    got = [(group, code, rank, qualified) for group, code, rank, _m, qualified, *_ in rows]
    # MOVER is in the US on 30 September: outside both groups, ranked in the group of none.
    assert got == [
        ("", "MOVER", 1, True),
        ("DACH", "GOLDIE", 1, True),
        ("DACH", "BRANCH-1", 2, False),
        ("FR", "BRANCH-2", 1, True),
    ]


def test_groups_per_tier(db, redis, scenario, sales):
    program = contest(scenario, qualify="{top: 1}", group="group_by: tier")
    got = [(g, code, rank) for g, code, rank, *_ in standings(run_as_of(program, scenario).id)]
    # GOLDIE was demoted to silver on 1 August.
    assert got == [
        ("gold", "MOVER", 1),
        ("silver", "GOLDIE", 1),
        ("silver", "BRANCH-1", 2),
        ("silver", "BRANCH-2", 3),
    ]


def test_growth_compares_with_the_previous_equal_period(db, redis, make, scenario, sales):
    make.sale(scenario.goldie, scenario.switch, "400", sold_on=date(2025, 6, 30))
    make.sale(scenario.branch_2, scenario.switch, "900", sold_on=date(2025, 4, 1))
    run = run_as_of(contest(scenario, measure="growth", qualify="{threshold: 700}"), scenario)
    got = {code: (measure, qualified) for _g, code, _r, measure, qualified, *_ in standings(run.id)}
    assert got["GOLDIE"] == ("600.0000000000", False)
    assert got["BRANCH-1"] == ("1000.0000000000", True)
    assert got["BRANCH-2"] == ("0E-10", False)  # declined: never below zero


def test_a_run_while_the_contest_is_open_measures_up_to_today(db, redis, make, scenario, sales):
    make.sale(scenario.branch_2, scenario.switch, "5000", sold_on=date(2025, 8, 20))
    run = run_as_of(contest(scenario), scenario, day=date(2025, 8, 10))
    assert run.period_end == date(2025, 8, 10)
    assert [code for _g, code, *_ in standings(run.id)][:2] == ["GOLDIE", "BRANCH-1"]
    assert contests.latest_run(run.program_id).id == run.id
    assert contests.latest_run(run.program_id, date(2025, 8, 9)) is None


def test_contest_runs_refuse_periods_outside_the_contest(db, redis, scenario):
    program = contest(scenario)
    with pytest.raises(CalcError, match="covers days from"):
        runs.start_run(program, parse_period("2025-08"), actor=scenario.finance, on=AFTER)
    with pytest.raises(CalcError, match="covers the whole contest"):
        runs.start_run(
            program,
            Period(date(2025, 7, 1), date(2025, 8, 31)),
            kind="settlement",
            actor=scenario.finance,
            on=AFTER,
        )
    with pytest.raises(CalcError, match="has ended"):
        runs.start_run(
            program,
            None,
            kind="settlement",
            actor=scenario.finance,
            on=AFTER.replace(day=1, month=9),
        )
    points = load_program(
        CONTEST.replace("{measure}", "revenue")
        .replace("{qualify}", "{top: 2}")
        .replace("{group}", "")
        .replace("code: CUP-Q3", "code: CUP-PTS")
        .replace("trip: {seats: 2, cost_per_seat: 4800}", "points: 500"),
        scenario.finance,
    )
    # Points awards settle like any award: posted to the ledger once the run is approved.
    settled = runs.start_run(points, None, kind="settlement", actor=scenario.finance, on=AFTER)
    assert settled.kind == "settlement"


AWARDS = """
  awards:
    - {from_rank: 1, to_rank: 1, trip: {seats: 2, cost_per_seat: "4800.50"}}
    - {from_rank: 1, to_rank: 2, amount: "250.25"}
    - {from_rank: 2, to_rank: 3, partner_tiers: [silver], amount: 100}
"""


def test_a_settlement_freezes_the_standings_and_creates_the_awards(app, db, redis, scenario, sales):
    text = CONTEST.replace("{measure}", "revenue").replace("{qualify}", "{threshold: 250, top: 3}")
    text = text.split("  awards:")[0].replace("{group}", "") + AWARDS.lstrip("\n")
    program = load_program(text, scenario.finance)
    run = execute_inline(
        runs.start_run(program, None, kind="settlement", actor=scenario.finance, on=AFTER).id
    )
    assert (run.kind, run.status, run.total_amount) == ("settlement", "done", Decimal("700.50"))
    awards = db.session.execute(
        select(Partner.code, ContestAward)
        .join(Partner, Partner.id == ContestAward.payee_id)
        .where(ContestAward.run_id == run.id)
        .order_by(ContestAward.rank, ContestAward.id)
    ).all()
    assert [(code, a.rank, a.kind, a.seats, str(a.cost), a.amount) for code, a in awards] == [
        ("GOLDIE", 1, "trip", 2, "9601.0000", None),
        ("GOLDIE", 1, "amount", None, "250.2500", Decimal("250.2500")),
        ("BRANCH-1", 2, "amount", None, "250.2500", Decimal("250.2500")),
        ("BRANCH-1", 2, "amount", None, "100.0000", Decimal("100.0000")),  # silver on 30 Sep
        ("BRANCH-2", 3, "amount", None, "100.0000", Decimal("100.0000")),
    ]
    results = {
        code: (str(result.amount), result.explanation[-1]["template"])
        for code, result in db.session.execute(
            select(Partner.code, CalcResult)
            .join(Partner, Partner.id == CalcResult.payee_id)
            .where(CalcResult.run_id == run.id)
        )
    }
    assert results["GOLDIE"][0] == "250.2500" and results["MOVER"][0] == "0.0000"
    assert results["BRANCH-1"][1].startswith("Final rank %(rank)s: an award of")
    goldie = db.session.scalar(
        select(CalcResult).where(
            CalcResult.run_id == run.id, CalcResult.payee_id == scenario.goldie.id
        )
    )
    with app.test_request_context("/"), force_locale("en"):
        said = sentences(goldie.explanation, "EUR")
    assert said[-2:] == [
        "Final rank 1: trip seats: 2, at 4,800.50 EUR each (a cost of the program, not paid out).",
        "Final rank 1: an award of 250.25 EUR.",
    ]
    lines = settlement.approve_run(run, actor=scenario.finance_2)
    assert sorted((line["payee_id"], str(line["amount"])) for line in lines) == sorted(
        [
            (scenario.goldie.id, "250.2500"),
            (scenario.branch_1.id, "350.2500"),
            (scenario.branch_2.id, "100.0000"),
        ]
    )


# --- the SQL ranking equals the reference ranking ------------------------------------------

BARE = """
code: BARE
name: Bare contest
kind: contest
currency: EUR
period: 2025-Q3
contest: {measure: revenue, qualify: {top: 1}}
"""
PROPERTY = settings(
    max_examples=int(os.environ.get("CALC_EXAMPLES", "30")), deadline=None, database=None
)
CODES = ("A", "B", "a", "AB", "A-1", "A_1", "Z9", "b.2", "ZZ")
measures = st.one_of(
    st.sampled_from((Decimal(0), Decimal("100.5"), Decimal("-3"), Decimal("100.5000000001"))),
    st.decimals(min_value=-(10**9), max_value=10**11, places=10, allow_nan=False),
)
days = st.one_of(
    st.none(), st.sampled_from((date(2025, 7, 1), date(2025, 7, 2), date(2025, 9, 30)))
)


@PROPERTY
@given(st.data())
def test_sql_ranks_equal_the_reference_ranks(app, data):
    codes = data.draw(
        st.lists(st.sampled_from(CODES), min_size=1, max_size=len(CODES), unique=True)
    )
    entries = [
        Entry(
            code,
            data.draw(measures),
            data.draw(days),
            data.draw(st.sampled_from(("", "EMEA", "AMER"))),
        )
        for code in codes
    ]
    with rolled_back_session() as session:
        make = factories.Factory(session)
        scenario_world = make.tree({"W": None})
        finance = make.user("finance")
        program = load_program(BARE, finance)
        run = runs.start_run(program, None, actor=finance, on=AFTER)
        ids = {}
        for entry in entries:
            partner = make.partner(entry.code, scenario_world["W"])
            whole, part = contests.measure_parts(entry.measure)
            row = ContestStanding(
                run_id=run.id,
                payee_id=partner.id,
                group_code=entry.group,
                measure=entry.measure,
                measure_whole=whole,
                measure_part=part,
                reached_on=entry.reached_on,
                qualified=False,
            )
            session.add(row)
            session.flush()
            ids[row.id] = entry.code
        got = {ids[i]: rank for i, rank in contests.rank_in_sql(run.id).items()}
    assert got == {code: rank for code, (_group, rank) in reference_ranks(entries).items()}


# --- portal contests standings ----------------------------------------------------------------


@pytest.fixture
def cli(app, db, redis):
    runner = app.test_cli_runner()

    def invoke(*args: str):
        return runner.invoke(args=list(args), catch_exceptions=False)

    return invoke


def test_the_command_prints_the_standings_as_csv(db, cli, make, scenario, sales):
    run_as_of(contest(scenario, qualify="{threshold: 250, top: 3}"), scenario)
    result = cli("contests", "standings", "CUP-Q3", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "partner_code,rank,measure,qualified,gap\n"
        "GOLDIE,1,1000,true,0\n"
        "BRANCH-1,2,1000,true,0\n"
        "BRANCH-2,3,300,true,0\n"
        "MOVER,4,200,false,100.01\n"
    )
    exported = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "contest.standings.export")
    ).all()
    assert [event.after for event in exported] == [{"rows": 4}]
    same = cli("contests", "standings", "CUP-Q3", "--as-of", "2025-09-30")
    assert same.stdout == result.stdout
    # A partner user sees its own line; a manager those of its territories.
    partner = make.user("partner_user", partner=scenario.branch_2, email="pia@example.com")
    own = cli("contests", "standings", "CUP-Q3", "--as", partner.email)
    assert own.stdout.splitlines()[1:] == ["BRANCH-2,3,300,true,0"]
    manager = make.user("channel_manager", territories=[scenario.t["FR"]], email="max@example.com")
    board = cli("contests", "standings", "CUP-Q3", "--as", manager.email)
    assert board.stdout.splitlines()[1:] == ["BRANCH-2,3,300,true,0"]


def test_the_command_refuses_clearly(db, cli, scenario, sales):
    # A refusal rolls the session back (the test's rows too): one per test, last.
    run_as_of(contest(scenario), scenario)
    assert cli("contests", "standings", "CUP-Q3", "--as-of", "31/12/2025").exit_code == 2
    assert cli("contests", "standings", "CUP-Q3", "--format", "xml").exit_code == 2
    missing = cli("contests", "standings", "CUP-Q3", "--as-of", "2025-08-01")
    assert missing.exit_code == 1
    assert "no standings as of 2025-08-01: start a run for 2025-07-01 to 2025-08-01" in (
        missing.stderr
    )


def test_the_command_refuses_a_contest_without_runs_and_unknown_codes(db, cli, scenario):
    contest(scenario)
    assert "no program with code NOPE" in cli("contests", "standings", "NOPE").stderr
    none_yet = cli("contests", "standings", "CUP-Q3")
    assert none_yet.exit_code == 1 and "has no standings yet" in none_yet.stderr


# --- a partner's position, explained ------------------------------------------------------------


def _position(app, program, partner, actor, lang="en", **kwargs):
    with app.test_request_context("/"), force_locale(lang):
        return position(program, partner, actor, today=kwargs.pop("today", AFTER), **kwargs)


def test_the_position_explains_the_measure_the_neighbours_and_the_gap(app, db, scenario, sales):
    program = contest(scenario)
    run_as_of(program, scenario, day=date(2025, 9, 30))
    got = _position(app, program, scenario.branch_2, scenario.finance, today=date(2025, 9, 30))
    assert (got.rank, got.measure, got.qualified, got.gap) == (
        3,
        "300.00 EUR",
        False,
        Decimal("700.01"),
    )
    assert got.steps[0] == "Eligible revenue in the period: 300.00 EUR."
    assert got.steps[-1].startswith("Contest measure:")
    # The board is not public: neighbours are a rank and a measure, no names.
    assert (got.above.rank, got.above.measure, got.above.code) == (2, "1,000.00 EUR", None)
    assert (got.below.rank, got.below.measure, got.below.code) == (4, "200.00 EUR", None)
    assert got.gap_sentence == "Sell 700.01 EUR more by Sep 30, 2025 to reach rank 2 as of today."
    top = _position(app, program, scenario.goldie, scenario.finance, today=date(2025, 10, 5))
    assert top.above is None and top.gap_sentence == "Qualified at rank 1 as of Sep 30, 2025."
    assert top.awards_now == ["Ranks 1 to 1: 2 trip seats at 4,800 EUR each."]
    assert got.awards_now == []


def test_the_position_reads_in_the_readers_language_and_public_boards_name_neighbours(
    app, db, scenario, sales
):
    program = contest(scenario, qualify="{threshold: 5000}", group="board_public: true")
    run_as_of(program, scenario)
    got = _position(app, program, scenario.branch_1, scenario.finance, lang="fr")
    assert got.above.code == "GOLDIE" and got.below.code == "BRANCH-2"
    assert got.gap == Decimal("4000.00")
    assert "4\u202f000,00 EUR" in got.gap_sentence and "30 sept. 2025" in got.gap_sentence


def test_a_partner_sees_its_own_position_only(app, db, make, scenario, sales):
    program = contest(scenario)
    run_as_of(program, scenario)
    user = make.user("partner_user", partner=scenario.branch_2, email="pia@example.com")
    assert _position(app, program, scenario.branch_2, user).rank == 3
    with pytest.raises(NotRanked):
        _position(app, program, scenario.goldie, user)
    with pytest.raises(NotRanked, match="no place"):
        _position(app, program, scenario.group, scenario.finance)


def test_the_program_page_describes_the_rules_and_the_tie_break(app):
    spec = parse_spec(
        CONTEST.replace("{measure}", "units")
        .replace("{qualify}", "{threshold: 10, top: 20}")
        .replace("{group}", "group_by: tier")
    )
    with app.test_request_context("/"), force_locale("en"):
        lines = describe_spec(spec)
    assert "Ranked by units sold; returns reduce them." in lines
    assert "Each partner tier ranks its partners separately." in lines
    assert "Qualify: the top 20 among those with at least 10 units." in lines
    assert any(line.startswith("Equal measures: the partner that reached") for line in lines)
    assert lines[-1] == "Ranks 1 to 1: 2 trip seats at 4,800 EUR each."
    money = parse_spec(
        CONTEST.replace("{measure}", "revenue")
        .replace("{qualify}", "{threshold: 5000}")
        .replace("{group}", "")
    )
    with app.test_request_context("/"), force_locale("de"):
        assert "5.000 EUR" in " ".join(describe_spec(money))


def test_the_daily_job_ranks_open_contests_once_a_day(db, redis, scenario, sales):
    program = contest(scenario)
    program_id = program.id
    assert due_contests(date(2025, 6, 30)) == []  # not open yet
    db.session.commit()  # what a worker would read (the test's transaction still ends it)
    started = rank_open_contests("2025-08-10")  # commits and ends the session, as a worker does
    run = db.session.get(CalcRun, started["CUP-Q3"])
    assert (run.program_id, run.period_end, run.status) == (program_id, date(2025, 8, 10), "queued")
    assert run.started_by_id is None and redis.keys(f"rq:job:calc-{run.id}-*")
    assert rank_open_contests("2025-08-10") == {}  # that day has its run
    final = rank_open_contests("2025-10-01")  # the day after the end: the final standings
    assert db.session.get(CalcRun, final["CUP-Q3"]).period_end == date(2025, 9, 30)
    assert rank_open_contests("2025-10-02") == {}
