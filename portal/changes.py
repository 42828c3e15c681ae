"""How a page applies one state change.

The change runs in the request's transaction. When the service accepts it, the transaction is
committed and the view goes on (to enqueue work, flash a confirmation, answer). When the service
refuses it (a `Refusal`: wrong state, maker–checker, a limit, a bad value), everything is rolled
back and the reason is shown in the user's language: flashed on the page they acted from
(`commit_or_refuse`), or next to the form field it concerns (`commit_or_show`). Nothing
half-written, nothing raised past the view.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import abort, flash, redirect
from flask_babel import format_date
from flask_babel import gettext as _

from workflows.engine.i18n import Refusal

from .extensions import db

T = TypeVar("T")
REFUSED = object()  # what `commit_or_show` returns when the change was refused


def refusal_message(exc: Refusal) -> str:
    """The refusal in the user's language, dates in their locale's format."""
    return exc.render(_, format_date)


def refuse(exc: Refusal, back: str):
    """Roll back, flash why, and answer with a redirect to `back` (never returns)."""
    db.session.rollback()
    flash(refusal_message(exc), "danger")
    abort(redirect(back))


def commit_or_refuse(change: Callable[[], T], back: str) -> T:
    """`change()`, committed; on a refusal see `refuse`. Returns what `change` returned."""
    try:
        result = change()
    except Refusal as exc:
        refuse(exc, back)
    db.session.commit()
    return result


def show_refusal(form, exc: Refusal) -> None:
    """The refusal next to the form field it concerns, else flashed at the top of the page."""
    field = getattr(form, exc.field, None) if form is not None and exc.field else None
    if field is not None:
        field.errors = [*field.errors, refusal_message(exc)]
    else:
        flash(refusal_message(exc), "danger")


def commit_or_show(change: Callable[[], T], form=None) -> T:
    """`change()`, committed, and what it returned; on a refusal the transaction is rolled
    back, the reason shown (`show_refusal`) and `REFUSED` returned, so the view renders the
    form again with what the user typed."""
    try:
        result = change()
    except Refusal as exc:
        db.session.rollback()
        show_refusal(form, exc)
        return REFUSED
    db.session.commit()
    return result


def confirmed(form):
    """A submitted form that validates (CSRF included), or 400."""
    if not form.validate_on_submit():
        abort(400)
    return form
