"""Every MDF page and action, driven by the URL map, with the ids of ACME's request, claim and
proof: people outside ACME's reach (another partner, even one under the same manager; a
manager of another territory) get a 404 or a 403 and change nothing; people within it (ACME's
users, the managers above it, finance) open every page. A new route with an id is covered as
soon as it is registered, and the lists never show what the scope hides."""

from __future__ import annotations

import io
import re
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.routing import AnyConverter

from portal.mdf.proofs import store_proof
from portal.models import AuditEvent, MdfClaim, MdfRequest
from workflows.mdf import claims, funds, requests

from .conftest import PDF, new_fund, propose
from .test_pages import login, token  # noqa: F401 - one signed-in client per user

ID_PARAMETERS = {"request_id", "mdf_claim_id", "proof_id"}
OUTSIDERS = ("beta_user", "other_admin", "amer_manager")
INSIDERS = ("acme_user", "acme_admin", "dach_manager", "emea_manager", "finance")


@pytest.fixture
def acme(world, db):
    """ACME's approved request with a claim and a stored proof, and BETA's own request."""
    fund = new_fund(world)
    for territory in ("EMEA", "DACH"):
        funds.allocate(fund, actor=world.finance, amount=D(2000), territory=world.t[territory])
    funds.allocate(fund, actor=world.finance, amount=D(1000), partner=world.acme)
    funds.allocate(fund, actor=world.finance, amount=D(200), territory=world.t["DE-S"])
    funds.allocate(fund, actor=world.finance, amount=D(200), partner=world.beta)
    made = requests.approve_request(propose(world, fund), actor=world.dach_manager)
    upload = FileStorage(io.BytesIO(PDF), "proof.pdf", content_type="application/pdf")
    claim = claims.submit_claim(
        made, actor=world.acme_user, amount=D(100), proofs=[store_proof(upload)]
    )
    beta = propose(world, fund, "50.00", partner=world.beta, actor=world.beta_user)
    db.session.commit()
    return {
        "request_id": made.id,
        "mdf_claim_id": claim.id,
        "proof_id": claim.proofs[0].id,
        "beta": beta.id,
    }


def mdf_rules(app, with_ids: bool):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("mdf.")]
    return [r for r in rules if bool(set(r.arguments) & ID_PARAMETERS) == with_ids]


def urls(rule, ids: dict) -> list[str]:
    """The rule filled with ACME's ids, once per choice of an `any(...)` segment."""
    choices = [{}]
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            choices = [{**c, name: item} for c in choices for item in sorted(converter.items)]
    return [_fill(rule.rule, {**ids, **c}) for c in choices]


def _fill(template: str, values: dict) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: str(values[m.group(1)]), template)


def snapshot(db) -> tuple:
    db.session.expire_all()
    return (
        db.session.scalar(select(func.count(AuditEvent.id))),
        tuple(db.session.execute(select(MdfRequest.id, MdfRequest.state).order_by(MdfRequest.id))),
        tuple(db.session.execute(select(MdfClaim.id, MdfClaim.state).order_by(MdfClaim.id))),
    )


def test_the_generated_walk_covers_every_mdf_route_with_an_id(app):
    covered = {r.endpoint for r in mdf_rules(app, with_ids=True)}
    assert {
        "mdf.request_detail",
        "mdf.approve",
        "mdf.decide",
        "mdf.resubmit",
        "mdf.file_claim",
        "mdf.approve_claim",
        "mdf.reject_claim",
        "mdf.proof_download",
    } <= covered


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_get_nothing_from_any_route_with_acmes_ids(app, login, world, db, acme, who):  # noqa: F811
    client = login(getattr(world, who))
    csrf = token(client, "/mdf/requests")
    before = snapshot(db)
    for rule in mdf_rules(app, with_ids=True):
        for url in urls(rule, acme):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                data = {"csrf_token": csrf, "reject-reason": "x"} if method == "POST" else None
                answer = client.open(url, method=method, data=data)
                assert answer.status_code in (403, 404), (who, method, url, answer.status_code)
    assert snapshot(db) == before


@pytest.mark.parametrize("who", INSIDERS)
def test_insiders_open_every_page_with_acmes_ids(app, login, world, db, acme, who):  # noqa: F811
    client = login(getattr(world, who))
    for rule in mdf_rules(app, with_ids=True):
        if "GET" in rule.methods:
            for url in urls(rule, acme):
                assert client.get(url).status_code == 200, (who, url)


@pytest.mark.parametrize("who", (*OUTSIDERS, *INSIDERS))
def test_lists_show_only_requests_in_scope(app, login, world, db, acme, who):  # noqa: F811
    user = getattr(world, who)
    client = login(user)
    sees_acme = who in INSIDERS
    sees_beta = who in ("beta_user", "dach_manager", "emea_manager", "finance")
    pages = ["/mdf/requests", "/dashboard"]
    if who.endswith("manager") or who == "finance":
        pages.append("/mdf/queue")
    for path in pages:
        body = client.get(path).get_data(as_text=True)
        acme_link = f'href="/mdf/requests/{acme["request_id"]}'
        beta_link = f'href="/mdf/requests/{acme["beta"]}'
        if path == "/mdf/requests":
            assert (acme_link in body) == sees_acme, (who, path)
            assert (beta_link in body) == sees_beta, (who, path)
        else:
            assert not (acme_link in body and not sees_acme), (who, path)
            assert not (beta_link in body and not sees_beta), (who, path)
