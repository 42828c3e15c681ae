"""What every request's input must be before any view sees it: ids that fit the database's
integer columns, and text PostgreSQL can store.

- Path ids use the app-wide `int` converter below: an id outside 1..MAX_ID names nothing, so
  it is a 404 before any query runs (PostgreSQL would raise "integer out of range").
- Query-string integers (`page`, `partner`, `program` …) go through `query_int`: a malformed
  or out-of-range value is a 400 with a message, `page` falls back to the first page.
- No submitted text may contain NUL (PostgreSQL text cannot hold it): one check before every
  request refuses it in the path, the query string, form fields and upload names with a 400.
- Pages take form submissions, never JSON bodies (only the API does, with its own checks):
  Flask-WTF would otherwise parse any JSON sent with a valid CSRF header, however deep.
"""

from __future__ import annotations

import re

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter, ValidationError

MAX_ID = 2**31 - 1  # ids are 32-bit integer columns; anything larger names nothing
MAX_PAGE = 1_000_000  # far beyond any list; keeps OFFSET within a 64-bit integer
_DIGITS = re.compile(r"[0-9]{1,10}")


class InvalidInput(BadRequest):
    """A 400 whose description is a translated message the error page shows as it is."""

    def __init__(self, message) -> None:
        super().__init__(description=message)
        self.message = message


NUL_MESSAGE = _l("The request contains a NUL character, which is never valid input.")
FORMS_ONLY_MESSAGE = _l("This page takes form submissions only.")
WRITES = ("POST", "PUT", "PATCH", "DELETE")


class IdConverter(IntegerConverter):
    """`<int:...>` for database ids: at most MAX_ID, checked before converting (so a
    5,000-digit segment never reaches int()), otherwise the rule does not match (404)."""

    def __init__(self, map, *args, max: int | None = None, **kwargs):
        super().__init__(map, *args, max=MAX_ID if max is None else max, **kwargs)

    def to_python(self, value: str) -> int:
        if len(value) > len(str(self.max)):
            raise ValidationError()
        return super().to_python(value)


def query_int(name: str, *, default: int | None = None, maximum: int = MAX_ID) -> int | None:
    """An optional whole number from the query string: absent or empty gives `default`; text,
    signs, zero or a value above `maximum` are a 400 naming the parameter."""
    raw = request.args.get(name, "")
    if raw == "":
        return default
    if not _DIGITS.fullmatch(raw) or not 0 < int(raw) <= maximum:
        raise InvalidInput(
            _("%(name)s must be a whole number from 1 to %(max)s.", name=name, max=maximum)
        )
    return int(raw)


def page_number() -> int:
    """The requested page of a list; anything that is not a sensible page number is page 1."""
    raw = request.args.get("page", "")
    if _DIGITS.fullmatch(raw) and 0 < int(raw) <= MAX_PAGE:
        return int(raw)
    return 1


def _has_nul(values) -> bool:
    return any("\x00" in value for value in values if isinstance(value, str))


def check_request() -> None:
    """Before every request: NUL anywhere in what the client sent, or a JSON body sent to a
    page, is refused before the view runs."""
    if request.method in WRITES and request.is_json and not request.path.startswith("/api/"):
        raise InvalidInput(FORMS_ONLY_MESSAGE)
    texts = [request.path, *request.args.keys(), *request.args.values()]
    if request.method in WRITES and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        texts += [*request.form.keys(), *request.form.values()]
        texts += [upload.filename or "" for upload in request.files.values()]
    if _has_nul(texts):
        raise InvalidInput(NUL_MESSAGE)


def register(app) -> None:
    app.url_map.converters["int"] = IdConverter
    app.before_request(check_request)
