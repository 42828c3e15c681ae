"""The signed-in user's own account: password, and the browsers signed in as them."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from portal.foundation.ratelimit import RateLimited

from ..changes import confirmed, refusal_message
from ..extensions import db
from ..forms import ConfirmForm
from ..models import utcnow
from . import bp, sessions
from .forms import ChangePasswordForm
from .services import AccountError, change_password


def _render(form=None, status: int = 200):
    return render_template(
        "auth/account.html",
        form=form or ChangePasswordForm(formdata=None),
        action_form=ConfirmForm(),
        sessions=sessions.with_last_seen(sessions.live_sessions(current_user)),
        current_id=sessions.current_session_id(),
        now=utcnow(),
    ), status


@bp.get("/account")
@login_required
def account():
    return _render()


@bp.post("/account/password")
@login_required
def password():
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return _render(form, 400)
    try:
        change_password(
            current_user,
            current=form.current.data,
            new=form.new.data,
            keep_session_id=sessions.current_session_id(),
            ip=request.remote_addr or "-",
        )
    except RateLimited as refused:
        form.current.errors.append(refusal_message(refused))
        page, status = _render(form, 429)
        return page, status, {"Retry-After": str(refused.retry_after)}
    except AccountError as exc:
        db.session.rollback()
        getattr(form, exc.field).errors.append(refusal_message(exc))
        return _render(form, 400)
    db.session.commit()
    flash(_("Your password was changed and your other sessions were signed out."), "success")
    return redirect(url_for("auth.account"))


@bp.post("/account/sessions/<int:session_id>/revoke")
@login_required
def revoke(session_id):
    confirmed(ConfirmForm())
    row = sessions.own_session(current_user, session_id)
    if row is None or session_id == sessions.current_session_id():
        abort(404)
    sessions.revoke_session(row, reason="revoked", actor=current_user, ip=request.remote_addr)
    db.session.commit()
    flash(_("That session was signed out."), "success")
    return redirect(url_for("auth.account"))


@bp.post("/account/sessions/revoke-all")
@login_required
def sign_out_everywhere():
    confirmed(ConfirmForm())
    sessions.revoke_all(current_user, reason="sign_out_everywhere", actor=current_user)
    db.session.commit()
    logout_user()
    sessions.forget_browser()
    flash(_("You have been signed out everywhere."), "info")
    return redirect(url_for("auth.login"))
