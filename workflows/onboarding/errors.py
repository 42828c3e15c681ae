"""Domain errors of partner onboarding. Messages are lazy strings, translated when shown."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


class OnboardingError(Exception):
    """A business rule refused the action; nothing was changed. `str(error)` is translated.

    `field` names the form field the message belongs to, when there is one.
    """

    def __init__(self, message, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


class NotVerified(OnboardingError):
    def __init__(self):
        super().__init__(
            _l("Confirm your e-mail address first: open the link we sent you by e-mail.")
        )


class AgreementNotAccepted(OnboardingError):
    def __init__(self):
        super().__init__(
            _l("Accept the current partner agreement before submitting."), field="accept"
        )


class InvalidToken(OnboardingError):
    """A link that is forged, expired or already used: all look the same to the visitor."""

    def __init__(self):
        super().__init__(
            _l("This link is not valid any more. It may have expired or been used already.")
        )
