"""Only paths on this site are followed after signing in or accepting an agreement."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from portal.auth.redirects import is_safe_path

from .conftest import CSRF_RE, csrf_token
from .factories import PASSWORD

UNSAFE = [
    None,
    "",
    "//evil.example",
    "//evil.example/x",
    "///evil.example",
    "/\t/evil.example",  # what /%09/evil.example arrives as
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/\r/evil.example",
    "\t//evil.example",
    "/\x00/evil.example",
    "/\x0b/evil.example",
    "/\x7f/evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "https://evil.example",
    "https:evil.example",
    "http:/evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "deals",
    " /deals",
    "/%2Fevil.example",  # decodes to //evil.example
    "%2F%2Fevil.example",
    "/%09/evil.example",
    "/%5Cevil.example",
    "/%252F/evil.example",  # twice encoded
    "/%0D%0A/evil.example",
    "/" + quote(quote(quote(quote("/evil.example", safe=""), safe=""), safe=""), safe=""),
    "/" + "a" * 3000,
]

SAFE = ["/", "/deals", "/deals?state=approved&page=2", "/agreement/accept?next=/deals", "/a/b/c"]


@pytest.mark.parametrize("target", UNSAFE)
def test_unsafe_targets_are_refused(target):
    assert not is_safe_path(target)


@pytest.mark.parametrize("target", SAFE)
def test_paths_on_this_site_are_followed(target):
    assert is_safe_path(target)


@pytest.fixture
def partner_user(make):
    return make.user("partner_user", partner=make.partner("P1", make.territory("WORLD")))


@pytest.mark.parametrize(
    "query",
    [
        "next=/%09/evil.example",
        "next=/%0d%0a/evil.example",
        "next=%2F%2Fevil.example",
        "next=/%5Cevil.example",
        "next=https://evil.example",
        "next=javascript:alert(1)",
    ],
)
def test_sign_in_never_redirects_off_site(client, partner_user, query):
    data = {"email": partner_user.email, "password": PASSWORD, "csrf_token": csrf_token(client)}
    response = client.post(f"/login?{query}", data=data)
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"


def test_sign_in_follows_a_path_on_this_site(client, partner_user):
    data = {"email": partner_user.email, "password": PASSWORD, "csrf_token": csrf_token(client)}
    response = client.post("/login?next=/deals%3Fstate%3Dapproved", data=data)
    assert response.headers["Location"] == "/deals?state=approved"


def test_the_agreement_gate_uses_the_same_check(make, login):
    from portal.agreements.services import publish_version
    from portal.models import utcnow

    admin = make.user("admin")
    partner = make.partner("P2", make.territory("EMEA"))
    boss = make.user("partner_admin", partner=partner)
    publish_version(title="Terms", body="Be nice.", effective_on=utcnow().date(), actor=admin)
    client = login(boss)
    page = client.get("/agreement/accept?next=/%09/evil.example")
    token = CSRF_RE.search(page.text).group(1)
    response = client.post(
        "/agreement/accept?next=/%09/evil.example", data={"csrf_token": token, "accept": "y"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"


def test_the_language_switch_only_returns_to_this_site(client):
    token = csrf_token(client)
    response = client.post(
        "/language",
        data={"locale": "fr", "csrf_token": token},
        headers={"Referer": "http://evil.example/localhost/x"},
    )
    assert response.headers["Location"] == "/dashboard"
    back = client.post(
        "/language",
        data={"locale": "fr", "csrf_token": token},
        headers={"Referer": "http://localhost/deals?state=approved"},
    )
    assert back.headers["Location"] == "/deals?state=approved"
