"""Words for the progress bars of background work (imports, calculation runs, postings)."""

from __future__ import annotations

from flask import jsonify
from flask_babel import format_decimal
from flask_babel import gettext as _


def waiting_message(status: str) -> str | None:
    """What to say while the work is queued and no worker has picked it up yet."""
    if status == "queued":
        return _("Waiting for a worker to start…")
    return None


def count(value: int | None) -> str:
    """A progress count in the reader's number format."""
    return format_decimal(value or 0)


def progress_response(*, status: str, percent: int, finished: bool, counted: str, **extra):
    """The JSON a progress bar polls: state, percent, and what to say (waiting, or `counted`)."""
    return jsonify(
        status=status,
        percent=percent,
        finished=finished,
        message=waiting_message(status) or counted,
        **extra,
    )
