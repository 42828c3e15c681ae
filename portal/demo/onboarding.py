"""The demo's onboarding: country routing, a partner agreement, and an application to review.

The administrator routes each demo country to its territory and publishes the partner agreement;
Alpennetz's partner administrator has accepted it, so the demo logins are not stopped at the
agreement page. A company from Germany has registered, confirmed its e-mail address, accepted
the agreement and submitted its application, which now waits in the DACH manager's queue.
Through the same services as the public pages; a second load adds nothing.
"""

from __future__ import annotations

from sqlalchemy import func, select

from portal.foundation import signed_links

from ..actors import actor_for
from ..agreements.services import accept_version, publish_version
from ..extensions import db
from ..models import AgreementVersion, Territory, utcnow
from ..onboarding import routing, services
from .data import PASSWORD

ADMIN, PARTNER_ADMIN = "admin@demo.example", "partner.admin@demo.example"
APPLICANT = "applicant@demo.example"
COUNTRY_RULES = {
    "DE": "DACH", "AT": "AUSTRIA", "CH": "SWITZERLAND", "FR": "FRANCE", "GB": "UKI",
    "IE": "IRELAND", "SE": "SWEDEN", "FI": "FINLAND", "US": "NORTH-AMERICA", "CA": "CANADA",
    "BR": "BRAZIL", "MX": "MEXICO", "JP": "JAPAN", "AU": "AUSTRALIA", "NZ": "NEW-ZEALAND",
}  # fmt: skip
AGREEMENT_TITLE = "Nexaline partner agreement"
AGREEMENT_BODY = """\
1. Scope. This agreement governs the resale of Nexaline products and services by the partner.

2. Programs. The partner may take part in the rebate, SPIF and loyalty programs published in the
portal. Each program's rules, as shown on its page, decide what is earned; statements in the
portal explain every amount.

3. Deal registration. A registration approved by Nexaline is protected for the period shown on
the registration. Registrations must describe real opportunities.

4. Claims. Claims are paid only against genuine invoices, which Nexaline may audit for two years.

5. Data. Sales reported by the partner are used to calculate its rewards and are not shared with
other partners.
"""
APPLICATION = services.Registration(
    company_name="Nordwind IT GmbH",
    country="DE",
    website="https://www.nordwind-it.example",
    tax_id="DE 318 452 907",
    address="Hafenstraße 12\n20457 Hamburg",
    business_type="reseller",
    name="Nina Nordmann",
    email=APPLICANT,
    password=PASSWORD,
)


def load_demo_onboarding() -> bool:
    """Set up routing and the agreement and submit the application, once; returns whether
    anything was added. Commits."""
    if db.session.scalar(select(func.count(AgreementVersion.id))):
        return False
    admin, partner_admin = actor_for(ADMIN), actor_for(PARTNER_ADMIN)
    territories = {t.code: t for t in db.session.scalars(select(Territory))}
    for country, code in COUNTRY_RULES.items():
        routing.set_rule(country, territories[code], actor=admin)
    version = publish_version(
        title=AGREEMENT_TITLE, body=AGREEMENT_BODY, effective_on=utcnow().date(), actor=admin
    )
    accept_version(version, actor=partner_admin, ip=None)
    application = services.register(APPLICATION, ip=None)
    if application is not None:  # None: the address already has an account
        token = signed_links.make_token(services.VERIFY, application.id, application.verify_nonce)
        services.verify_email(token, ip=None)
        services.submit_application(application, actor=application.applicant, accept=True, ip=None)
    db.session.commit()
    return True
