"""Where to go after signing in or accepting something: only a path on this site, ever.

Browsers forgive a lot in a Location header: they drop tabs and line breaks, read a backslash as
a slash, and treat `//host` as another site. `/%09/evil.example` arrives here as "/\t/evil.example"
and would leave the browser as `//evil.example`. A target is followed only when it, and every
percent-decoding of it, is a plain absolute path with none of those characters.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from flask import request, url_for

MAX_LENGTH = 2000
DECODE_ROUNDS = 3


def _plain_path(value: str) -> bool:
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return False  # browsers remove tabs and line breaks before reading the address
    if "\\" in value:
        return False  # and read a backslash as a slash
    if not value.startswith("/") or value.startswith("//"):
        return False
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc


def is_safe_path(target: str | None) -> bool:
    """A relative path on this site that no browser normalisation turns into another site."""
    if not target or len(target) > MAX_LENGTH:
        return False
    candidate = target
    for _ in range(DECODE_ROUNDS):
        if not _plain_path(candidate):
            return False
        decoded = unquote(candidate)
        if decoded == candidate:
            return True
        candidate = decoded
    return False  # still encoded after several rounds: nobody links like that


def safe_next(target: str | None, default: str = "main.dashboard") -> str:
    """`target` when it is safe to follow (`is_safe_path`), else the `default` endpoint's URL."""
    return target if is_safe_path(target) else url_for(default)


def referrer_path() -> str | None:
    """The path and query of the page the request came from, when it was one of ours."""
    if not request.referrer:
        return None
    parts = urlsplit(request.referrer)
    if parts.netloc != request.host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")
