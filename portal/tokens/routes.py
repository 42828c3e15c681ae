"""The profile page for personal API tokens: list, create (secret shown once), revoke."""

from flask import abort, flash, render_template
from flask_babel import gettext as _
from flask_login import current_user

from ..changes import confirmed
from ..extensions import db
from ..forms import ConfirmForm
from ..models import utcnow
from ..security import Perm, requires
from . import bp, services
from .forms import NewTokenForm


def render_tokens(form=None, issued=None, status: int = 200):
    return render_template(
        "tokens/index.html",
        tokens=services.tokens_of(current_user),
        form=form or NewTokenForm(formdata=None),
        action_form=ConfirmForm(),
        issued=issued,
        now=utcnow(),
    ), status


@bp.get("/profile/tokens")
@requires(Perm.USE_API)
def index():
    return render_tokens()


@bp.post("/profile/tokens")
@requires(Perm.USE_API)
def create():
    form = NewTokenForm()
    if not form.validate_on_submit():
        return render_tokens(form=form, status=400)
    issued = services.create_token(
        actor=current_user,
        name=form.name.data,
        scope=form.scope.data,
        expires_on=form.expires_on.data,
    )
    db.session.commit()
    # Rendered, not redirected: the secret exists only in this response, which nothing caches.
    page, status = render_tokens(issued=issued)
    return page, status, {"Cache-Control": "no-store"}


@bp.post("/profile/tokens/<int:token_id>/revoke")
@requires(Perm.USE_API)
def revoke(token_id):
    token = services.own_token_or_none(current_user, token_id) or abort(404)
    confirmed(ConfirmForm())
    services.revoke_token(token, actor=current_user)
    db.session.commit()
    flash(_("The token %(name)s was revoked.", name=token.name), "success")
    return render_tokens()
