"""Refusals of claim, batch and statement actions, as translatable templates."""

from __future__ import annotations

from workflows.engine.i18n import Refusal
from workflows.states import IllegalTransition


class PayablesError(Refusal):
    """A claim or payout action that is not allowed; nothing was changed."""


class ClaimAlreadyDecided(PayablesError, IllegalTransition):
    """The claim's state no longer allows this decision (it was approved or rejected)."""


class BatchStateRefused(PayablesError, IllegalTransition):
    """The batch's state does not allow the step (approved or exported already, or not yet
    approved)."""


class SecondApproverRequired(PayablesError):
    """The first approver tried to give a claim above the threshold its second approval too."""
