"""Refusals of market development fund actions, as translatable templates."""

from __future__ import annotations

from workflows.engine.i18n import Refusal
from workflows.states import IllegalTransition


class MdfError(Refusal):
    """A fund, allocation, request or claim action that is not allowed; nothing was changed."""


class OverBudget(MdfError):
    """The money asked for is more than the holder has available (or unallocated)."""


class OverApproved(MdfError):
    """A claim, or an approval, above the amount it may reach."""


class WrongTerritory(MdfError):
    """An allocation that does not follow the territory tree."""


class PastDeadline(MdfError):
    """Too late: the fund no longer takes this, or the claim was due earlier."""


class AlreadyDecided(MdfError, IllegalTransition):
    """The request's or claim's state no longer allows this action."""


class SecondApproverRequired(MdfError):
    """The first approver tried to give the second approval too."""
