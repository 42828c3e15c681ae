"""Refusals of calculation actions, as translatable templates the edge renders."""

from __future__ import annotations

from typing import Any

from workflows.engine.i18n import Gettext, render_message, untranslated


class CalcError(Exception):
    """A run, approval or period action that is not allowed; nothing was changed."""

    def __init__(self, template: str, **params: Any) -> None:
        self.template = template
        self.params = params
        super().__init__(render_message(template, params))

    def render(self, gettext: Gettext = untranslated) -> str:
        """The message in the caller's language."""
        return render_message(self.template, self.params, gettext)
