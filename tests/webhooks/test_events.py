"""Which audited changes announce which webhook events: the map names real audit actions, every
event type is produced, labelled and documented, and the payload is the object after the change."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from portal.api.registry import openapi_document
from portal.foundation.audit import record_event
from portal.foundation.webhooks import EVENT_TYPES, EVENTS, event_object_kind, event_type_for
from portal.labels import LABELS
from portal.models import WebhookDelivery
from workflows.deals.states import DEALS
from workflows.mdf.claims import CLAIMS as MDF_CLAIMS
from workflows.mdf.request_states import REQUESTS
from workflows.onboarding.states import APPLICATIONS
from workflows.payables.batches import BATCHES
from workflows.payables.claims import CLAIMS
from workflows.rewards.redemptions import REDEMPTIONS

MACHINES = (DEALS, APPLICATIONS, CLAIMS, BATCHES, REDEMPTIONS, REQUESTS, MDF_CLAIMS)
# Audited outside a state machine (the record_event calls that create or finish the object).
PLAIN_ACTIONS = {
    "claims.submit",
    "calc.run.done",
    "calc.run.failed",
    "calc.run.approve",
    "points.redemption.request",
    "mdf.request.submit",
    "mdf.claim.submit",
}


def machine_actions() -> set[str]:
    return {
        rule.audit or f"{machine.name}.{event}"
        for machine in MACHINES
        for event, rules in machine.rules.items()
        for rule in rules
    }


def test_every_mapped_action_is_one_the_workflows_audit():
    assert set(EVENTS) <= machine_actions() | PLAIN_ACTIONS


def test_every_event_type_is_produced_labelled_and_documented(app):
    produced = set()
    for rule in EVENTS.values():
        if isinstance(rule, str):
            produced.add(rule)
            continue
        for state in (
            "submitted",
            "first_approved",
            "approved",
            "rejected",
            "returned",
            "claimed",
            "lapsed",
            "draft",
        ):
            found = rule(SimpleNamespace(state=state))
            produced |= {found} if found else set()
    assert produced == set(EVENT_TYPES)
    assert set(LABELS["webhook_event"]) == set(EVENT_TYPES)
    with app.test_request_context():
        document = openapi_document()
    assert set(document["webhooks"]) == set(EVENT_TYPES)
    for event_type, item in document["webhooks"].items():
        ref = item["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        schema = document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
        assert event_type in schema["properties"]["type"]["enum"]
        assert schema["properties"]["data"]["properties"]["object"]["const"] == (
            event_object_kind(event_type)
        )


def test_a_state_that_announces_nothing_records_nothing():
    assert event_type_for("claims.approve", SimpleNamespace(state="submitted")) is None
    assert event_type_for("deal.create", SimpleNamespace(state="draft")) is None
    assert event_type_for("mdf.request.return", SimpleNamespace(state="returned")) == (
        "mdf.request.returned"
    )


@pytest.mark.parametrize("as_tuple", [False, True])
def test_an_event_named_by_table_and_id_carries_the_object(db, redis, world, hook, as_tuple):
    from .test_delivery import approve_and_commit

    hook(events=("deal.expired",))
    deal = approve_and_commit(db, world)
    named = ("deal_registrations", deal.id) if as_tuple else deal
    record_event(None, "deal.expire", named)
    [delivery] = db.session.scalars(select(WebhookDelivery)).all()
    assert delivery.payload["type"] == "deal.expired" and delivery.payload["actor"] is None
    assert delivery.payload["data"]["fields"]["reference"] == deal.reference
    assert delivery.payload["data"]["fields"]["estimated_value"] == format(
        deal.estimated_value, "f"
    )


def test_the_reference_page_shows_the_documented_recipe(client):
    from portal.api.webhook_docs import VERIFY_RECIPE

    from .conftest import DOCS

    assert f"```python\n{VERIFY_RECIPE}```" in DOCS.read_text()
    html = client.get("/api/v1/docs").get_data(as_text=True)
    assert 'id="webhooks"' in html and "def verify_portal_signature" in html
    assert 'id="webhook_deal_approved"' in html


def test_a_finished_calculation_run_is_announced(db, redis, world, hook, make):
    from datetime import date

    from workflows.calc.runs import start_run

    from ..api.conftest import PROGRAM
    from ..calc.conftest import execute_inline, load_program

    hook(events=("calc_run.finished",))
    make.sale(world["acme"], world["router"], "2000", sold_on=date(2026, 8, 3))
    make.fx("EUR", "1", date(2020, 1, 1))
    program = load_program(PROGRAM, world["finance"])
    run = start_run(program, actor=world["finance"])
    db.session.commit()
    assert db.session.scalars(select(WebhookDelivery)).all() == []
    execute_inline(run.id)
    [delivery] = db.session.scalars(select(WebhookDelivery)).all()
    assert delivery.event_type == "calc_run.finished"
    fields = delivery.payload["data"]["fields"]
    assert (fields["id"], fields["status"], fields["currency"]) == (run.id, "done", "EUR")
    assert fields["total_amount"] == "40.0000" and delivery.payload["actor"] is None
