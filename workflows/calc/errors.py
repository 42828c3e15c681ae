"""Refusals of calculation actions, as translatable templates the edge renders."""

from __future__ import annotations

from workflows.engine.i18n import Refusal


class CalcError(Refusal):
    """A run, approval or period action that is not allowed; nothing was changed."""
