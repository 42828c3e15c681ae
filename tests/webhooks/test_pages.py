"""The administrators' webhook pages: register (secret shown once), edit, switch, log, redeliver."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.models import AuditEvent, WebhookDelivery, WebhookEndpoint
from workflows.webhooks import deliveries

from ..conftest import csrf_token
from .test_delivery import approve_and_commit

SECRET = re.compile(r'id="webhook-secret">(whsec_[A-Za-z0-9_-]+)<')


def endpoints(db):
    db.session.expire_all()
    return list(db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def test_an_admin_registers_an_endpoint_and_sees_the_secret_once(db, login, world):
    client = login(world["admin"])
    assert "No webhook endpoints yet" in client.get("/admin/webhooks").get_data(as_text=True)
    token = csrf_token(client, "/admin/webhooks/new")
    response = client.post(
        "/admin/webhooks/new",
        data={
            "csrf_token": token,
            "url": "https://crm.example.com/portal-events",
            "description": "Sales CRM",
            "event_types": ["deal.approved", "deal.won"],
        },
    )
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    secret = SECRET.search(response.get_data(as_text=True)).group(1)
    [endpoint] = endpoints(db)
    assert endpoint.event_types == ["deal.approved", "deal.won"] and not endpoint.allow_private
    for page in ("/admin/webhooks", f"/admin/webhooks/{endpoint.id}"):
        html = client.get(page).get_data(as_text=True)
        assert "crm.example.com/portal-events" in html and secret not in html
    html = client.get(f"/admin/webhooks/{endpoint.id}").get_data(as_text=True)
    assert "Deal registration approved" in html and "Deal reported won" in html
    audit = db.session.scalars(
        select(AuditEvent.after).where(AuditEvent.action == "webhook.endpoint.create")
    ).one()
    assert secret not in str(audit)


def test_bad_registrations_are_shown_and_write_nothing(db, login, world):
    client = login(world["admin"])
    token = csrf_token(client, "/admin/webhooks/new")
    cases = [
        (
            {"url": "ftp://crm.example.com/x", "event_types": ["deal.won"]},
            "Enter an http or https URL",
        ),
        ({"url": "http://10.0.0.8/hook", "event_types": ["deal.won"]}, "10.0.0.8 is a private"),
        ({"url": "https://crm.example.com/x"}, "Choose at least one event."),
        ({"url": "https://crm.example.com/x", "event_types": ["deal.nope"]}, "not a valid choice"),
    ]
    for data, message in cases:
        response = client.post("/admin/webhooks/new", data={"csrf_token": token, **data})
        assert response.status_code == 400, data
        assert message in response.get_data(as_text=True), data
    assert endpoints(db) == []
    response = client.post(
        "/admin/webhooks/new",
        data={
            "csrf_token": token,
            "url": "http://10.0.0.8/hook",
            "event_types": ["deal.won"],
            "allow_private": "y",
        },
    )
    assert response.status_code == 200 and endpoints(db)[0].allow_private


def test_edit_disable_enable(db, login, world, hook):
    endpoint = hook(events=("deal.approved",)).endpoint
    client = login(world["admin"])
    page = f"/admin/webhooks/{endpoint.id}"
    token = csrf_token(client, f"{page}/edit")
    response = client.post(
        f"{page}/edit",
        data={
            "csrf_token": token,
            "url": endpoint.url,
            "description": "ERP",
            "event_types": ["payout_batch.exported", "settlement.approved"],
            "allow_private": "y",
        },
    )
    assert response.status_code == 302
    [saved] = endpoints(db)
    assert saved.event_types == ["settlement.approved", "payout_batch.exported"]
    assert saved.description == "ERP"
    assert client.post(f"{page}/disable", data={"csrf_token": token}).status_code == 302
    assert not endpoints(db)[0].enabled
    html = client.get(page).get_data(as_text=True)
    assert "Disabled by an administrator." in html and ">Enable<" in html
    assert client.post(f"{page}/enable", data={"csrf_token": token}).status_code == 302
    assert endpoints(db)[0].enabled
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("webhook.%")).order_by(AuditEvent.id)
    ).all()
    assert actions == [
        "webhook.endpoint.create",
        "webhook.endpoint.update",
        "webhook.endpoint.disable",
        "webhook.endpoint.enable",
    ]


def test_the_delivery_log_shows_status_codes_and_errors_and_redelivers(
    db, redis, login, world, hook, receiver
):
    endpoint = hook(events=("deal.approved",)).endpoint
    receiver.expect_request("/hook").respond_with_data("nope", status=410)
    approve_and_commit(db, world)
    [delivery] = db.session.scalars(select(WebhookDelivery)).all()
    deliveries.attempt(delivery.id)
    client = login(world["admin"])
    page = f"/admin/webhooks/{endpoint.id}"
    html = client.get(page).get_data(as_text=True)
    assert "HTTP 410" in html and "Deal registration approved" in html and "pending" in html
    assert delivery.event_id in html
    assert ">Redeliver<" not in html  # a pending delivery is retried anyway
    delivery.state = "failed"
    db.session.commit()
    html = client.get(f"{page}?state=failed").get_data(as_text=True)
    assert ">Redeliver<" in html
    assert "No deliveries yet" in client.get(f"{page}?state=delivered").get_data(as_text=True)
    token = csrf_token(client, page)
    response = client.post(
        f"/admin/webhooks/deliveries/{delivery.id}/redeliver", data={"csrf_token": token}
    )
    assert response.status_code == 302
    db.session.expire_all()
    again = db.session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.redelivery_of_id == delivery.id)
    ).one()
    assert again.event_id == delivery.event_id and again.state == "pending"


def test_only_admins_open_the_webhook_pages(app, db, login, world, hook):
    endpoint = hook().endpoint
    client = login(world["finance"])
    for path in ("/admin/webhooks", "/admin/webhooks/new", f"/admin/webhooks/{endpoint.id}"):
        assert client.get(path).status_code == 403


def test_an_unknown_endpoint_is_a_404(db, login, world):
    client = login(world["admin"])
    assert client.get("/admin/webhooks/999999").status_code == 404
