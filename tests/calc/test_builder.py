"""The program builder: the form and the YAML editor store the very same spec, an existing
program pre-fills the form, and every problem is shown at the field it concerns."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from portal.models import Program, ProgramVersion, Task
from portal.programs.field_errors import field_for
from tests.calc.conftest import load_program
from tests.conftest import csrf_token
from workflows.engine import canonical_json, parse_spec, spec_hash

RETROACTIVE = """
code: REB-RETRO
name: Networking growth rebate
kind: rebate
currency: USD
period: {start: 2025-07-01, end: 2025-09-30}
eligible: {territories: [EMEA], categories: [NET]}
growth: true
payee: partner_group
tiers: {mode: retroactive, bands: [{from: 0, rate: 0.01}, {from: 10000, rate: 0.025}]}
cap: 500
"""
RETROACTIVE_FORM = {
    "code": "REB-RETRO",
    "name": "Networking growth rebate",
    "kind": "rebate",
    "currency": "USD",
    "period_start": "2025-07-01",
    "period_end": "2025-09-30",
    "territories": ["EMEA"],
    "categories": ["NET"],
    "measure": "revenue",
    "growth": "y",
    "payee": "partner_group",
    "mode": "retroactive",
    "bands-0-start": "0",
    "bands-0-rate": "1",
    "bands-1-start": "10,000",
    "bands-1-rate": "2.5",
    "bands-2-start": "",
    "bands-2-rate": "",
    "cap": "500",
}

MARGINAL = """
code: REB-MARGINAL
name: Gold and silver switch rebate
kind: rebate
currency: EUR
period: 2025-Q3
eligible: {partner_tiers: [silver, gold], skus: [SW-24]}
measure: revenue
payee: partner
tiers:
  mode: marginal
  bands: [{from: 0, rate: 0.005}, {from: 1000, rate: 0.015}, {from: 5000, rate: 0.03}]
"""
MARGINAL_FORM = {
    "code": "REB-MARGINAL",
    "name": "Gold and silver switch rebate",
    "kind": "rebate",
    "currency": "EUR",
    "period_start": "2025-07-01",
    "period_end": "2025-09-30",
    "partner_tiers": ["gold", "silver"],
    "skus": ["SW-24"],
    "measure": "revenue",
    "payee": "partner",
    "mode": "marginal",
    "bands-0-start": "0",
    "bands-0-rate": "0.5",
    "bands-3-start": "1000",
    "bands-3-rate": "1.5",
    "bands-7-start": "5000",
    "bands-7-rate": "3",
}

SPIF = """
code: SPIF-UNITS
name: Switch SPIF
kind: spif
currency: USD
period: {start: 2025-07-01, end: 2025-09-30}
eligible: {skus: [SW-24, LIC-1], registered_deals_only: true}
deal_protection_days: 120
measure: quantity
tiers: {mode: retroactive, bands: [{from: 1, rate: 10}, {from: 50, rate: 12.5}]}
cap: 5000
claim_required: true
claim_approval_threshold: 1000
"""
SPIF_FORM = {
    "code": "SPIF-UNITS",
    "name": "Switch SPIF",
    "kind": "spif",
    "currency": "USD",
    "period_start": "2025-07-01",
    "period_end": "2025-09-30",
    "skus": ["SW-24", "LIC-1"],
    "registered_deals_only": "y",
    "deal_protection_days": "120",
    "measure": "quantity",
    "payee": "partner",
    "mode": "retroactive",
    "bands-0-start": "1",
    "bands-0-rate": "10",
    "bands-1-start": "50",
    "bands-1-rate": "12.50",
    "cap": "5,000",
    "claim_required": "y",
    "claim_approval_threshold": "1000",
}

LOYALTY = """
code: LOY-DACH
name: DACH loyalty points
kind: loyalty
currency: EUR
eligible: {territories: [DACH]}
points_per_unit: 1.5
expires_after_days: 365
"""
LOYALTY_FORM = {
    "code": "LOY-DACH",
    "name": "DACH loyalty points",
    "kind": "loyalty",
    "currency": "EUR",
    "territories": ["DACH"],
    "payee": "partner",
    # Fields of other kinds are not written into a loyalty program.
    "measure": "quantity",
    "mode": "marginal",
    "bands-0-start": "0",
    "bands-0-rate": "5",
    "points_per_unit": "1.50",
    "expires_after_days": "365",
}

CASES = {
    "rebate-retroactive": (RETROACTIVE, RETROACTIVE_FORM),
    "rebate-marginal": (MARGINAL, MARGINAL_FORM),
    "spif": (SPIF, SPIF_FORM),
    "loyalty": (LOYALTY, LOYALTY_FORM),
}


def _post(client, path, data):
    return client.post(path, data={"csrf_token": csrf_token(client, path), **data})


class FormValues(HTMLParser):
    """What a browser would send back for the builder form: inputs, checked boxes, selections."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self._select: str | None = None
        self._inside = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == "program-builder":
            self._inside = True
        if not self._inside:
            return
        if tag == "input" and a.get("name") and a.get("type") != "submit":
            if a.get("type") == "checkbox" and "checked" not in a:
                return
            self.values.setdefault(a["name"], []).append(a.get("value") or "")
        elif tag == "select":
            self._select = a.get("name")
            self.values.setdefault(self._select, [])
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select].append(a.get("value"))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "form":
            self._inside = False


def _prefilled(client, path) -> dict[str, list[str]]:
    parser = FormValues()
    parser.feed(client.get(path).get_data(as_text=True))
    return {name: values for name, values in parser.values.items() if name != "csrf_token"}


def _versions(db, program_id):
    return db.session.scalar(select(func.count()).where(ProgramVersion.program_id == program_id))


@pytest.mark.parametrize("case", list(CASES))
def test_the_form_and_the_yaml_store_byte_identical_specs_and_edits_prefill(
    db, login, scenario, case
):
    text, form = CASES[case]
    client = login(scenario.finance)
    response = _post(client, "/programs/build", form)
    assert response.status_code == 302, response.get_data(as_text=True)
    program = db.session.scalars(select(Program)).one()
    version = db.session.scalars(select(ProgramVersion)).one()
    from_yaml = parse_spec(text)
    stored = canonical_json(parse_spec(version.source))
    assert stored == canonical_json(from_yaml)
    assert version.spec_hash == spec_hash(from_yaml)
    assert (program.code, program.kind) == (from_yaml.code, from_yaml.kind)

    # The same program written as YAML in the advanced editor is no change at all.
    edit = f"/programs/{program.id}/edit"
    same = _post(client, edit, {"source": text})
    assert same.status_code == 302
    assert _versions(db, program.id) == 1

    # Editing pre-fills the form from the current version: sent back untouched, nothing changes.
    build = f"/programs/{program.id}/build"
    values = _prefilled(client, build)
    assert values["code"] == [from_yaml.code]
    again = _post(client, build, values)
    assert again.status_code == 302, again.get_data(as_text=True)
    assert _versions(db, program.id) == 1
    assert "Nothing changed" in client.get(again.headers["Location"]).get_data(as_text=True)


def test_a_yaml_program_prefills_the_form_and_one_change_is_one_new_version(db, login, scenario):
    program = load_program(RETROACTIVE, scenario.finance)
    client = login(scenario.finance)
    build = f"/programs/{program.id}/build"
    values = _prefilled(client, build)
    assert values["territories"] == ["EMEA"] and values["categories"] == ["NET"]
    assert values["payee"] == ["partner_group"] and values["growth"] == ["y"]
    assert (values["bands-1-start"], values["bands-1-rate"]) == (["10,000"], ["2.5"])
    assert values["cap"] == ["500"]
    values["bands-1-rate"] = ["3"]
    response = _post(client, build, values)
    assert response.status_code == 302
    latest = db.session.scalars(select(ProgramVersion).where(ProgramVersion.version == 2)).one()
    assert latest.spec["tiers"]["bands"][1] == {"from": "10000", "rate": "0.03"}
    assert "rate: 0.03" in latest.source  # readable YAML for the advanced editor


def test_numbers_are_read_in_the_readers_format(db, login, scenario):
    scenario.finance.locale = "de"
    db.session.commit()
    client = login(scenario.finance)
    form = {**RETROACTIVE_FORM, "bands-1-start": "10.000", "bands-1-rate": "2,5"}
    assert _post(client, "/programs/build", form).status_code == 302
    version = db.session.scalars(select(ProgramVersion)).one()
    assert version.spec_hash == spec_hash(parse_spec(RETROACTIVE))
    html = client.get(f"/programs/{version.program_id}/build").get_data(as_text=True)
    assert 'value="10.000"' in html and 'value="2,5"' in html


def _errors(html: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for chunk in html.split('data-field-error="')[1:]:
        name, rest = chunk.split('">', 1)
        found.setdefault(name, []).append(rest.split("</div>", 1)[0])
    return found


def test_every_problem_is_shown_at_its_field_and_nothing_is_saved(db, login, scenario):
    client = login(scenario.finance)
    bad = {
        **RETROACTIVE_FORM,
        "name": "  ",
        "territories": ["EMEA", "MARS"],
        "period_start": "2025-02-30",
        "bands-1-start": "0",
        "bands-2-start": "20000",
        "bands-2-rate": "abc",
        "cap": "-5",
    }
    response = _post(client, "/programs/build", bad)
    assert response.status_code == 422
    errors = _errors(response.get_data(as_text=True))
    assert errors["name"] == ["This field is required."]
    assert errors["territories"] == ["Unknown territory code MARS."]
    assert "period_start" in errors
    assert errors["bands-1-start"] == ["Overlaps an earlier band that also starts at 0."]
    assert errors["bands-2-rate"] == ["Must be a number."]
    assert errors["cap"] == ["Must be greater than zero."]
    assert "6 problems; nothing was saved." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Program)) == 0


@pytest.mark.parametrize("value", ["NaN", "-Infinity", "1e999", "9" * 5000, "1" + "0" * 40])
@pytest.mark.parametrize("field", ["bands-1-rate", "bands-1-start", "cap", "deal_protection_days"])
def test_numbers_that_are_no_amount_are_a_field_error_not_a_server_error(
    db, login, scenario, field, value
):
    client = login(scenario.finance)
    response = _post(client, "/programs/build", {**RETROACTIVE_FORM, field: value})
    assert response.status_code == 422
    assert field in _errors(response.get_data(as_text=True))
    assert db.session.scalar(select(func.count()).select_from(Program)) == 0


def test_a_draft_number_beyond_any_id_is_refused_not_a_server_error(db, login, scenario):
    client = login(scenario.finance)
    for draft in ("9" * 40, "9" * 5000, "abc"):
        assert client.get(f"/programs/build?draft={draft}").status_code == 400


def test_a_rebate_without_bands_is_told_so_at_the_bands(db, login, scenario):
    client = login(scenario.finance)
    form = {k: v for k, v in RETROACTIVE_FORM.items() if not k.startswith("bands-")}
    response = _post(client, "/programs/build", form)
    assert response.status_code == 422
    assert _errors(response.get_data(as_text=True))["bands"] == ["Required for rebate programs."]


def test_the_code_of_an_existing_program_cannot_change_in_the_form(db, login, scenario):
    program = load_program(RETROACTIVE, scenario.finance)
    client = login(scenario.finance)
    form = {**RETROACTIVE_FORM, "code": "OTHER"}
    response = _post(client, f"/programs/{program.id}/build", form)
    assert response.status_code == 422
    assert _errors(response.get_data(as_text=True))["code"] == [
        "The code of an existing program cannot change; it is REB-RETRO."
    ]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("code", "code"),
        ("period", "period_end"),
        ("period.start", "period_start"),
        ("eligible.skus[2]", "skus"),
        ("eligible.registered_deals_only", "registered_deals_only"),
        ("tiers", "bands"),
        ("tiers.mode", "mode"),
        ("tiers.bands[1].rate", "bands-4-rate"),
        ("tiers.bands[0].from", "bands-0-start"),
        ("tiers.bands[1]", "bands"),
        ("", None),
        ("unexpected", None),
    ],
)
def test_spec_paths_map_to_form_fields(path, field):
    assert field_for(path, [0, 4]) == field


def test_bad_simulation_requests_give_field_errors_and_record_nothing(db, login, scenario):
    client = login(scenario.finance)
    no_period = _post(client, "/programs/build", {**RETROACTIVE_FORM, "simulate": "Simulate"})
    assert no_period.status_code == 422
    assert _errors(no_period.get_data(as_text=True))["simulate_period"] == [
        "Give a period to simulate on."
    ]
    bad_period = _post(
        client,
        "/programs/build",
        {**RETROACTIVE_FORM, "simulate": "Simulate", "simulate_period": "2025-13"},
    )
    assert bad_period.status_code == 422
    assert "simulate_period" in _errors(bad_period.get_data(as_text=True))
    bad_draft = _post(
        client,
        "/programs/build",
        {**RETROACTIVE_FORM, "simulate": "1", "simulate_period": "2025-Q3", "cap": "x"},
    )
    assert bad_draft.status_code == 422
    assert _errors(bad_draft.get_data(as_text=True))["cap"] == ["Must be a number."]
    loyalty = _post(
        client, "/programs/build", {**LOYALTY_FORM, "simulate": "1", "simulate_period": "2025-Q3"}
    )
    assert loyalty.status_code == 422
    assert "loyalty points are posted" in _errors(loyalty.get_data(as_text=True))["kind"][0]
    assert db.session.scalar(select(func.count()).select_from(Task)) == 0
    assert db.session.scalar(select(func.count()).select_from(Program)) == 0


@pytest.mark.parametrize("role", ["channel_manager", "admin", "partner_admin"])
def test_only_finance_builds_and_simulates(db, login, make, scenario, role):
    partner = scenario.goldie if role.startswith("partner") else None
    client = login(make.user(role, partner=partner))
    assert client.get("/programs/build").status_code in (403, 404)
    token = csrf_token(client, "/dashboard")
    response = client.post(
        "/programs/build",
        data={
            "csrf_token": token,
            **RETROACTIVE_FORM,
            "simulate": "1",
            "simulate_period": "2025-Q3",
        },
    )
    assert response.status_code in (403, 404)
    assert db.session.scalar(select(func.count()).select_from(Task)) == 0


def test_a_simulated_draft_reopens_in_the_form_and_saves_as_drafted(db, login, scenario):
    client = login(scenario.finance)
    form = {**RETROACTIVE_FORM, "simulate": "Simulate", "simulate_period": "2025-Q3"}
    response = _post(client, "/programs/build", form)
    assert response.status_code == 302, response.get_data(as_text=True)
    task = db.session.scalars(select(Task)).one()
    assert (task.kind, task.params["period"]) == ("program_simulation", "2025-Q3")
    assert db.session.scalar(select(func.count()).select_from(Program)) == 0
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'href="/programs/build?draft={task.id}"' in page

    values = _prefilled(client, f"/programs/build?draft={task.id}")
    assert (values["bands-1-start"], values["bands-1-rate"]) == (["10,000"], ["2.5"])
    assert values["territories"] == ["EMEA"] and values["growth"] == ["y"]
    assert _post(client, "/programs/build", values).status_code == 302
    version = db.session.scalars(select(ProgramVersion)).one()
    assert version.spec_hash == spec_hash(parse_spec(RETROACTIVE))
