"""Refusals of points and redemption actions, as translatable templates the edge renders."""

from __future__ import annotations

from workflows.calc.errors import CalcError
from workflows.states import IllegalTransition


class RewardsError(CalcError):
    """A points, catalog or redemption action that is not allowed; nothing was changed."""


class RedemptionDecided(RewardsError, IllegalTransition):
    """The request was approved or rejected already."""
