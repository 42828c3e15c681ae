"""Endpoint list, registration (secret shown once), edit, enable/disable, delivery log."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from workflows.webhooks import deliveries

from ..changes import REFUSED, commit_or_refuse, commit_or_show, confirmed
from ..extensions import db
from ..forms import ConfirmForm
from ..models import WebhookDelivery, WebhookEndpoint
from ..models.webhooks import DELIVERY_STATES
from ..pagination import paginate
from ..security import Perm, get_unscoped_or_404, requires
from . import bp, services
from .forms import EndpointForm, event_groups


def _submitted(form) -> dict:
    return {
        "url": form.url.data,
        "description": form.description.data,
        "event_types": form.event_types.data,
        "allow_private": form.allow_private.data,
        "actor": current_user,
    }


def _form_page(form, endpoint, status: int):
    page = render_template(
        "webhooks/form.html", form=form, endpoint=endpoint, groups=event_groups(form)
    )
    return page, status


@bp.get("")
@requires(Perm.MANAGE_WEBHOOKS)
def index():
    endpoints = list(db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))
    counts = services.delivery_counts(e.id for e in endpoints)
    return render_template("webhooks/index.html", endpoints=endpoints, counts=counts)


@bp.route("/new", methods=["GET", "POST"])
@requires(Perm.MANAGE_WEBHOOKS)
def new():
    form = EndpointForm()
    if form.validate_on_submit():
        created = commit_or_show(lambda: services.create_endpoint(**_submitted(form)), form)
        if created is not REFUSED:
            # Rendered, not redirected: the secret exists only in this response.
            page = render_template("webhooks/created.html", created=created)
            return page, 200, {"Cache-Control": "no-store"}
    status = 400 if form.is_submitted() else 200
    return _form_page(form, None, status)


@bp.get("/<int:endpoint_id>")
@requires(Perm.MANAGE_WEBHOOKS)
def endpoint(endpoint_id):
    hook = get_unscoped_or_404(WebhookEndpoint, endpoint_id)
    state = request.args.get("state", "")
    stmt = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == hook.id)
    if state in DELIVERY_STATES:
        stmt = stmt.where(WebhookDelivery.state == state)
    page = paginate(stmt.order_by(WebhookDelivery.id.desc()), per_page=25)
    return render_template(
        "webhooks/endpoint.html",
        endpoint=hook,
        page=page,
        states=DELIVERY_STATES,
        action_form=ConfirmForm(),
    )


@bp.route("/<int:endpoint_id>/edit", methods=["GET", "POST"])
@requires(Perm.MANAGE_WEBHOOKS)
def edit(endpoint_id):
    hook = get_unscoped_or_404(WebhookEndpoint, endpoint_id)
    form = EndpointForm(obj=hook)
    if form.validate_on_submit():
        change = lambda: services.update_endpoint(hook, **_submitted(form))  # noqa: E731
        if commit_or_show(change, form) is not REFUSED:
            flash(_("The endpoint was saved."), "success")
            return redirect(url_for("webhooks.endpoint", endpoint_id=hook.id))
    status = 400 if form.is_submitted() else 200
    return _form_page(form, hook, status)


@bp.post("/<int:endpoint_id>/<any(enable, disable):action>")
@requires(Perm.MANAGE_WEBHOOKS)
def switch(endpoint_id, action):
    hook = get_unscoped_or_404(WebhookEndpoint, endpoint_id)
    confirmed(ConfirmForm())
    back = url_for("webhooks.endpoint", endpoint_id=hook.id)
    enable = action == "enable"
    commit_or_refuse(lambda: services.set_enabled(hook, enable, actor=current_user), back)
    if enable:
        flash(_("The endpoint is enabled: new events are sent to it."), "success")
    else:
        flash(_("The endpoint is disabled: no events are sent to it."), "success")
    return redirect(back)


@bp.post("/deliveries/<int:delivery_id>/redeliver")
@requires(Perm.MANAGE_WEBHOOKS)
def redeliver(delivery_id):
    delivery = get_unscoped_or_404(WebhookDelivery, delivery_id)
    confirmed(ConfirmForm())
    back = url_for("webhooks.endpoint", endpoint_id=delivery.endpoint_id)
    commit_or_refuse(lambda: deliveries.redeliver(delivery, current_user), back)
    flash(_("The event was queued for delivery again."), "success")
    return redirect(back)
