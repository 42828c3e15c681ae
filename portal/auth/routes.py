from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from .. import data_version
from ..extensions import db
from . import bp
from .forms import LanguageForm, LoginForm
from .services import TooManyAttempts, authenticate


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("main.dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data, request.remote_addr or "-")
        except TooManyAttempts:
            flash(_("Too many failed sign-in attempts. Please wait a few minutes."), "danger")
            return render_template("auth/login.html", form=form), 429
        if user is not None:
            db.session.commit()
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
        flash(_("The e-mail address or password is not correct."), "danger")
        status = 401
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash(_("You have been signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/language")
def language():
    form = LanguageForm()
    from flask import current_app

    form.locale.choices = list(current_app.config["LANGUAGES"].items())
    if not form.validate_on_submit():
        abort(400)
    response = redirect(
        _safe_next(request.referrer and request.referrer.split(request.host, 1)[-1])
    )
    if current_user.is_authenticated:
        current_user.locale = form.locale.data
        data_version.mark_changed(db.session)  # pages and the kept user follow the new language
        db.session.commit()
    response.set_cookie("lang", form.locale.data, max_age=3600 * 24 * 365, samesite="Lax")
    return response
