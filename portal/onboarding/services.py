"""Self-registration, e-mail verification and the applicant's own actions on their application.

Services take the actor, flush and never commit; e-mails are queued in the outbox in the same
transaction and sent by a worker after the caller commits (`workflows.enqueue.pending_mail`).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from portal.foundation import ratelimit, signed_links
from portal.foundation.audit import record_event
from portal.foundation.outbox import public_url, queue_mail
from workflows import validators
from workflows.engine.i18n import N_
from workflows.onboarding.duplicates import (
    domain_root,
    normalise_domain,
    normalise_name,
    normalise_tax_id,
)
from workflows.onboarding.errors import AgreementNotAccepted, NotVerified, OnboardingError
from workflows.onboarding.states import transition

from ..admin.services import create_user
from ..agreements.services import accept_version, pending_version_for
from ..extensions import db
from ..models import ApplicationDocument, PartnerApplication, Role, User, utcnow
from ..models.users import PASSWORD_METHOD
from ..security import Perm, ensure
from . import uploads
from .routing import territory_for_country

VERIFY = "verify-email"
MAX_DOCUMENTS = 10
CLOSED_STATES = ("approved", "rejected")


@dataclass(frozen=True)
class Registration:
    company_name: str
    country: str
    website: str
    tax_id: str
    address: str
    business_type: str
    name: str
    email: str
    password: str
    locale: str | None = None


def _find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def _limit(action: str, identities, limit_key: str, window_key: str) -> None:
    """Refuse (RateLimited) past the configured limit for any of the identities; else count."""
    config = current_app.config
    limit, window = config[limit_key], config[window_key]
    ratelimit.hit(ratelimit.per_identity(action, identities, limit=limit, window=window))


def register(data: Registration, *, ip: str | None) -> PartnerApplication | None:
    """Create the applicant (role `applicant`) and their draft application, and e-mail the
    verification link. For an address that already has an account nothing is created: that
    account gets a notice instead, and the caller shows the same page either way."""
    email = data.email.strip().lower()
    _limit("register", [ip, email], "REGISTRATION_RATE_LIMIT", "REGISTRATION_RATE_WINDOW_SECONDS")
    existing = _find_user(email)
    if existing is not None:
        generate_password_hash(data.password, method=PASSWORD_METHOD)  # same work, same timing
        queue_mail(existing, "registration_notice", {"link": public_url("auth.login")})
        record_event(None, "application.register_existing", existing, ip=ip)
        return None
    user = create_user(
        email=email,
        password=data.password,
        role=Role.APPLICANT.value,
        name=validators.name(data.name),
        locale=data.locale,
    )
    territory = territory_for_country(data.country)
    website = normalise_domain(data.website) or ""
    application = PartnerApplication(
        applicant_id=user.id,
        company_name=validators.name(data.company_name),
        name_key=normalise_name(data.company_name),
        country=data.country,
        website=website,
        domain_root=domain_root(website),
        tax_id=data.tax_id.strip(),
        tax_key=normalise_tax_id(data.tax_id, data.country),
        address=data.address.strip(),
        business_type=data.business_type,
        territory_id=territory.id if territory else None,
        registration_ip=ip,
    )
    db.session.add(application)
    db.session.flush()
    record_event(
        user,
        "application.register",
        application,
        after={"company": application.company_name, "country": application.country},
        ip=ip,
    )
    _send_verification(application)
    return application


def _send_verification(application: PartnerApplication) -> None:
    application.verify_nonce = signed_links.new_nonce()
    token = signed_links.make_token(VERIFY, application.id, application.verify_nonce)
    hours = current_app.config["VERIFY_EMAIL_MAX_AGE_SECONDS"] // 3600
    queue_mail(
        application.applicant,
        "verify_email",
        {
            "application": application,
            "link": public_url("onboarding.verify", token=token),
            "hours": hours,
        },
        related=application,
    )


def _application_for(token: str, *, lock: bool = False) -> PartnerApplication:
    max_age = current_app.config["VERIFY_EMAIL_MAX_AGE_SECONDS"]
    return signed_links.row_for(
        PartnerApplication, VERIFY, token, max_age, "verify_nonce", lock=lock
    )


def check_verification_token(token: str) -> PartnerApplication:
    """The application a verification link is for, if the link is genuine, unexpired and unused."""
    return _application_for(token)


def verify_email(token: str, *, ip: str | None) -> PartnerApplication:
    """Mark the applicant's e-mail as confirmed; the link then stops working."""
    application = _application_for(token, lock=True)
    application.verify_nonce = None
    application.email_verified_at = utcnow()
    db.session.flush()
    record_event(application.applicant, "application.verify_email", application, ip=ip)
    return application


def resend_verification(application: PartnerApplication, *, actor, ip: str | None) -> None:
    ensure(actor, Perm.APPLY_AS_PARTNER, application)
    if application.is_verified:
        raise OnboardingError(N_("Your e-mail address is already confirmed."))
    _limit(
        "verify-resend",
        [ip, f"user:{actor.id}"],
        "VERIFY_RESEND_RATE_LIMIT",
        "VERIFY_RESEND_RATE_WINDOW_SECONDS",
    )
    _send_verification(application)
    record_event(actor, "application.resend_verification", application, ip=ip)


def own_application(user) -> PartnerApplication | None:
    return db.session.scalar(
        select(PartnerApplication).where(PartnerApplication.applicant_id == user.id)
    )


def submit_application(
    application: PartnerApplication, *, actor, accept: bool, ip: str | None
) -> PartnerApplication:
    """Accept the current agreement (when one is pending) and submit for review."""
    if not application.is_verified:
        raise NotVerified()
    version = pending_version_for(actor)
    if version is not None:
        if not accept:
            raise AgreementNotAccepted()
        accept_version(version, actor=actor, ip=ip, application=application)
    return transition(application, "submit", actor)


def answer_question(application: PartnerApplication, *, actor, answer: str) -> PartnerApplication:
    return transition(application, "resubmit", actor, answer=answer)


def documents_open(application: PartnerApplication) -> bool:
    """Whether supporting documents may still be added: until the application is decided."""
    return application.state not in CLOSED_STATES


def add_document(application: PartnerApplication, upload, *, actor) -> ApplicationDocument:
    """Attach a supporting document (PDF, PNG or JPEG) while the application is open."""
    ensure(actor, Perm.APPLY_AS_PARTNER, application)
    if not documents_open(application):
        raise OnboardingError(N_("The application is decided; documents can no longer be added."))
    if len(application.documents) >= MAX_DOCUMENTS:
        raise OnboardingError(
            N_("At most %(count)s documents per application."), count=MAX_DOCUMENTS, field="file"
        )
    checked = uploads.check_upload(upload, uploads.PAPER_TYPES)
    document = ApplicationDocument(
        application_id=application.id,
        filename=checked.filename,
        content_type=checked.content_type,
        size=checked.size,
        storage_name=uploads.store(checked, "applications"),
        uploaded_by_id=actor.id,
    )
    db.session.add(document)
    db.session.flush()
    record_event(
        actor,
        "application.document",
        application,
        after={
            "document_id": document.id,
            "filename": checked.filename,
            "size": checked.size,
        },
    )
    return document
