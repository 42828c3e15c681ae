"""Running behind reverse proxies: whose word to take for the client's address and scheme."""

from __future__ import annotations

from werkzeug.middleware.proxy_fix import ProxyFix


def trust_proxies(app) -> None:
    """Take X-Forwarded-For/-Proto/-Host from the TRUSTED_PROXIES nearest hops (none by default:
    a client could otherwise name any address and dodge the per-address lockouts)."""
    hops = app.config["TRUSTED_PROXIES"]
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
