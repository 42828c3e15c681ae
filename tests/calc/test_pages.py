"""The program, run, reward and payout pages: a few thin tests per page."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from portal.models import CalcResult, CalcRun, PayoutLine, Program
from portal.programs.describe import SPEC_FIELDS
from tests.calc.conftest import execute_inline, load_program
from tests.calc.test_scenarios import EMEA_VOLUME, GROUP_NETWORKING
from tests.conftest import csrf_token
from workflows.engine.spec_checks import FIELDS


@pytest.fixture
def sold(db, make, scenario):
    """Sales for MOVER (DACH until mid-August) and the GROUP's branches, committed for requests."""
    s = scenario
    make.sale(s.mover, s.switch, "12000", sold_on=date(2025, 7, 2), currency="USD")
    make.sale(s.branch_1, s.switch, "2000", sold_on=date(2025, 7, 10), currency="EUR")
    make.sale(s.goldie, s.switch, "100", sold_on=date(2025, 7, 3), currency="GBP")
    db.session.commit()
    return s


def _post(client, path, form_path, **data):
    return client.post(path, data={"csrf_token": csrf_token(client, form_path), **data})


def _start(client, program, kind="settlement"):
    path = f"/programs/{program.id}"
    response = _post(client, f"/calc/programs/{program.id}/runs", path, period="2025-Q3", kind=kind)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_finance_sees_every_problem_of_a_bad_definition_and_nothing_is_saved(db, login, sold):
    client = login(sold.finance)
    bad = EMEA_VOLUME.replace("[EMEA]", "[MARS]").replace("from: 10000", "from: 0")
    response = _post(client, "/programs/new", "/programs/new", source=bad)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Unknown territory code MARS." in html
    assert "Overlaps an earlier band that also starts at 0." in html
    assert "2 problems" in html
    assert db.session.scalar(select(Program)) is None


def test_the_editor_explains_every_spec_field(db, login, sold):
    assert [name for name, _ in SPEC_FIELDS] == list(FIELDS)  # none missing, spec order
    html = login(sold.finance).get("/programs/new").get_data(as_text=True)
    reference = html.split('id="spec-reference"')[1].split("</details>")[0]
    for name, _ in SPEC_FIELDS:
        assert f"<code>{name}</code>" in reference
    assert "how long approved deal registrations this program covers are protected" in reference


def test_finance_creates_then_edits_a_program_into_a_new_version(db, login, sold):
    client = login(sold.finance)
    response = _post(client, "/programs/new", "/programs/new", source=EMEA_VOLUME)
    assert response.status_code == 302
    program = db.session.scalars(select(Program)).one()
    page = client.get(f"/programs/{program.id}").get_data(as_text=True)
    assert "Partners in EMEA and every territory below." in page
    assert "from 10,000: 2%" in page
    edit = f"/programs/{program.id}/edit"
    assert "EMEA-VOL" in client.get(edit).get_data(as_text=True)
    _post(client, edit, edit, source=EMEA_VOLUME)
    assert db.session.get(Program, program.id).current_version == 1
    _post(client, edit, edit, source=EMEA_VOLUME.replace("0.02", "0.025"))
    assert db.session.get(Program, program.id).current_version == 2
    moved = _post(client, edit, edit, source=EMEA_VOLUME.replace("EMEA-VOL", "OTHER"))
    assert "cannot change" in moved.get_data(as_text=True)


def test_a_run_page_shows_progress_then_totals_unusable_lines_and_payees(db, login, sold, redis):
    program = load_program(EMEA_VOLUME, sold.finance)
    db.session.commit()
    client = login(sold.finance)
    run_id = _start(client, program)
    queued = client.get(f"/calc/runs/{run_id}").get_data(as_text=True)
    assert f'data-poll="/calc/runs/{run_id}/status.json"' in queued
    waiting = client.get(f"/calc/runs/{run_id}/status.json").json
    assert waiting["finished"] is False
    assert waiting["message"] == "Waiting for a worker to start…"
    execute_inline(run_id)
    status = client.get(f"/calc/runs/{run_id}/status.json").json
    assert (status["status"], status["percent"], status["finished"]) == ("done", 100, True)
    assert status["message"] == "1 of 1 shards"
    done = client.get(f"/calc/runs/{run_id}").get_data(as_text=True)
    assert "No FX rate for GBP on or before 2025-07-03." in done
    assert "MOVER" in done and "$262.00" in done  # 240.00 (MOVER) + 22.00 (BRANCH-1)
    csv = client.get(f"/calc/runs/{run_id}/results.csv").get_data(as_text=True)
    assert (
        csv.splitlines()[0]
        == "partner_code,program_code,period,currency,measure,band_from,rate,amount"
    )


def test_the_maker_cannot_approve_a_second_finance_user_can(db, login, client, sold, redis):
    program = load_program(EMEA_VOLUME, sold.finance)
    db.session.commit()
    run_id = _start(login(sold.finance), program)
    execute_inline(run_id)
    path = f"/calc/runs/{run_id}"
    assert _post(client, f"{path}/approve", path).status_code == 403
    assert db.session.scalar(select(PayoutLine)) is None
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})
    login(sold.finance_2)
    response = _post(client, f"{path}/approve", path)
    assert response.status_code == 302
    assert "payout lines written" in client.get(path).get_data(as_text=True)
    assert db.session.get(CalcRun, run_id).approved_by_id == sold.finance_2.id
    assert client.post(f"{path}/approve", data={}).status_code == 400  # no CSRF token


def test_a_partner_sees_its_own_drill_down_and_a_404_for_anyone_elses(db, login, make, sold, redis):
    program = load_program(GROUP_NETWORKING % {"mode": "retroactive", "extra": ""}, sold.finance)
    run = runs_done(db, program, sold)
    results = {r.payee.code: r for r in db.session.scalars(select(CalcResult))}
    group_user = make.user("partner_admin", partner=sold.group)
    db.session.commit()
    client = login(group_user)
    own = client.get(f"/calc/results/{results['GROUP'].id}")
    html = own.get_data(as_text=True)
    assert own.status_code == 200
    assert "Eligible revenue in the period: 2,200.00 USD." in html
    assert "BRANCH-1" in html  # the branch's line counted for the group
    assert client.get(f"/calc/results/{results['MOVER'].id}").status_code == 404
    assert client.get(f"/calc/results/{max(r.id for r in results.values()) + 1}").status_code == 404
    rewards = client.get("/calc/rewards").get_data(as_text=True)
    assert f"/calc/results/{results['GROUP'].id}" in rewards
    assert f"/calc/results/{results['MOVER'].id}" not in rewards
    assert client.get(f"/calc/runs/{run.id}").status_code == 403


def runs_done(db, program, scenario):
    from workflows.calc import runs

    run = runs.start_run(program, None, kind="settlement", actor=scenario.finance)
    db.session.commit()
    return execute_inline(run.id)


def test_a_manager_sees_only_payees_in_their_subtree(db, login, make, sold, redis):
    program = load_program(GROUP_NETWORKING % {"mode": "retroactive", "extra": ""}, sold.finance)
    make.sale(sold.mover, sold.switch, "10", sold_on=date(2025, 7, 4), currency="USD")
    runs_done(db, program, sold)
    results = {r.payee.code: r for r in db.session.scalars(select(CalcResult))}
    us_manager = make.user("channel_manager", territories=[sold.t["AMER"]])
    db.session.commit()
    client = login(us_manager)  # MOVER is in the US today; GROUP in DACH
    assert client.get(f"/calc/results/{results['MOVER'].id}").status_code == 200
    assert client.get(f"/calc/results/{results['GROUP'].id}").status_code == 404


def test_closing_a_period_blocks_runs_from_the_page_until_reopened(db, login, sold, redis):
    program = load_program(EMEA_VOLUME, sold.finance)
    db.session.commit()
    client = login(sold.finance)
    response = _post(
        client, "/calc/periods", "/calc/periods", program_id=program.id, period="2025-Q3"
    )
    assert response.status_code == 302
    refused = _post(
        client,
        f"/calc/programs/{program.id}/runs",
        f"/programs/{program.id}",
        period="2025-Q3",
        kind="accrual",
    )
    assert refused.status_code == 302
    assert "is closed; reopen it first" in client.get(refused.headers["Location"]).get_data(
        as_text=True
    )
    closure = re.search(
        r'action="(/calc/periods/\d+/reopen)"', client.get("/calc/periods").get_data(as_text=True)
    )
    assert _post(client, closure.group(1), "/calc/periods").status_code == 302
    assert _start(client, program, kind="accrual")


def test_payout_export_neutralises_spreadsheet_formulas(db, login, make, sold, redis):
    evil = make.partner("=HYPERLINK(1)", sold.t["DACH"], "gold")
    make.sale(evil, sold.switch, "100", sold_on=date(2025, 7, 2), currency="USD")
    program = load_program(EMEA_VOLUME, sold.finance)
    run = runs_done(db, program, sold)
    from workflows.calc import settlement

    settlement.approve_run(db.session.get(CalcRun, run.id), actor=sold.finance_2)
    db.session.commit()
    client = login(sold.finance)
    assert "HYPERLINK" in client.get("/calc/payouts").get_data(as_text=True)
    csv = client.get(f"/calc/payouts/export.csv?period=2025&program={program.id}")
    lines = csv.get_data(as_text=True).splitlines()
    assert lines[0] == "partner_code,program_code,period,currency,amount,kind"
    assert "'=HYPERLINK(1),EMEA-VOL,2025-Q3,USD,1.00,settlement" in lines


@pytest.mark.parametrize("path", ["/programs/", "/calc/runs", "/calc/payouts", "/calc/periods"])
def test_partners_cannot_open_finance_pages(db, login, make, sold, path):
    user = make.user("partner_user", partner=sold.mover)
    db.session.commit()
    assert login(user).get(path).status_code == 403


def test_the_explanation_reads_in_the_partners_language(db, login, make, sold, redis):
    program = load_program(GROUP_NETWORKING % {"mode": "retroactive", "extra": ""}, sold.finance)
    runs_done(db, program, sold)
    result = db.session.scalars(
        select(CalcResult).where(CalcResult.payee_id == sold.group.id)
    ).one()
    french = make.user("partner_user", partner=sold.group)
    french.locale = "fr"
    db.session.commit()
    html = login(french).get(f"/calc/results/{result.id}").get_data(as_text=True)
    assert re.search(r"<li>Chiffre d&#39;affaires éligible sur la période\W+2\W200,00 USD", html)


def test_a_long_drill_down_goes_page_by_page(db, login, make, sold, redis):
    program = load_program(EMEA_VOLUME, sold.finance)
    for day in range(51):  # with the fixture's line: 52 lines, two pages of 50
        sold_on = date(2025, 7, 1 + day % 28)
        make.sale(sold.mover, sold.switch, "10", sold_on=sold_on, currency="USD")
    run = runs_done(db, program, sold)
    result = db.session.scalars(
        select(CalcResult).where(CalcResult.run_id == run.id, CalcResult.payee_id == sold.mover.id)
    ).one()
    client = login(sold.finance)
    first = client.get(f"/calc/results/{result.id}")
    assert first.status_code == 200
    assert f"/calc/results/{result.id}?page=2" in first.get_data(as_text=True)
    second = client.get(f"/calc/results/{result.id}?page=2").get_data(as_text=True)
    assert "Page 2 of 2" in second
