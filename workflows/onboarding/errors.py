"""Refusals of partner onboarding, team, agreements and resources, rendered in the reader's
language by the edge."""

from __future__ import annotations

from workflows.engine.i18n import N_, Refusal


class OnboardingError(Refusal):
    """A business rule refused the action; nothing was changed."""


class IllegalTransition(OnboardingError):
    """The action is not allowed from the application's current state."""

    def __init__(self, action_label, state_label):
        super().__init__(
            N_("“%(action)s” is not possible while the application is %(state)s."),
            action=action_label,
            state=state_label,
        )


class MakerCheckerRefused(OnboardingError):
    """Nobody decides on an application they filed themselves."""

    def __init__(self):
        super().__init__(N_("You filed this application yourself: another manager must decide."))


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
