"""The OpenID Connect protocol, done by Authlib: discovery (the issuer's metadata document),
the authorization request with state, nonce and PKCE (S256), the code exchange, and the ID
token's signature, issuer, audience, expiry and nonce checks. Nothing of the protocol is
written here; this module only hands Authlib a provider's settings, a time limit for every
call to the provider, and the clock."""

from __future__ import annotations

import time

from authlib.integrations.flask_client import FlaskIntegration, FlaskOAuth2App, OAuthError
from authlib.oidc.core import CodeIDToken
from flask import current_app, session
from joserfc.errors import JoseError
from requests import RequestException

from ...config import secret_from_environment
from ...models import SsoProvider

# What a failed exchange with a provider raises: a refused or tampered answer, a provider
# that does not answer in time, a metadata document without what OpenID Connect needs.
PROTOCOL_ERRORS = (OAuthError, JoseError, RequestException, ValueError, KeyError, RuntimeError)


def clock() -> int:
    """The time ID tokens are checked against (seconds since the epoch)."""
    return int(time.time())


class IDToken(CodeIDToken):
    """Authlib's ID token claims for the code flow, checked against `clock()`."""

    def validate(self, now=None, leeway=0):  # noqa: A002 - Authlib's signature
        return super().validate(now=clock() if now is None else now, leeway=leeway)


def client_name(provider: SsoProvider) -> str:
    return f"sso{provider.id}"


def client_for(provider: SsoProvider) -> FlaskOAuth2App:
    """An Authlib client for `provider`, its settings as stored now; the client secret is read
    from the environment variable the provider names (empty when unset: the token request is
    then refused by the provider)."""
    name = client_name(provider)
    return FlaskOAuth2App(
        FlaskIntegration(name),
        name,
        client_id=provider.client_id,
        client_secret=secret_from_environment(provider.secret_env) or "",
        server_metadata_url=provider.metadata_url,
        client_kwargs={
            "scope": provider.scopes,
            "code_challenge_method": "S256",
            "default_timeout": current_app.config["SSO_HTTP_TIMEOUT_SECONDS"],
        },
    )


def claims_options(provider: SsoProvider) -> dict:
    """What the ID token must say, for Authlib to check: issued by the issuer the admin
    configured (not merely the one the metadata document names) and meant for this client
    (`aud`; left alone, Authlib would only require an `azp` for a foreign audience)."""
    issuer = provider.issuer.rstrip("/")
    return {
        "iss": {"essential": True, "values": [issuer, issuer + "/"]},
        "aud": {"essential": True, "value": provider.client_id},
    }


def authorization_url(provider: SsoProvider, redirect_uri: str, login_hint: str | None) -> str:
    """The provider's authorization URL for this sign-in; state, nonce and the PKCE verifier
    are kept in the Flask session until the callback."""
    app = client_for(provider)
    extra = {"login_hint": login_hint} if login_hint else {}
    started = app.create_authorization_url(redirect_uri, **extra)
    app.save_authorize_data(redirect_uri=redirect_uri, **started)
    return started["url"]


def started_here(provider: SsoProvider) -> bool:
    """Whether this browser's session holds a sign-in with `provider` waiting for its answer
    (Authlib keeps each pending state under `_state_<client name>_<state>`)."""
    prefix = f"_state_{client_name(provider)}_"
    return any(key.startswith(prefix) for key in session)


def finish(provider: SsoProvider) -> dict:
    """Exchange the callback's code for tokens and return the checked ID token's claims with
    the raw ID token (`id_token`). Raises one of PROTOCOL_ERRORS when anything is wrong,
    including a state that was already used or never issued."""
    token = client_for(provider).authorize_access_token(
        claims_cls=IDToken,
        claims_options=claims_options(provider),
        leeway=current_app.config["SSO_CLOCK_SKEW_SECONDS"],
    )
    claims = token.get("userinfo")
    if not claims:
        raise OAuthError(error="missing_id_token", description="no ID token in the answer")
    return {**dict(claims), "id_token": token["id_token"]}


def logout_url(provider: SsoProvider, id_token: str | None, return_to: str) -> str | None:
    """The provider's end-session URL (RP-initiated logout) when its metadata names one."""
    client = client_for(provider)
    try:
        metadata = client.load_server_metadata()
        if not metadata.get("end_session_endpoint"):
            return None
        return client.create_logout_url(
            post_logout_redirect_uri=return_to, id_token_hint=id_token, client_id=provider.client_id
        )["url"]
    except PROTOCOL_ERRORS:
        return None
