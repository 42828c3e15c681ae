"""Public registration, e-mail verification and the applicant's own pages."""

from functools import partial

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from portal.foundation.outbox import take_pending
from portal.foundation.ratelimit import RateLimited
from portal.foundation.signed_links import InvalidToken
from workflows import enqueue

from ..agreements.services import pending_version_for
from ..auth import ACCOUNT_ENDPOINTS
from ..changes import REFUSED, commit_or_refuse, commit_or_show, confirmed, refusal_message
from ..downloads import send_stored_file
from ..extensions import db
from ..forms import ConfirmForm
from ..models import ApplicationDocument, Role
from ..models.onboarding import AWAITING_REVIEW
from ..security import Perm, can, get_visible_or_404, requires
from . import bp, services, uploads
from .countries import country_name
from .forms import AnswerForm, DocumentForm, RegistrationForm, SubmitApplicationForm

APPLICANT_ENDPOINTS = frozenset(
    {"auth.login", "auth.logout", "auth.language", "static", "main.home", "agreements.show"}
)


@bp.before_app_request
def applicant_gate():
    """Applicants have no organisation yet: they see their application and nothing else."""
    if not current_user.is_authenticated or current_user.role != Role.APPLICANT.value:
        return None
    endpoint = request.endpoint or ""
    if endpoint in APPLICANT_ENDPOINTS | ACCOUNT_ENDPOINTS or endpoint.startswith("onboarding."):
        return None
    return redirect(url_for("onboarding.status"))


@bp.app_context_processor
def onboarding_helpers() -> dict:
    return {"country_name": country_name}


def _own_application():
    application = services.own_application(current_user)
    if application is None:
        abort(404)
    return application


def _registration(form: RegistrationForm) -> services.Registration:
    fields = ("company_name", "country", "website", "tax_id", "address", "business_type")
    data = {name: getattr(form, name).data for name in fields}
    return services.Registration(
        **data,
        name=form.name.data,
        email=form.email.data,
        password=form.password.data,
        locale=str(get_locale()),
    )


@bp.route("/become-a-partner", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = RegistrationForm()
    if form.validate_on_submit():
        try:
            services.register(_registration(form), ip=request.remote_addr)
            db.session.commit()
        except RateLimited as refused:
            db.session.rollback()
            flash(refusal_message(refused), "danger")
            page = render_template("onboarding/register.html", form=form)
            return page, 429, {"Retry-After": str(refused.retry_after)}
        except IntegrityError:  # the same address registered a moment ago: say the same thing
            db.session.rollback()
            take_pending()
        enqueue.pending_mail()
        return redirect(url_for("onboarding.check_email"))
    return render_template("onboarding/register.html", form=form), 400 if form.errors else 200


@bp.get("/become-a-partner/check-your-email")
def check_email():
    return render_template("onboarding/check_email.html")


@bp.route("/verify-email/<token>", methods=["GET", "POST"])
def verify(token):
    form = ConfirmForm()
    try:
        if not form.validate_on_submit():
            services.check_verification_token(token)
            return render_template("onboarding/verify.html", form=form, valid=True)
        application = services.verify_email(token, ip=request.remote_addr)
    except InvalidToken as exc:
        db.session.rollback()
        message = refusal_message(exc)
        return render_template("onboarding/verify.html", valid=False, message=message), 400
    db.session.commit()
    flash(_("Thank you: your e-mail address is confirmed."), "success")
    if current_user.is_authenticated and current_user.id == application.applicant_id:
        return redirect(url_for("onboarding.submit"))
    return redirect(url_for("auth.login", next=url_for("onboarding.submit")))


def render_status(application, status: int = 200, **forms):
    forms.setdefault("answer_form", AnswerForm())
    forms.setdefault("document_form", DocumentForm())
    return render_template(
        "onboarding/status.html",
        application=application,
        awaiting_review=application is not None and application.state in AWAITING_REVIEW,
        documents_open=application is not None and services.documents_open(application),
        resend_form=ConfirmForm(),
        **forms,
    ), status


@bp.get("/application")
@login_required
def status():
    if current_user.role != Role.APPLICANT.value:
        return redirect(url_for("main.dashboard"))
    return render_status(services.own_application(current_user))


@bp.route("/application/submit", methods=["GET", "POST"])
@requires(Perm.APPLY_AS_PARTNER)
def submit():
    application = _own_application()
    if application.state != "draft":
        return redirect(url_for("onboarding.status"))
    form, status = SubmitApplicationForm(), 200
    submit = partial(
        services.submit_application,
        application,
        actor=current_user,
        accept=form.accept.data,
        ip=request.remote_addr,
    )
    if form.validate_on_submit():
        if commit_or_show(submit, form) is not REFUSED:
            enqueue.pending_mail()
            flash(_("Your application is submitted. We will get back to you soon."), "success")
            return redirect(url_for("onboarding.status"))
        status = 400
    version = pending_version_for(current_user)
    return render_template(
        "onboarding/submit.html", form=form, application=application, version=version
    ), status


@bp.post("/application/resend-verification")
@requires(Perm.APPLY_AS_PARTNER)
def resend_verification():
    confirmed(ConfirmForm())
    resend = partial(
        services.resend_verification, _own_application(), actor=current_user, ip=request.remote_addr
    )
    commit_or_refuse(resend, url_for("onboarding.status"))
    enqueue.pending_mail()
    flash(_("We sent you a new confirmation link."), "info")
    return redirect(url_for("onboarding.status"))


@bp.post("/application/answer")
@requires(Perm.APPLY_AS_PARTNER)
def answer():
    application, form = _own_application(), AnswerForm()
    answer = partial(
        services.answer_question, application, actor=current_user, answer=form.answer.data
    )
    if form.validate_on_submit() and commit_or_show(answer, form) is not REFUSED:
        enqueue.pending_mail()
        flash(_("Thank you: your answer is sent and the application resubmitted."), "success")
        return redirect(url_for("onboarding.status"))
    return render_status(application, 400, answer_form=form)


@bp.post("/application/documents")
@requires(Perm.APPLY_AS_PARTNER)
def upload_document():
    application, form = _own_application(), DocumentForm()
    add = partial(services.add_document, application, form.file.data, actor=current_user)
    if form.validate_on_submit() and commit_or_show(add, form) is not REFUSED:
        flash(_("Document uploaded."), "success")
        return redirect(url_for("onboarding.status"))
    return render_status(application, 400, document_form=form)


@bp.get("/application/documents/<int:document_id>")
@login_required
def document(document_id):
    if not (can(current_user, Perm.APPLY_AS_PARTNER) or can(current_user, Perm.VIEW_APPLICATIONS)):
        abort(404)
    found = get_visible_or_404(ApplicationDocument, document_id)
    path = uploads.stored_path("applications", found.storage_name)
    return send_stored_file(path, mimetype=found.content_type, filename=found.filename)
