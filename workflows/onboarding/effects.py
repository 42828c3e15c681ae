"""What each application event does besides changing the state (the `effect` of each
transition in `states`)."""

from __future__ import annotations

import re

from sqlalchemy import delete, select

from portal.extensions import db
from portal.models import (
    TIERS,
    ApplicationDuplicate,
    Partner,
    PartnerApplication,
    PartnerProfile,
    PartnerTerritory,
    PartnerTier,
    Role,
    Territory,
    utcnow,
)
from portal.models.onboarding import OPEN_STATES
from portal.security import is_visible
from workflows import validators
from workflows.engine import is_currency
from workflows.engine.i18n import N_

from .agreements import pending_version_for
from .duplicates import Company, compare, find_duplicates, normalise_name
from .errors import AgreementNotAccepted, NotVerified, OnboardingError

MAX_TEXT = 4000
CODE_LENGTH = 12


def _required_text(value: str | None, *, field: str, message) -> str:
    try:
        text = validators.text_block((value or "").strip())
    except validators.InvalidValue as exc:
        raise OnboardingError(exc.template, field=field, **exc.params) from None
    if not text:
        raise OnboardingError(message, field=field)
    if len(text) > MAX_TEXT:
        raise OnboardingError(
            N_("Please keep this under %(count)s characters."), count=MAX_TEXT, field=field
        )
    return text


def _company(row) -> Company:
    return Company(row.name, row.tax_key or None, row.domain_root, row.tax_id or "")


def record_duplicates(application: PartnerApplication) -> int:
    """Compare the application with every partner and every other open application; store what
    looks like the same company (also on the other open application) and return how many."""
    application.duplicates.clear()
    db.session.execute(
        delete(ApplicationDuplicate).where(
            ApplicationDuplicate.other_application_id == application.id
        )
    )
    db.session.flush()
    partners = db.session.execute(
        select(
            Partner.id,
            Partner.name,
            PartnerProfile.tax_key,
            PartnerProfile.domain_root,
            PartnerProfile.tax_id,
        ).outerjoin(PartnerProfile, PartnerProfile.partner_id == Partner.id)
    ).all()
    others = db.session.execute(
        select(
            PartnerApplication.id,
            PartnerApplication.company_name.label("name"),
            PartnerApplication.tax_key,
            PartnerApplication.domain_root,
            PartnerApplication.tax_id,
        ).where(PartnerApplication.state.in_(OPEN_STATES), PartnerApplication.id != application.id)
    ).all()
    new = Company(
        application.company_name,
        application.tax_key or None,
        application.domain_root,
        application.tax_id,
    )
    candidates = [(("partner", r.id), _company(r)) for r in partners]
    candidates += [(("application", r.id), _company(r)) for r in others]
    others_by_id = {r.id: _company(r) for r in others}
    found = 0
    for (kind, other_id), reasons in find_duplicates(new, candidates):
        found += 1
        dicts = [reason.as_dict() for reason in reasons]
        if kind == "partner":
            application.duplicates.append(ApplicationDuplicate(partner_id=other_id, reasons=dicts))
            continue
        application.duplicates.append(
            ApplicationDuplicate(other_application_id=other_id, reasons=dicts)
        )
        back = [reason.as_dict() for reason in compare(others_by_id[other_id], new)]
        db.session.add(
            ApplicationDuplicate(
                application_id=other_id, other_application_id=application.id, reasons=back or dicts
            )
        )
    db.session.flush()
    return found


def submit(application: PartnerApplication, actor) -> dict:
    """Only a verified applicant who accepted the current agreement can submit."""
    if not application.is_verified:
        raise NotVerified()
    if pending_version_for(actor) is not None:
        raise AgreementNotAccepted()
    now = utcnow()
    application.submitted_at = application.waiting_since = now
    return {"duplicates": record_duplicates(application)}


def request_info(application: PartnerApplication, actor, question: str | None = None) -> None:
    application.question = _required_text(
        question, field="question", message=N_("Write the question for the applicant.")
    )
    application.answer = None


def resubmit(application: PartnerApplication, actor, answer: str | None = None) -> dict:
    application.answer = _required_text(
        answer, field="answer", message=N_("Answer the channel manager's question.")
    )
    application.waiting_since = utcnow()
    return {"duplicates": record_duplicates(application)}


def reject(application: PartnerApplication, actor, reason: str | None = None) -> None:
    application.rejection_reason = _required_text(
        reason, field="reason", message=N_("Give the reason for the rejection.")
    )
    application.decided_at, application.decided_by_id = utcnow(), actor.id


def generate_partner_code(name: str) -> str:
    """Upper-case letters and digits of the normalised name ("Acme Widgets GmbH" → ACMEWIDGETS),
    with -2, -3 … appended when the code is taken."""
    base = re.sub(r"[^A-Z0-9]", "", normalise_name(name).upper())[:CODE_LENGTH] or "PARTNER"
    taken = set(
        db.session.scalars(
            select(Partner.code).where((Partner.code == base) | Partner.code.like(f"{base}-%"))
        )
    )
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def _check_decision(actor, territory: Territory | None, tier: str | None, currency: str | None):
    if territory is None or not is_visible(territory, actor):
        raise OnboardingError(N_("Choose a territory you manage."), field="territory")
    if tier not in TIERS:
        raise OnboardingError(N_("Choose a starting tier."), field="tier")
    if not is_currency(currency or ""):
        raise OnboardingError(N_("Choose a valid currency."), field="currency")


def approve(
    application: PartnerApplication,
    actor,
    territory: Territory | None = None,
    tier: str | None = None,
    currency: str | None = None,
) -> dict:
    """Create the partner organisation (territory and tier effective from today) with the
    application's company profile, and make the applicant its partner admin."""
    _check_decision(actor, territory, tier, currency)
    if not application.applicant.active:
        raise OnboardingError(N_("The applicant's account is deactivated."))
    today = utcnow().date()
    partner = Partner(
        code=generate_partner_code(application.company_name),
        name=application.company_name,
        country=application.country,
        currency=currency,
    )
    db.session.add(partner)
    db.session.flush()
    partner.path, partner.depth, partner.root_id = f"/{partner.id}/", 0, partner.id
    db.session.add_all(
        [
            PartnerTerritory(partner_id=partner.id, territory_id=territory.id, valid_from=today),
            PartnerTier(partner_id=partner.id, tier=tier, valid_from=today),
            PartnerProfile(
                partner_id=partner.id,
                website=application.website,
                domain_root=application.domain_root,
                tax_id=application.tax_id,
                tax_key=application.tax_key or None,
                address=application.address,
                business_type=application.business_type,
            ),
        ]
    )
    applicant = application.applicant
    applicant.role, applicant.partner_id = Role.PARTNER_ADMIN.value, partner.id
    application.partner_id = partner.id
    application.territory_id = territory.id
    application.decided_at, application.decided_by_id = utcnow(), actor.id
    db.session.flush()
    return {"partner_code": partner.code, "tier": tier, "currency": currency}
