"""Single sign-on against a real OpenID Connect provider process (tests/oidc_provider.py)."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import pytest
import requests

from portal.models import SsoProvider

from ..conftest import csrf_token
from ..oidc_provider import start_provider

SECRET_ENV = "PORTAL_TEST_SSO_SECRET"


@pytest.fixture(scope="session")
def oidc(tmp_path_factory):
    with start_provider(tmp_path_factory.mktemp("oidc") / "provider.log") as provider:
        yield provider


@pytest.fixture
def world(make, oidc, monkeypatch):
    """Territories, a partner, and two providers on the test provider: one for staff
    (vendor.example) and one for the partner's people (alpen.example, password sign-in off)."""
    monkeypatch.setenv(SECRET_ENV, "client-secret")
    tree = make.tree({"WORLD": None, "EMEA": "WORLD", "DACH": "EMEA", "AMER": "WORLD"})
    partner = make.partner("ALPEN", tree["DACH"])
    staff = SsoProvider(
        name="Vendor login",
        issuer=oidc.url,
        client_id="portal-staff",
        secret_env=SECRET_ENV,
        domains=["vendor.example"],
        role_map={"portal-admins": "admin", "channel": "channel_manager", "money": "finance"},
        territory_map={
            "channel-emea": ["EMEA"],
            "channel-dach": ["DACH"],
            "channel-amer": ["AMER"],
        },
    )
    partners = SsoProvider(
        name="Alpen login",
        issuer=oidc.url,
        client_id="portal-alpen",
        secret_env=SECRET_ENV,
        domains=["alpen.example"],
        role_map={"portal-owners": "partner_admin"},
        territory_map={},
        partner_id=partner.id,
        password_sign_in_off=True,
    )
    make.session.add_all([staff, partners])
    make.session.flush()
    return {"tree": tree, "partner": partner, "staff": staff, "partners": partners}


def start(client, email: str):
    """Ask the portal for the company sign-in of `email`; the answer (a page leaving for the
    provider, or the sign-in page with a refusal)."""
    token = csrf_token(client)
    return client.post("/login/sso", data={"sso-email": email, "sso-csrf_token": token})


CONTINUE = re.compile(r'id="continue" href="([^"]+)"')


def onward(answer) -> str:
    """Where a page that leaves for the provider sends the browser (its refresh and link)."""
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_data(as_text=True)
    target = html.unescape(CONTINUE.search(body).group(1))
    assert f'content="0;url={html.escape(target)}"' in body
    return target


def authorize(location: str, subject: str) -> str:
    """The person `subject` authorizes at the provider; the callback path the provider sends
    the browser back to (with code and state)."""
    answer = requests.post(location, data={"sub": subject}, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    callback = urlsplit(answer.headers["Location"])
    return f"{callback.path}?{callback.query}"


def sso_sign_in(client, oidc, email: str, subject: str, **claims):
    """The whole journey: the provider knows `subject` with `claims`, the person starts at the
    portal, authorizes at the provider, and comes back. Returns the callback's answer."""
    oidc.set_user(subject, email=email, email_verified=True, **claims)
    location = onward(start(client, email))
    assert location.startswith(f"{oidc.url}/oauth2/authorize?")
    return client.get(authorize(location, subject))
