"""The resources library pages and downloads."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..changes import REFUSED, commit_or_show, confirmed
from ..downloads import send_stored_file
from ..extensions import db
from ..forms import ConfirmForm
from ..models import Resource, Territory
from ..onboarding.forms import territory_choices
from ..pagination import paginate
from ..security import Perm, can, get_visible_or_404, requires
from . import bp, services
from .forms import ResourceForm


def _form(**kwargs) -> ResourceForm:
    form = ResourceForm(**kwargs)
    form.territories.choices = territory_choices(
        db.session.scalars(select(Territory).order_by(Territory.path))
    )
    return form


def render_library(form=None, status: int = 200):
    publisher = can(current_user, Perm.PUBLISH_RESOURCES)
    return render_template(
        "resources/index.html",
        page=paginate(services.library(current_user), per_page=30),
        form=(form or _form(formdata=None)) if publisher else None,
        action_form=ConfirmForm(),
    ), status


@bp.get("/resources")
@requires(Perm.VIEW_RESOURCES)
def index():
    return render_library()


@bp.post("/resources")
@requires(Perm.PUBLISH_RESOURCES)
def publish():
    form = _form()

    def publish_resource():
        services.publish(
            title=form.title.data,
            description=form.description.data,
            kind=form.kind.data,
            url=form.url.data,
            upload=form.file.data,
            tiers=form.tiers.data or [],
            territory_ids=form.territories.data or [],
            actor=current_user,
        )

    if form.validate_on_submit() and commit_or_show(publish_resource, form) is not REFUSED:
        flash(_("Resource published."), "success")
        return redirect(url_for("resources.index"))
    return render_library(form, 400)


@bp.post("/resources/<int:resource_id>/<any(archive, restore):action>")
@requires(Perm.PUBLISH_RESOURCES)
def set_active(resource_id, action):
    confirmed(ConfirmForm())
    resource = get_visible_or_404(Resource, resource_id)
    services.set_active(resource, action == "restore", actor=current_user)
    db.session.commit()
    flash(_("Resource restored.") if action == "restore" else _("Resource archived."), "success")
    return redirect(url_for("resources.index"))


@bp.get("/resources/<int:resource_id>/download")
@requires(Perm.VIEW_RESOURCES)
def download(resource_id):
    resource = get_visible_or_404(Resource, resource_id)
    if resource.kind != "document":
        abort(404)
    return send_stored_file(
        services.stored_file(resource), mimetype=resource.content_type, filename=resource.filename
    )
