"""`portal webhooks list|deliveries|redeliver`, as an administrator and refused to others."""

from __future__ import annotations

import shlex

import pytest
from sqlalchemy import func, select

from portal.models import WebhookDelivery

from .test_delivery import approve_and_commit


@pytest.fixture
def cli(app, db, redis):
    runner = app.test_cli_runner()
    return lambda command: runner.invoke(
        args=["webhooks", *shlex.split(command)], catch_exceptions=False
    )


def test_list_deliveries_and_redeliver(cli, db, world, hook):
    endpoint = hook(events=("deal.submitted", "deal.approved")).endpoint
    approve_and_commit(db, world)
    listed = cli("list --as ada@v.example")
    assert listed.exit_code == 0
    assert f"{endpoint.id}\tenabled\t{endpoint.url}\tdeal.submitted,deal.approved" in listed.output
    shown = cli(f"deliveries {endpoint.id} --state pending --as ada@v.example")
    assert shown.exit_code == 0 and shown.output.count("\tpending\t0\t-") == 2
    first = db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).first()
    again = cli(f"redeliver {first.id} --as ada@v.example")
    assert again.exit_code == 0 and f"event_id={first.event_id}" in again.output
    assert db.session.scalar(select(func.count(WebhookDelivery.id))) == 3


def test_refusals_exit_1_and_usage_errors_exit_2(cli, db, world, hook):
    endpoint = hook().endpoint
    assert cli("list --as fin@v.example").exit_code == 1
    assert "not allowed" in cli("list --as fin@v.example").output
    missing = cli("redeliver 999999 --as ada@v.example")
    assert missing.exit_code == 1 and "no webhook delivery 999999" in missing.output
    assert cli(f"deliveries {endpoint.id} --state nope --as ada@v.example").exit_code == 2
    assert cli("deliveries x --as ada@v.example").exit_code == 2
