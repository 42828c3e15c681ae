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


class IllegalTransition(OnboardingError):
    """The action is not allowed from the application's current state."""

    def __init__(self, action_label, state_label):
        super().__init__(
            _l(
                "“%(action)s” is not possible while the application is %(state)s.",
                action=action_label,
                state=state_label,
            )
        )


class MakerCheckerRefused(OnboardingError):
    """Nobody decides on an application they filed themselves."""

    def __init__(self):
        super().__init__(_l("You filed this application yourself: another manager must decide."))


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
