"""Refusals of payout account actions, as translatable templates."""

from __future__ import annotations

from workflows.engine.i18n import Refusal
from workflows.states import IllegalTransition


class BankDetailsError(Refusal):
    """Bank details that cannot be accepted, or an account action that is not allowed; nothing
    was changed."""


class AccountAlreadyDecided(BankDetailsError, IllegalTransition):
    """The account is no longer waiting for verification."""
