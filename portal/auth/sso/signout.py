"""Ending the provider's session too when someone who signed in through it signs out."""

from __future__ import annotations

from flask import session, url_for

from ...models import SsoProvider
from . import services

SESSION_KEY = "sso"  # [provider id, ID token] of a sign-in through a provider


def remember_provider(provider: SsoProvider, id_token: str) -> None:
    """Kept in the (signed) Flask session of this sign-in, for the sign-out."""
    session[SESSION_KEY] = [provider.id, id_token]


def provider_logout_url() -> str | None:
    """Where to end the provider's session after signing out here: the provider's end-session
    endpoint when its metadata names one (read before the Flask session is cleared)."""
    kept = session.get(SESSION_KEY)
    if not isinstance(kept, list) or len(kept) != 2 or not isinstance(kept[0], int):
        return None
    provider = services.active_provider(kept[0])
    if provider is None:
        return None
    from . import client  # Authlib is loaded by the first company sign-in, not at start-up

    return client.logout_url(provider, kept[1], url_for("auth.login", _external=True))
