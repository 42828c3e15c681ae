"""The shared checks' errors as translated messages, for the services that raise their own
domain errors (DealError, OnboardingError, PayablesError…) with a lazy, translated text."""

from __future__ import annotations

from flask_babel import lazy_gettext

from workflows.validators import InvalidValue


def lazy_message(error: InvalidValue):
    """The error's template translated when shown, its placeholders filled."""
    return lazy_gettext(error.message, **error.params)
