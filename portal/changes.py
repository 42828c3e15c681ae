"""How a page applies one state change.

The change runs in the request's transaction. When the service accepts it, the transaction is
committed and the view goes on (to enqueue work, flash a confirmation, answer). When the service
refuses it (a rule of the product: wrong state, maker–checker, a limit, a bad period), everything
is rolled back, the reason is flashed in the user's language and the user is sent back to the
page they acted from: nothing half-written, nothing raised past the view.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import abort, flash, redirect
from flask_babel import gettext as _

from workflows.engine import PeriodError, Refusal
from workflows.onboarding.errors import OnboardingError

from .extensions import db

T = TypeVar("T")
REFUSALS = (Refusal, PeriodError, OnboardingError)


def refusal_message(exc: Exception) -> str:
    """The refusal in the user's language (services give a template and its parameters)."""
    render = getattr(exc, "render", None)
    return render(_) if callable(render) else str(exc)


def refuse(exc: Exception, back: str):
    """Roll back, flash why, and answer with a redirect to `back` (never returns)."""
    db.session.rollback()
    flash(refusal_message(exc), "danger")
    abort(redirect(back))


def commit_or_refuse(change: Callable[[], T], back: str) -> T:
    """`change()`, committed; on a refusal see `refuse`. Returns what `change` returned."""
    try:
        result = change()
    except REFUSALS as exc:
        refuse(exc, back)
    db.session.commit()
    return result


def confirmed(form):
    """A submitted form that validates (CSRF included), or 400."""
    if not form.validate_on_submit():
        abort(400)
    return form
