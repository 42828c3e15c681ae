"""Forgot password, and choosing a password from an e-mailed link (reset or first password)."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from portal.foundation.ratelimit import RateLimited
from portal.foundation.signed_links import InvalidToken

from ..changes import refusal_message
from ..extensions import db
from . import bp, passwords, sessions
from .forms import ForgotPasswordForm, NewPasswordForm
from .sso import services as sso

# The link's token is in the address: keep these pages out of caches and Referer headers.
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    if current_user.is_authenticated:
        return redirect(url_for("auth.account"))
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            passwords.request_reset(
                form.email.data, ip=request.remote_addr, locale=str(get_locale())
            )
        except RateLimited as refused:
            form.email.errors.append(refusal_message(refused))
            headers = {**PRIVATE, "Retry-After": str(refused.retry_after)}
            return render_template("auth/forgot.html", form=form), 429, headers
        return redirect(url_for("auth.reset_link_sent"))
    status = 400 if form.errors else 200
    return render_template("auth/forgot.html", form=form), status, PRIVATE


@bp.get("/forgot-password/sent")
def reset_link_sent():
    minutes = passwords.max_age(passwords.RESET) // 60
    return render_template("auth/forgot_sent.html", minutes=minutes), 200, PRIVATE


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token):
    return _choose_password(passwords.RESET, token)


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token):
    return _choose_password(passwords.WELCOME, token)


def _choose_password(purpose: str, token: str):
    page = "auth/choose_password.html"
    if current_user.is_authenticated:
        return render_template(page, purpose=purpose, signed_in=True), 409, PRIVATE
    form = NewPasswordForm()
    try:
        user = passwords.user_for_link(purpose, token)
        if form.validate_on_submit():
            user = passwords.set_password_from_link(
                purpose, token, password=form.password.data, ip=request.remote_addr
            )
            if sso.company_account_only(user):
                db.session.commit()
                flash(_("Your organisation signs in with its company account only."), "warning")
                return redirect(url_for("auth.login"))
            sessions.sign_in(user)
            db.session.commit()
            flash(_("Your password is saved and you are signed in."), "success")
            return redirect(url_for("main.dashboard"))
    except InvalidToken as exc:
        db.session.rollback()
        return render_template(page, purpose=purpose, message=refusal_message(exc)), 400, PRIVATE
    status = 400 if form.errors else 200
    return render_template(page, purpose=purpose, form=form, user=user), status, PRIVATE
