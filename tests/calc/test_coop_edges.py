"""Co-op programs at the edges: the builder form, the YAML editor and the command line."""

from __future__ import annotations

import shlex
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.models import MdfEntry, MdfFund, Program, ProgramVersion
from tests.calc.conftest import execute_inline
from tests.calc.test_builder import _errors, _post, _prefilled
from tests.calc.test_coop import COOP, earned_fund
from tests.calc.test_scenarios import AFTER_Q3
from workflows.calc import runs
from workflows.calc.simulation import simulate
from workflows.engine import canonical_json, parse_period, parse_spec
from workflows.mdf import funds

COOP_TEXT = COOP.replace("{payee}", "partner")
COOP_FORM = {
    "code": "COOP-NET",
    "name": "Co-op on EMEA hardware",
    "kind": "coop",
    "currency": "EUR",
    "territories": ["EMEA"],
    "categories": ["HW"],
    "payee": "partner",
    "fund": "COOP-EU",
    "accrual_rate": "2.5",
    # Fields of other kinds are not written into a co-op program.
    "measure": "quantity",
    "mode": "marginal",
    "bands-0-start": "0",
    "bands-0-rate": "5",
    "cap": "100",
}


@pytest.fixture
def allocated_fund(scenario):
    return funds.create_fund(
        actor=scenario.finance,
        code="MDF-EU",
        name="Allocated EMEA",
        currency="EUR",
        amount=1000,
        starts_on=date(2025, 1, 1),
        ends_on=date(2025, 12, 31),
        claim_deadline=date(2099, 1, 1),
    )


def test_the_form_offers_earned_funds_only_and_stores_the_yaml_spec(
    db, login, scenario, allocated_fund
):
    earned_fund(scenario)
    client = login(scenario.finance)
    html = client.get("/programs/build").get_data(as_text=True)
    assert 'value="COOP-EU"' in html and 'value="MDF-EU"' not in html
    response = _post(client, "/programs/build", COOP_FORM)
    assert response.status_code == 302, response.get_data(as_text=True)
    version = db.session.scalars(select(ProgramVersion)).one()
    assert canonical_json(parse_spec(version.source)) == canonical_json(parse_spec(COOP_TEXT))
    assert db.session.scalars(select(Program)).one().kind == "coop"
    values = _prefilled(client, f"/programs/{version.program_id}/build")
    assert values["fund"] == ["COOP-EU"] and values["accrual_rate"] == ["2.5"]
    page = client.get(f"/programs/{version.program_id}").get_data(as_text=True)
    assert "Earns 2.5 % of the eligible revenue into the co-op fund COOP-EU" in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"fund": "MDF-EU"}, "fund", "MDF-EU is not an earned fund"),
        ({"fund": "NOPE"}, "fund", "Unknown MDF fund NOPE."),
        ({"fund": ""}, "fund", "Required for coop programs."),
        ({"currency": "USD"}, "fund", "COOP-EU is in EUR; the program pays in USD."),
        ({"accrual_rate": "101"}, "accrual_rate", "Must be a percentage from 0 to 100."),
        ({"accrual_rate": "1e999"}, "accrual_rate", "Must be less than 100,000,000,000,000."),
        ({"accrual_rate": "abc"}, "accrual_rate", "Must be a number."),
    ],
)
def test_bad_coop_input_in_the_form_is_shown_at_its_field(
    db, login, scenario, allocated_fund, changes, field, message
):
    earned_fund(scenario)
    client = login(scenario.finance)
    response = _post(client, "/programs/build", {**COOP_FORM, **changes})
    assert response.status_code == 422
    assert any(message in text for text in _errors(response.get_data(as_text=True))[field])
    assert db.session.scalar(select(func.count()).select_from(Program)) == 0


@pytest.mark.parametrize("changes", [{"accrual_rate": "2\x00"}, {"fund": "COOP\x00"}])
def test_nul_characters_are_refused_before_anything_is_read(
    db, login, scenario, allocated_fund, changes
):
    client = login(scenario.finance)
    assert _post(client, "/programs/build", {**COOP_FORM, **changes}).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Program)) == 0


@pytest.fixture
def cli(app, db, redis):
    runner = app.test_cli_runner()

    def invoke(command: str):
        return runner.invoke(args=shlex.split(command), catch_exceptions=False)

    return invoke


DATES = "--start 2025-01-01 --end 2025-12-31 --claim-deadline 2099-12-31"


def test_the_cli_creates_an_earned_fund_loads_runs_and_approves_a_coop_program(
    db, cli, make, scenario, tmp_path
):
    created = cli(
        "mdf fund create COOP-EU --name Co-op --currency EUR --earned "
        f"{DATES} --as fiona@example.com"
    )
    assert created.exit_code == 0, created.output
    fund = db.session.scalars(select(MdfFund)).one()
    assert (fund.kind, fund.amount) == ("earned", 0)
    path = tmp_path / "coop.yaml"
    path.write_text(COOP_TEXT, encoding="utf-8")
    loaded = cli(f"programs load {path} --as fiona@example.com")
    assert loaded.exit_code == 0 and loaded.stdout == "program=COOP-NET version=1\n"
    make.sale(scenario.goldie, scenario.switch, "400", sold_on=date(2025, 7, 5))
    program = db.session.scalars(select(Program)).one()
    run = runs.start_run(
        program, parse_period("2025-Q3"), kind="settlement", actor=scenario.finance, on=AFTER_Q3
    )
    execute_inline(run.id)
    db.session.commit()
    approved = cli(f"calc approve {run.id} --as felix@example.com")
    assert approved.exit_code == 0, approved.output
    assert approved.stdout == f"approved run_id={run.id} earned_rows=1\n"
    balance = cli("mdf balance COOP-EU --partner GOLDIE --as fiona@example.com")
    assert balance.exit_code == 0 and "10.00" in balance.stdout


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ("--earned --amount 500", "An earned fund starts empty"),
        ("", "Give the fund's amount."),
    ],
)
def test_fund_create_refuses_an_amount_for_an_earned_fund_and_none_for_another(
    db, cli, scenario, options, message
):
    result = cli(
        f"mdf fund create F-1 --name F --currency EUR {options} {DATES} --as fiona@example.com"
    )
    assert result.exit_code == 1 and message in result.stderr
    assert db.session.scalar(select(func.count()).select_from(MdfFund)) == 0
    assert db.session.scalar(select(func.count()).select_from(MdfEntry)) == 0


def test_a_coop_draft_simulates_what_a_run_would_earn(db, redis, make, scenario):
    earned_fund(scenario)
    make.sale(scenario.goldie, scenario.switch, "1100", sold_on=date(2025, 7, 10), currency="USD")
    db.session.commit()  # the simulation ends its read transactions: keep the test's rows
    outcome = simulate({"source": COOP_TEXT, "period": "2025-Q3", "code": "COOP-NET"})
    assert {p["code"]: p["draft"] for p in outcome["payees"]} == {"GOLDIE": "25.00"}
    assert db.session.scalar(select(func.count()).select_from(MdfEntry)) == 0
