"""Refusals of partner onboarding, team, agreements and resources, rendered in the reader's
language by the edge."""

from __future__ import annotations

from workflows.engine.i18n import N_, Refusal


class OnboardingError(Refusal):
    """A business rule refused the action; nothing was changed."""


class NotVerified(OnboardingError):
    def __init__(self):
        super().__init__(
            N_("Confirm your e-mail address first: open the link we sent you by e-mail.")
        )


class AgreementNotAccepted(OnboardingError):
    def __init__(self):
        super().__init__(
            N_("Accept the current partner agreement before submitting."), field="accept"
        )
