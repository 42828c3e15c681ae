"""Refusals of trip award actions, as translatable templates."""

from __future__ import annotations

from workflows.engine.i18n import Refusal
from workflows.states import IllegalTransition


class TripError(Refusal):
    """A trip award action that is not allowed, or details that cannot be accepted; nothing
    was changed."""


class TripAlreadyAnswered(TripError, IllegalTransition):
    """The award's answer no longer allows the action."""
