"""GET /contests/{id}/standings: the fields of `portal contests standings`, scoped."""

from __future__ import annotations

from datetime import date

from portal.extensions import db
from portal.models import Program
from workflows.calc import jobs, runs
from workflows.rewards import ledger

from ..calc.conftest import load_program
from .conftest import ranked_contest


def test_standings_conform_and_are_scoped(api, world, make):
    make.sale(world["beta"], world["router"], "300", quantity="30", sold_on=date(2026, 7, 2))
    contest_id = ranked_contest(world, make, world["acme"])
    finance = api("finance")
    board = finance.conforms(finance.get(f"/contests/{contest_id}/standings"), "ContestStandings")
    assert board["program_code"] == "API-CUP" and board["as_of"] is None
    assert board["items"] == [
        {"partner_code": "ACME", "rank": 1, "measure": "100", "qualified": True, "gap": "0"},
        {"partner_code": "BETA", "rank": 2, "measure": "30", "qualified": True, "gap": "0"},
    ]
    dated = finance.get(f"/contests/{contest_id}/standings?as_of=2026-09-30").get_json()
    assert dated["items"] == board["items"] and dated["as_of"] == "2026-09-30"
    acme = api("acme_user").get(f"/contests/{contest_id}/standings").get_json()
    assert [row["partner_code"] for row in acme["items"]] == ["ACME"]
    fr = api("fr_manager").get(f"/contests/{contest_id}/standings").get_json()
    assert [row["partner_code"] for row in fr["items"]] == ["BETA"]


def test_standings_refusals(api, world, make):
    contest_id = ranked_contest(world, make, world["acme"])
    finance = api("finance")
    finance.error(finance.get(f"/contests/{contest_id}/standings?as_of=2026-08-01"), 422)
    finance.error(finance.get(f"/contests/{contest_id}/standings?as_of=someday"), 400)
    finance.error(finance.get("/contests/999999/standings"), 404)
    beta = api("beta_user")  # not ranked in it
    beta.error(beta.get(f"/contests/{contest_id}/standings"), 404)
    dach = api("dach_manager")  # ACME is in DACH: its manager sees it
    assert dach.get(f"/contests/{contest_id}/standings").status_code == 200


POINTS_CONTEST = """
code: API-PTS
name: API points contest
kind: contest
currency: EUR
period: {start: 2026-07-01, end: 2026-09-30}
eligible: {territories: [EMEA]}
contest: {measure: points, qualify: {top: 1}}
"""


def test_a_points_contest_gives_whole_points(api, world, make):
    loyalty = Program(code="API-LOY", name="API points", kind="loyalty")
    db.session.add(loyalty)
    db.session.flush()
    for partner, points, day in (
        (world["acme"], 1200, date(2026, 7, 3)),
        (world["beta"], 450, date(2026, 8, 9)),
        (world["beta"], -25, date(2026, 8, 10)),
    ):
        ledger.lock_partner(partner.id)
        ledger.post(
            partner.id,
            "earn",
            points,
            on=day,
            source=f"earn:{loyalty.id}:{partner.id}:{day}:0",
            program_id=loyalty.id,
        )
    program = load_program(POINTS_CONTEST, world["finance"])
    run = runs.start_run(program, actor=world["finance"], shards=1, on=date(2026, 10, 1))
    jobs.execute_inline(run.id)
    finance = api("finance")
    board = finance.conforms(finance.get(f"/contests/{program.id}/standings"), "ContestStandings")
    assert board["items"] == [
        {"partner_code": "ACME", "rank": 1, "measure": "1200", "qualified": True, "gap": "0"},
        {"partner_code": "BETA", "rank": 2, "measure": "425", "qualified": False, "gap": "776"},
    ]
