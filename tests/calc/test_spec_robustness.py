"""Hostile program specs — numbers beyond Python's int conversion, nesting a thousand levels
deep, YAML alias bombs, NUL characters — are refused with the usual listed problems, in the
parser, on the program editor page and by `portal programs load`; nothing is stored and no
traceback is shown."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.models import Program, ProgramVersion
from tests.calc.test_scenarios import EMEA_VOLUME
from tests.conftest import csrf_token
from workflows.engine import SpecError, parse_spec

HUGE = "9" * 5000  # int("9" * 5000) raises ValueError: past Python's int-string limit
BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else 'x'}]\n"
    for prev, name in zip(["", *"abcdefgh"], "abcdefghi", strict=True)
)
LOYALTY = (
    EMEA_VOLUME.replace("kind: rebate", "kind: loyalty")
    .replace("tiers:", "#")
    .replace("payee: partner_group", "payee: partner")
)

HOSTILE = {
    "huge-yaml-cap": (EMEA_VOLUME + f"cap: {HUGE}\n", "cap", "less than 100,000,000,000,000"),
    "huge-json-cap": ('{"code": "X", "cap": ' + HUGE + "}", "cap", "less than 100,000,000,000,000"),
    "just-too-large-cap": (EMEA_VOLUME + "cap: 100000000000000\n", "cap", "less than 100,000"),
    "too-many-digits": (
        EMEA_VOLUME + "cap: 1." + "0" * 60 + "1\n",
        "cap",
        "at most 50 significant digits",
    ),
    "huge-band": (
        EMEA_VOLUME.replace("from: 0,", f"from: {HUGE},"),
        "tiers.bands[0].from",
        "less than 100,000,000,000,000",
    ),
    "huge-days": (
        LOYALTY + f"points_per_unit: 1\nexpires_after_days: {HUGE}\n",
        "expires_after_days",
        "At most 36600 days.",
    ),
    "huge-quoted-days": (
        LOYALTY + f"points_per_unit: 1\nexpires_after_days: '{HUGE}'\n",
        "expires_after_days",
        "At most 36600 days.",
    ),
    "exponent": (EMEA_VOLUME + "cap: 1e999\n", "cap", "less than 100,000,000,000,000"),
    "deep-yaml-list": ("code: " + "[" * 1000 + "]" * 1000 + "\n", "", "nested more than 32"),
    "deep-yaml-map": ("code: " + "{a: " * 1000 + "1" + "}" * 1000, "", "nested more than 32"),
    "deep-json": ('{"code": ' + "[" * 100_000 + "]" * 100_000 + "}", "", "nested more than 32"),
    "alias-bomb": (BOMB, "", "aliases of lists or mappings are not allowed"),
    "recursive-alias": ("code: &a [*a]\n", "", "aliases of lists or mappings are not allowed"),
    "nul-in-name": (
        EMEA_VOLUME.replace("name: EMEA volume rebate", 'name: "EMEA\\0"'),
        "name",
        "Must not contain NUL characters.",
    ),
    "nul-in-code-list": (
        EMEA_VOLUME.replace("[EMEA]", '["EM\\0EA"]'),
        "eligible.territories[0]",
        "Must not contain NUL characters.",
    ),
    "nul-in-json": ('{"code": "X", "name": "A\\u0000"}', "name", "Must not contain NUL"),
    "raw-nul": (EMEA_VOLUME.replace("EMEA volume", "EMEA\x00volume"), "", "NUL character"),
}


@pytest.mark.parametrize(("text", "path", "message"), HOSTILE.values(), ids=HOSTILE.keys())
def test_the_parser_lists_the_problem(text, path, message):
    with pytest.raises(SpecError) as caught:
        parse_spec(text)
    problems = {(p.path, p.render()) for p in caught.value.problems}
    assert any(where == path and message in said for where, said in problems), problems


def test_scalar_aliases_still_work():
    text = EMEA_VOLUME.replace("name: EMEA volume rebate", "name: &n EMEA volume rebate")
    assert parse_spec(text + "# *n\n").name == "EMEA volume rebate"


@pytest.mark.parametrize(
    "name", ["huge-json-cap", "deep-yaml-list", "alias-bomb", "nul-in-code-list"]
)
def test_the_editor_lists_the_problem_and_stores_nothing(db, login, scenario, name):
    text, _path, message = HOSTILE[name]
    client = login(scenario.finance)
    response = client.post(
        "/programs/new",
        data={"csrf_token": csrf_token(client, "/programs/new"), "source": text},
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Program.id))) == 0


@pytest.mark.parametrize("name", ["huge-yaml-cap", "huge-json-cap", "deep-json", "raw-nul"])
def test_the_command_lists_the_problem_without_a_traceback(app, db, redis, tmp_path, name):
    text, _path, message = HOSTILE[name]
    path = tmp_path / "program.txt"
    path.write_text(text, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["programs", "load", str(path)])
    assert result.exit_code == 1, result.output
    assert message in result.stderr
    assert "nothing stored" in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert db.session.scalar(select(func.count(ProgramVersion.id))) == 0
