"""Signing in through an organisation's OpenID Connect provider."""

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.foundation import ratelimit

from ..changes import refusal_message
from ..extensions import db
from . import bp, sessions
from .redirects import safe_next
from .routes import leave_for, login_page
from .sso import services, signout
from .sso.forms import CompanySignInForm

NEXT_KEY = "sso_next"


@bp.post("/login/sso")
def sso_start():
    """Send the browser to the provider serving the e-mail address's domain."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = CompanySignInForm(prefix="sso")
    if not form.validate_on_submit():
        return login_page(company_form=form, status=400)
    try:
        ratelimit.hit(_start_counters())
    except ratelimit.RateLimited as refused:
        return _too_many(form, refused)
    provider = services.provider_for_email(form.email.data)
    if provider is None:
        flash(
            _("No company sign-in is set up for this e-mail domain. Sign in with your password."),
            "warning",
        )
        return login_page(company_form=form, status=404)
    callback = url_for("auth.sso_callback", provider_id=provider.id, _external=True)
    from .sso import client  # Authlib is loaded by the first company sign-in

    try:
        target = client.authorization_url(provider, callback, form.email.data.strip())
    except client.PROTOCOL_ERRORS:
        current_app.logger.warning("SSO provider %s unreachable", provider.id, exc_info=True)
        return _unavailable()
    session[NEXT_KEY] = safe_next(request.args.get("next"))
    return leave_for(target, _("Taking you to your company's sign-in page…"))


def _start_counters() -> list[ratelimit.Counter]:
    config = current_app.config
    return ratelimit.per_identity(
        "sso-start",
        [request.remote_addr or "-"],
        limit=config["SSO_START_RATE_LIMIT"],
        window=config["LOGIN_RATE_WINDOW_SECONDS"],
    )


def _too_many(form, refused: ratelimit.RateLimited):
    flash(refusal_message(refused), "danger")
    page, _status = login_page(company_form=form)
    return page, 429, {"Retry-After": str(refused.retry_after)}


def _unavailable():
    flash(_("Your company's sign-in service does not answer. Please try again later."), "danger")
    return redirect(url_for("auth.login"))


@bp.get("/login/sso/<int:provider_id>/callback")
def sso_callback(provider_id):
    """The provider's answer: the code is exchanged and the ID token checked (by Authlib), then
    the person is signed in with a server-side session like a password sign-in."""
    provider = services.active_provider(provider_id)
    if provider is None:
        flash(_("This company sign-in is not available."), "danger")
        return redirect(url_for("auth.login"))
    next_url = session.pop(NEXT_KEY, None)
    ip = request.remote_addr
    from .sso import client  # Authlib is loaded by the first company sign-in

    started = client.started_here(provider)
    try:
        claims = client.finish(provider)
    except client.PROTOCOL_ERRORS as exc:
        current_app.logger.warning("SSO sign-in refused by protocol checks: %r", exc)
        if started:  # an answer to no sign-in of this browser is logged, not audited
            services.record_refusal(provider, None, f"protocol: {type(exc).__name__}"[:64], ip)
            db.session.commit()
        flash(
            _("The sign-in through your company account could not be completed. Please try again."),
            "danger",
        )
        return redirect(url_for("auth.login"))
    try:
        user = services.sign_in_from_claims(provider, claims, ip=ip)
    except services.SsoRefused as refused:
        if not refused.keep:
            db.session.rollback()
        services.record_refusal(provider, claims, refused.reason, ip)
        db.session.commit()
        flash(refusal_message(refused), "danger")
        return redirect(url_for("auth.login"))
    sessions.sign_in(user)
    signout.remember_provider(provider, claims["id_token"])
    db.session.commit()
    return redirect(safe_next(next_url))
