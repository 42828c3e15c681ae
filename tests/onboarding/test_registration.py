"""Self-registration, routing by country, verification links and their rate limits (services)."""

from __future__ import annotations

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select

from portal.foundation import signed_links
from portal.foundation.ratelimit import RateLimited
from portal.foundation.signed_links import InvalidToken
from portal.models import AuditEvent, PartnerApplication, Role, User
from portal.onboarding import routing, services
from portal.security import Forbidden
from workflows.onboarding.errors import OnboardingError

from .helpers import link_in, outbox, registration, verification_token

pytestmark = pytest.mark.usefixtures("rctx")


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_registration_creates_an_applicant_and_a_draft_application(db, world, register):
    application = register(verified=False)
    user = application.applicant
    assert (user.email, user.role, user.partner_id, user.name) == (
        "nora@nordlicht.example",
        Role.APPLICANT.value,
        None,
        "Nora Nord",
    )
    assert user.check_password("a long enough password")
    assert application.state == "draft" and not application.is_verified
    assert (application.website, application.domain_root) == (
        "nordlicht.example",
        "nordlicht.example",
    )
    assert (application.tax_key, application.name_key) == ("DE:123456789", "nordlicht systems")
    assert application.territory.code == "DACH"
    [mail] = outbox(db, "verify_email")
    assert mail.to_address == "nora@nordlicht.example"
    link = link_in(mail)
    assert "/verify-email/" in link
    # The token carries a timestamp, so compare what it opens, not its text.
    assert services.check_verification_token(link.rsplit("/", 1)[1]) is application


def test_countries_without_a_rule_go_to_the_top_of_the_tree(db, world, register):
    application = register(verified=False, country="JP")
    assert application.territory.code == "WORLD"


def test_changing_a_rule_reroutes_open_applications(db, world, register):
    application = register(verified=False)
    routing.set_rule("DE", world["t"]["EMEA"], actor=world["admin"])
    db.session.refresh(application)
    assert application.territory.code == "EMEA"
    routing.delete_rule(
        db.session.scalar(
            select(routing.CountryTerritoryRule).where(routing.CountryTerritoryRule.country == "DE")
        ),
        actor=world["admin"],
    )
    db.session.refresh(application)
    assert application.territory.code == "WORLD"


def test_only_admins_manage_country_rules(world):
    with pytest.raises(Forbidden):
        routing.set_rule("DE", world["t"]["EMEA"], actor=world["dach_manager"])
    with pytest.raises(OnboardingError):
        routing.set_rule("XX", world["t"]["EMEA"], actor=world["admin"])


def test_an_existing_address_gets_a_notice_and_nothing_is_created(db, world, register):
    register(verified=False)
    users, applications = count(db, User), count(db, PartnerApplication)
    again = services.register(
        registration(email="NORA@nordlicht.example", company_name="Evil Twin"), ip="192.0.2.99"
    )
    assert again is None
    assert (count(db, User), count(db, PartnerApplication)) == (users, applications)
    [notice] = outbox(db, "registration_notice")
    assert notice.to_address == "nora@nordlicht.example"
    assert "already have an account" in notice.body_text
    assert len(outbox(db, "verify_email")) == 1


def test_existing_staff_address_is_not_revealed_either(db, world):
    assert services.register(registration(email="dora@v.example"), ip="192.0.2.1") is None
    assert [m.to_address for m in outbox(db, "registration_notice")] == ["dora@v.example"]


def test_registrations_are_rate_limited_per_address(app, db, world):
    limit = app.config["REGISTRATION_RATE_LIMIT"]
    for n in range(limit):
        services.register(registration(email=f"n{n}@nordlicht.example"), ip="198.51.100.7")
    with pytest.raises(RateLimited):
        services.register(registration(email="late@nordlicht.example"), ip="198.51.100.7")
    services.register(registration(email="late@nordlicht.example"), ip="198.51.100.8")


def test_verification_link_works_once(db, world, register):
    application = register(verified=False)
    token = verification_token(application)
    assert services.check_verification_token(token) is application
    services.verify_email(token, ip="192.0.2.10")
    assert application.is_verified and application.verify_nonce is None
    with pytest.raises(InvalidToken):
        services.verify_email(token, ip="192.0.2.10")
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-1] == "application.verify_email"


def test_expired_verification_link_is_refused(app, db, world, register, monkeypatch):
    application = register(verified=False)
    token = verification_token(application)
    monkeypatch.setitem(app.config, "VERIFY_EMAIL_MAX_AGE_SECONDS", -1)
    with pytest.raises(InvalidToken):
        services.verify_email(token, ip=None)
    assert not application.is_verified


def tampered(token: str) -> str:
    """The token with one character of its signature changed. Not the last one: its low bits are
    padding, so some replacements decode to the same signature (and so would a replacement equal
    to what was there)."""
    at = len(token) - 5
    return token[:at] + ("A" if token[at] != "A" else "B") + token[at + 1 :]


@pytest.mark.parametrize(
    "forge",
    [
        lambda app, a: tampered(verification_token(a)),
        lambda app, a: URLSafeTimedSerializer(
            "wrong key", salt="portal.onboarding.verify-email"
        ).dumps({"id": a.id, "n": a.verify_nonce}),
        lambda app, a: signed_links.make_token("invitation", a.id, a.verify_nonce),
        lambda app, a: signed_links.make_token(services.VERIFY, a.id, "0" * 32),
        lambda app, a: signed_links.make_token(services.VERIFY, a.id + 1000, a.verify_nonce),
        lambda app, a: "not-a-token",
    ],
    ids=["tampered", "other-key", "other-purpose", "wrong-nonce", "other-id", "garbage"],
)
def test_forged_verification_links_are_refused(app, db, world, register, forge):
    application = register(verified=False)
    with pytest.raises(InvalidToken):
        services.verify_email(forge(app, application), ip=None)
    assert not application.is_verified


def test_resending_replaces_the_link_and_is_rate_limited(app, db, world, register):
    application = register(verified=False)
    old = verification_token(application)
    applicant = application.applicant
    services.resend_verification(application, actor=applicant, ip="192.0.2.10")
    assert len(outbox(db, "verify_email")) == 2
    with pytest.raises(InvalidToken):
        services.check_verification_token(old)
    for _ in range(app.config["VERIFY_RESEND_RATE_LIMIT"] - 1):
        services.resend_verification(application, actor=applicant, ip="192.0.2.10")
    with pytest.raises(RateLimited):
        services.resend_verification(application, actor=applicant, ip="203.0.113.5")
    services.verify_email(verification_token(application), ip=None)


def test_resend_refused_once_verified_or_for_someone_else(db, world, register):
    mine = register()
    with pytest.raises(OnboardingError, match="already confirmed"):
        services.resend_verification(mine, actor=mine.applicant, ip=None)
    other = register(verified=False, email="o@other.example")
    with pytest.raises(Forbidden):
        services.resend_verification(other, actor=mine.applicant, ip=None)
