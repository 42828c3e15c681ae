"""A small world for API tests: two partners in one region, a manager, finance, and tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import jsonschema
import pytest

from portal.extensions import db
from portal.tokens.services import create_token
from workflows.calc import jobs, runs

from ..calc.conftest import load_program

PROGRAM = """
code: API-VOL
name: API volume rebate
kind: rebate
currency: EUR
period: {start: 2026-07-01, end: 2026-09-30}
eligible: {territories: [EMEA]}
measure: revenue
payee: partner
tiers: {mode: retroactive, bands: [{from: 0, rate: 0.01}, {from: 1000, rate: 0.02}]}
"""

CONTEST = """
code: API-CUP
name: API unit contest
kind: contest
currency: EUR
period: {start: 2026-07-01, end: 2026-09-30}
eligible: {territories: [EMEA]}
contest: {measure: units, qualify: {top: 5}}
"""


def ranked_contest(world, make, partner) -> int:
    """A contest whose run ranks one partner (units: no FX needed); returns its id."""
    make.sale(partner, world["router"], "1000", quantity="100", sold_on=date(2026, 8, 4))
    program = load_program(CONTEST, world["finance"])
    run = runs.start_run(program, actor=world["finance"], shards=1, on=date(2026, 10, 1))
    jobs.execute_inline(run.id)
    return program.id


@pytest.fixture
def fast_passwords(monkeypatch):
    monkeypatch.setattr("portal.models.users.PASSWORD_METHOD", "pbkdf2:sha256:1000")


def future(days: int = 30) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


@dataclass
class Api:
    """Calls the API with a bearer token and checks every answer against the OpenAPI schema."""

    client: object
    token: str
    document: dict

    def call(self, method: str, path: str, *, json=None, headers=None, token=None, **kwargs):
        response = self.send(method, path, json=json, headers=headers, token=token, **kwargs)
        assert response.is_json, response.get_data(as_text=True)[:500]
        return response

    def send(self, method: str, path: str, *, json=None, headers=None, token=None, **kwargs):
        """The call as is, whatever its content type (file downloads)."""
        db.session.commit()  # what the test set up is there for the request, whatever it rolls back
        sent = {"Authorization": f"Bearer {token or self.token}", **(headers or {})}
        return self.client.open(f"/api/v1{path}", method=method, json=json, headers=sent, **kwargs)

    def get(self, path: str, **kwargs):
        return self.call("GET", path, **kwargs)

    def post(self, path: str, json=None, **kwargs):
        return self.call("POST", path, json=json, **kwargs)

    def conforms(self, response, name: str) -> dict:
        """The body validates against components/schemas/<name> of the served document."""
        body = response.get_json()
        schema = {"$ref": f"#/components/schemas/{name}", "components": self.document["components"]}
        jsonschema.Draft202012Validator(
            schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        ).validate(body)
        return body

    def error(self, response, status: int, code: str | None = None) -> dict:
        assert response.status_code == status, response.get_data(as_text=True)
        body = self.conforms(response, "Error")
        if code is not None:
            assert body["error"]["code"] == code, body
        return body


@pytest.fixture
def world(make, fast_passwords):
    t = make.tree({"WORLD": None, "EMEA": "WORLD", "DACH": "EMEA", "FR": "EMEA", "AMER": "WORLD"})
    net = make.category("NET")
    acme = make.partner("ACME", t["DACH"])
    beta = make.partner("BETA", t["FR"], country="FR")
    people = {
        "acme_user": make.user("partner_user", partner=acme, email="ann@acme.example"),
        "acme_admin": make.user("partner_admin", partner=acme, email="adam@acme.example"),
        "beta_user": make.user("partner_user", partner=beta, email="bob@beta.example"),
        "dach_manager": make.user("channel_manager", territories=[t["DACH"]]),
        "fr_manager": make.user("channel_manager", territories=[t["FR"]]),
        "finance": make.user("finance", email="fin@v.example"),
        "applicant": make.user("applicant", email="app@new.example"),
    }
    return {
        "t": t,
        "net": net,
        "router": make.product("RTR-1", net),
        "acme": acme,
        "beta": beta,
        **people,
    }


@pytest.fixture
def tokens(world):
    """A read-write token for each person (the secret, as a client would hold it)."""
    return {
        name: create_token(actor=world[name], name=f"{name} CRM", scope="read-write").secret
        for name in (
            "acme_user",
            "acme_admin",
            "beta_user",
            "dach_manager",
            "fr_manager",
            "finance",
        )
    }


@pytest.fixture
def openapi(client):
    return client.get("/api/v1/openapi.json").get_json()


@pytest.fixture
def api(client, tokens, openapi):
    return lambda who: Api(client, tokens[who], openapi)


def deal_body(**changes) -> dict:
    body = {
        "customer_name": "Initech GmbH",
        "domain": "initech.example",
        "country": "DE",
        "estimated_value": "12500.00",
        "currency": "EUR",
        "expected_close_on": future(),
        "categories": ["NET"],
    }
    return {**body, **changes}
