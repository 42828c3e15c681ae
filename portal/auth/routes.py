from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from portal.foundation import data_version
from portal.foundation.ratelimit import RateLimited

from ..changes import refusal_message
from ..extensions import db
from . import bp, sessions
from .forms import LanguageForm, LoginForm
from .redirects import referrer_path, safe_next
from .services import authenticate
from .sso import services as sso
from .sso.forms import CompanySignInForm
from .sso.signout import provider_logout_url


def login_page(form=None, company_form=None, status: int = 200):
    """The sign-in page with both ways in: a password, and the company account (shown while
    some provider is set up)."""
    page = render_template(
        "auth/login.html",
        form=form or LoginForm(),
        company_form=company_form or CompanySignInForm(prefix="sso"),
        sso_enabled=bool(sso.active_providers()),
    )
    return page, status


def leave_for(target: str, heading: str):
    """A page that sends the browser on to an identity provider (auth/sso_continue.html);
    never cached, as its address may carry the ID token (sign-out)."""
    page = render_template("auth/sso_continue.html", target=target, heading=heading)
    return page, 200, {"Cache-Control": "no-store"}


def _too_many(form, refused: RateLimited):
    flash(refusal_message(refused), "danger")
    page, _status = login_page(form)
    return page, 429, {"Retry-After": str(refused.retry_after)}


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        if sso.password_sign_in_off_for(form.email.data):
            return _company_account_only(form)
        try:
            user = authenticate(form.email.data, form.password.data, request.remote_addr or "-")
        except RateLimited as refused:
            return _too_many(form, refused)
        if user is not None and sso.password_sign_in_off_for(form.email.data, user):
            db.session.rollback()  # the sign-in is not recorded: it did not happen
            return _company_account_only(form)
        if user is not None:
            sessions.sign_in(user, remember=form.remember.data)
            db.session.commit()
            return redirect(safe_next(request.args.get("next")))
        flash(_("The e-mail address or password is not correct."), "danger")
        status = 401
    return login_page(form, status=status)


def _company_account_only(form):
    """Password sign-in is off for the organisation: point to the company account instead
    (decided by the address's domain, or after a correct password by the account's
    organisation, so it tells nothing about which addresses have accounts)."""
    flash(_("Your organisation signs in with its company account only."), "warning")
    company_form = CompanySignInForm(prefix="sso", data={"email": form.email.data})
    return login_page(form, company_form, status=403)


@bp.post("/logout")
@login_required
def logout():
    provider_logout = provider_logout_url()
    row = sessions.own_session(current_user, sessions.current_session_id())
    if row is not None:
        sessions.revoke_session(row, reason="sign_out", actor=current_user, ip=request.remote_addr)
        db.session.commit()
    logout_user()
    sessions.forget_browser()
    flash(_("You have been signed out."), "info")
    if provider_logout:
        return leave_for(provider_logout, _("Signing you out of your company account…"))
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
