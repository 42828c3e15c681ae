"""Refusals of points and redemption actions, as translatable templates the edge renders."""

from __future__ import annotations

from workflows.engine.i18n import Refusal
from workflows.states import IllegalTransition


class RewardsError(Refusal):
    """A points, catalog or redemption action that is not allowed; nothing was changed."""


class RedemptionDecided(RewardsError, IllegalTransition):
    """The request was approved or rejected already."""
