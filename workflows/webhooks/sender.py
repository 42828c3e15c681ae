"""Sending one signed webhook request, and refusing where it must not go.

The signature follows the style of widely used senders (Stripe): the header
`Portal-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>`.
`Portal-Event-Id` carries the event id (the idempotency key) and `Portal-Event-Type` its type.

Server-side request forgery: the host is resolved once, every address it resolves to must be a
public one (not private, loopback, link-local, multicast, reserved or unspecified) unless the
endpoint's administrator allowed private addresses, and the connection is made to that checked
address (TLS still verifies the certificate for the host name), so a second DNS answer cannot
swap in another address. Redirects are followed only to the same scheme, host and port, at most
MAX_REDIRECTS times; a redirect elsewhere is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

SIGNATURE_HEADER = "Portal-Signature"
EVENT_ID_HEADER = "Portal-Event-Id"
EVENT_TYPE_HEADER = "Portal-Event-Type"
MAX_REDIRECTS = 3
MAX_RESPONSE_BYTES = 64 * 1024
USER_AGENT = "ChannelPartnerPortal-Webhooks/1"


class Refused(Exception):
    """The request was not sent: the destination is not allowed (never retried differently)."""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The Portal-Signature header value for `body` sent at `timestamp` (Unix seconds)."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    mapped = getattr(ip, "ipv4_mapped", None)
    if mapped is not None:
        ip = mapped
    return ip.is_global and not ip.is_multicast and not ip.is_reserved


def check_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of an http(s) URL, or Refused."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("only http and https URLs with a host are allowed")
    if parts.username or parts.password:
        raise Refused("credentials in the URL are not allowed")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise Refused("the port is not valid") from None
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return parts.scheme, parts.hostname, port, path


def resolve(url: str, *, allow_private: bool) -> Target:
    """The URL's parts and the one checked address to connect to; Refused when not allowed."""
    scheme, host, port, path = check_url(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise Refused(f"the host {host} does not resolve ({exc})") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise Refused(f"the host {host} does not resolve")
    if not allow_private:
        blocked = [a for a in addresses if not _is_public(a)]
        if blocked:
            raise Refused(f"{host} resolves to a non-public address ({blocked[0]})")
    return Target(scheme, host, port, path, tuple(addresses))


def _connect(addresses: tuple[str, ...], port: int, timeout: float) -> socket.socket:
    """A socket to the first of the checked addresses that answers (never a new lookup)."""
    error: OSError | None = None
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout)
        except OSError as exc:
            error = exc
    raise error or OSError("no address to connect to")


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._addresses = target.addresses

    def connect(self):
        self.sock = _connect(self._addresses, self.port, self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float):
        super().__init__(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context()
        )
        self._addresses = target.addresses

    def connect(self):
        sock = _connect(self._addresses, self.port, self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


@dataclass(frozen=True)
class Outcome:
    status: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _post(target: Target, body: bytes, headers: dict[str, str], timeout: float):
    connection_class = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
    connection = connection_class(target, timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(MAX_RESPONSE_BYTES)
        return response.status, response.getheader("Location")
    finally:
        connection.close()


def send(
    url: str,
    body: bytes,
    *,
    secret: str,
    event_id: str,
    event_type: str,
    timestamp: int,
    allow_private: bool,
    timeout: float,
) -> Outcome:
    """POST `body` signed; never raises for network trouble, returns what happened."""
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: sign(secret, timestamp, body),
        EVENT_ID_HEADER: event_id,
        EVENT_TYPE_HEADER: event_type,
    }
    try:
        target = resolve(url, allow_private=allow_private)
        current = url
        for _redirect in range(MAX_REDIRECTS + 1):
            status, location = _post(target, body, headers, timeout)
            if status not in (301, 302, 303, 307, 308) or not location:
                return Outcome(status, None if 200 <= status < 300 else f"HTTP {status}")
            next_url = current = urljoin(current, location)
            scheme, host, port, path = check_url(next_url)
            if (scheme, host.lower(), port) != (target.scheme, target.host.lower(), target.port):
                return Outcome(status, f"redirect to another host refused: {next_url[:200]}")
            target = Target(scheme, target.host, port, path, target.addresses)
        return Outcome(status, "too many redirects")
    except Refused as exc:
        return Outcome(None, f"refused: {exc}")
    except TimeoutError:
        return Outcome(None, f"timed out after {timeout:g} s")
    except (OSError, http.client.HTTPException) as exc:
        return Outcome(None, f"{type(exc).__name__}: {exc}"[:500])
