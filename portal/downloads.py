"""Downloads under a name: one `Content-Disposition` for every file the portal hands out.

RFC 6266 with RFC 5987 encoding: a plain ASCII `filename` for old clients, every character
outside letters, digits, `.`, `_` and `-` replaced, and `filename*=UTF-8''…` with the full
name percent-encoded. Names come from data (a partner code, an uploaded file's name), so quotes,
semicolons, line breaks and path separators must never reach the header as they are.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from urllib.parse import quote

from flask import Response, send_file

FALLBACK = "download"
NOT_SAFE_ASCII = re.compile(r"[^A-Za-z0-9._-]")
# Characters no file system or browser keeps in a file name, replaced in the UTF-8 name too.
NOT_IN_FILE_NAMES = frozenset('/\\:*?"<>|')
RFC5987_SAFE = "!#$&+-.^_`|~"  # attr-char besides letters and digits


def _clean(filename: str) -> str:
    """The name without control characters, direction overrides or path separators."""
    return "".join(
        "_" if unicodedata.category(c).startswith("C") or c in NOT_IN_FILE_NAMES else c
        for c in unicodedata.normalize("NFC", filename)
    ).strip(" .")


def ascii_fallback(filename: str) -> str:
    """An ASCII version for clients without RFC 5987: accents dropped, the rest replaced."""
    decomposed = unicodedata.normalize("NFKD", _clean(filename))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    stem, dot, extension = NOT_SAFE_ASCII.sub("_", plain).lstrip(".").rpartition(".")
    if not dot:
        stem, extension = extension, ""
    if not any(c.isalnum() for c in stem):  # nothing readable was left: "請求書.pdf"
        stem = FALLBACK
    return f"{stem}.{extension}" if extension else stem


def content_disposition(filename: str) -> str:
    """The header value for a download called `filename` (any text)."""
    cleaned = _clean(filename) or FALLBACK
    fallback = ascii_fallback(filename)
    encoded = quote(cleaned, safe=RFC5987_SAFE)
    if encoded == fallback:
        return f'attachment; filename="{fallback}"'
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


def as_attachment(response: Response, filename: str) -> Response:
    """Mark a response as a download called `filename`."""
    response.headers["Content-Disposition"] = content_disposition(filename)
    return response


def send_stored_file(path: str | Path, *, mimetype: str, filename: str, **options) -> Response:
    """A stored file as a download under its original (user-supplied) name."""
    return as_attachment(send_file(path, mimetype=mimetype, **options), filename)
