"""Domain errors of deal registration. Messages are lazy strings, translated when shown."""

from __future__ import annotations

from flask import current_app, has_app_context, has_request_context
from flask_babel import force_locale, format_date
from flask_babel import lazy_gettext as _l


class ShownDate:
    """A date in a message, formatted for the reader's locale when the message is shown."""

    def __init__(self, day):
        self.day = day

    def __str__(self) -> str:
        return format_date(self.day) if self.day else "—"


class DealError(Exception):
    """A business rule refused the action; nothing was changed. `str(error)` is translated."""

    def __init__(self, message, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        if has_request_context() or not has_app_context():
            return str(self.message)
        # Workers and the CLI have no request to pick a language from: use the default one.
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            return str(self.message)


class AlreadyProtected(DealError):
    """Another approved registration already holds this end customer and category."""

    def __init__(self, reference: str, category: str, until):
        super().__init__(
            _l(
                "%(reference)s already protects this customer in %(category)s until %(until)s. "
                "A second registration can be approved once it expires, is lost or is withdrawn.",
                reference=reference,
                category=category,
                until=ShownDate(until),
            )
        )
        self.reference = reference
