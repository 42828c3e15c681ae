from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from portal.foundation import data_version
from portal.foundation.ratelimit import RateLimited

from ..changes import refusal_message
from ..extensions import db
from ..models import UserSession
from . import bp, sessions
from .forms import LanguageForm, LoginForm
from .redirects import referrer_path, safe_next
from .services import authenticate


def _too_many(form, refused: RateLimited):
    flash(refusal_message(refused), "danger")
    page = render_template("auth/login.html", form=form)
    return page, 429, {"Retry-After": str(refused.retry_after)}


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data, request.remote_addr or "-")
        except RateLimited as refused:
            return _too_many(form, refused)
        if user is not None:
            sessions.sign_in(user, remember=form.remember.data)
            db.session.commit()
            return redirect(safe_next(request.args.get("next")))
        flash(_("The e-mail address or password is not correct."), "danger")
        status = 401
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    row = db.session.get(UserSession, sessions.current_session_id() or 0)
    if row is not None:
        sessions.revoke_session(row, reason="sign_out", actor=current_user, ip=request.remote_addr)
        db.session.commit()
    logout_user()
    sessions.forget_browser()
    flash(_("You have been signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/language")
def language():
    form = LanguageForm()
    form.locale.choices = list(current_app.config["LANGUAGES"].items())
    if not form.validate_on_submit():
        abort(400)
    response = redirect(safe_next(referrer_path()))
    if current_user.is_authenticated:
        current_user.locale = form.locale.data
        data_version.mark_changed(db.session)  # pages and the kept user follow the new language
        db.session.commit()
    response.set_cookie("lang", form.locale.data, max_age=3600 * 24 * 365, samesite="Lax")
    return response
