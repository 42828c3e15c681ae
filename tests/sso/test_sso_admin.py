"""Admins keep the providers: the pages, the checks on what is entered, the audit trail."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.models import AuditEvent, SsoProvider

from ..conftest import csrf_token

FORM = {
    "name": "Vendor login",
    "issuer": "https://login.vendor.example/",
    "client_id": "portal",
    "secret_env": "VENDOR_SSO_SECRET",
    "scopes": "openid email profile",
    "domains": "Vendor.example\n@vendor-labs.example",
    "groups_claim": "groups",
    "role_map": "portal-admins = admin\nsales = channel_manager",
    "territory_map": "sales-emea = EMEA",
    "partner_id": "",
    "active": "y",
}


@pytest.fixture
def admin(login, make):
    make.tree({"WORLD": None, "EMEA": "WORLD"})
    return login(make.user("admin"))


def _post(client, path, **changes):
    data = {**FORM, **changes, "csrf_token": csrf_token(client, path)}
    return client.post(path, data={k: v for k, v in data.items() if v is not None})


def _count(db) -> int:
    return db.session.scalar(select(func.count(SsoProvider.id)))


def test_admin_adds_a_provider(admin, db):
    answer = _post(admin, "/admin/sso/new")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/admin/sso")
    provider = db.session.scalar(select(SsoProvider))
    assert provider.issuer == "https://login.vendor.example"
    assert provider.domains == ["vendor-labs.example", "vendor.example"]
    assert provider.role_map == {"portal-admins": "admin", "sales": "channel_manager"}
    assert provider.territory_map == {"sales-emea": ["EMEA"]}
    assert provider.secret_env == "VENDOR_SSO_SECRET"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sso_provider.create"))
    assert event.after["domains"] == ["vendor-labs.example", "vendor.example"]
    listing = admin.get("/admin/sso").get_data(as_text=True)
    assert "Vendor login" in listing and "vendor.example" in listing
    edit = admin.get(f"/admin/sso/{provider.id}").get_data(as_text=True)
    assert f"/login/sso/{provider.id}/callback" in edit


def test_admin_edits_a_partner_provider(admin, db, make):
    partner = make.partner("ALPEN", make.territory("DACH"))
    _post(admin, "/admin/sso/new")
    provider = db.session.scalar(select(SsoProvider))
    answer = _post(
        admin,
        f"/admin/sso/{provider.id}",
        partner_id=str(partner.id),
        role_map="owners = partner_admin",
        territory_map="",
        password_sign_in_off="y",
    )
    assert answer.status_code == 302
    db.session.refresh(provider)
    assert (provider.partner_id, provider.password_sign_in_off) == (partner.id, True)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sso_provider.update"))
    assert event.before["partner_id"] is None and event.after["partner_id"] == partner.id


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"issuer": "http://login.vendor.example"}, "must be an https:// address"),
        ({"issuer": "ftp://x"}, "must be an https:// address"),
        ({"domains": "not a domain"}, "is not an e-mail domain"),
        ({"secret_env": "the secret itself!"}, "Name an environment variable"),
        ({"scopes": "email profile"}, "must include openid"),
        ({"role_map": "sales = partner_admin"}, "is not a role this provider can give"),
        ({"role_map": "no equals sign"}, "Write one mapping a line"),
        ({"territory_map": "sales = NOWHERE"}, "Unknown territory code(s): NOWHERE"),
        ({"password_sign_in_off": "y"}, "only be turned off for a partner organisation"),
        ({"partner_id": "999999"}, "Not a valid choice"),
        ({"name": ""}, "Enter a name."),
    ],
)
def test_bad_settings_are_refused_and_nothing_is_saved(admin, db, changes, message):
    answer = _post(admin, "/admin/sso/new", **changes)
    assert answer.status_code == 400
    assert message in answer.get_data(as_text=True)
    assert _count(db) == 0


def test_a_partner_provider_maps_no_territories(admin, db, make):
    partner = make.partner("ALPEN", make.territory("DACH"))
    answer = _post(admin, "/admin/sso/new", partner_id=str(partner.id), role_map="")
    assert answer.status_code == 400
    assert "Territories are mapped for staff providers only." in answer.get_data(as_text=True)
    assert _count(db) == 0


def test_a_domain_has_one_provider(admin, db):
    _post(admin, "/admin/sso/new")
    answer = _post(admin, "/admin/sso/new", name="Second", domains="vendor.example")
    assert answer.status_code == 400
    assert "vendor.example is already served by Vendor login" in answer.get_data(as_text=True)
    assert _count(db) == 1


@pytest.mark.parametrize("role", ["partner_admin", "channel_manager", "finance"])
def test_only_admins_open_the_pages(login, make, role):
    territory = make.territory("T")
    partner = make.partner("P", territory)
    user = make.user(
        role,
        partner=partner if role == "partner_admin" else None,
        territories=[territory] if role == "channel_manager" else (),
    )
    client = login(user)
    assert client.get("/admin/sso").status_code == 403
    assert client.get("/admin/sso/new").status_code == 403
