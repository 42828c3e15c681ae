"""Refusals of claim, batch and statement actions, as translatable templates."""

from __future__ import annotations

from workflows.engine.i18n import Refusal


class PayablesError(Refusal):
    """A claim or payout action that is not allowed; nothing was changed."""


class ClaimAlreadyDecided(PayablesError):
    """The claim's state no longer allows this decision (it was approved or rejected)."""


class SecondApproverRequired(PayablesError):
    """The first approver tried to give a claim above the threshold its second approval too."""
