"""What every scripted command shares: `--as EMAIL`, refusals as a message and exit code 1 with
nothing changed, lookups by code that report unknown codes, and `--period` parsing."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from functools import wraps

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from workflows import validators
from workflows.engine import Period, PeriodError, parse_period
from workflows.engine.i18n import Refusal

from .actors import actor_for
from .extensions import db
from .inputs import MAX_ID
from .models import utcnow
from .security import Forbidden, is_visible

MAKER_CHECKER = (
    "not allowed: nobody approves what they built, ran or requested themselves; "
    "another user must approve it"
)

# Numbers on the command line fit their columns before anything runs: an id beyond the 32-bit
# id columns names nothing, a points figure beyond a trillion is a typing mistake (the
# catalog's point cost has the same ceiling) and would overflow ledger sums.
RECORD_ID = click.IntRange(1, MAX_ID)
MAX_POINTS = 10**12
POINTS = click.IntRange(-MAX_POINTS, MAX_POINTS)


class AmountType(click.ParamType):
    """An amount in plain decimal notation (12500.00), read exactly as a Decimal."""

    name = "amount"

    def convert(self, value, param, ctx):
        if not isinstance(value, str):
            return value
        try:
            return validators.typed_amount(value)
        except validators.InvalidValue as exc:
            self.fail(exc.render(), param, ctx)


class DayType(click.ParamType):
    """A calendar day written YYYY-MM-DD."""

    name = "date"

    def convert(self, value, param, ctx):
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(f"{value} is not a date: use YYYY-MM-DD", param, ctx)


AMOUNT = AmountType()
DAY = DayType()


def as_of_option(help: str):
    """`--as-of YYYY-MM-DD`: the day a command runs for, today (UTC) when left out."""
    return click.option("--as-of", "as_of", type=DAY, default=lambda: utcnow().date(), help=help)


def as_option(*, required: bool = False):
    """`--as EMAIL`: the acting user, for permission checks and the audit log."""
    return click.option(
        "--as",
        "email",
        required=required,
        help="Act as this user (permission checks and audit).",
    )


def acting(*, required: bool = False):
    """`--as EMAIL` for a command that runs in the application with refusals handled
    (`refusals`): it receives the acting user (`actor_for`) as `actor`."""

    def decorate(command):
        @as_option(required=required)
        @with_appcontext
        @wraps(command)
        def run(*args, email, **kwargs):
            with refusals():
                return command(*args, actor=actor_for(email), **kwargs)

        return run

    return decorate


@contextmanager
def refusals():
    """Domain refusals become a readable message and exit code 1, with nothing changed."""
    try:
        yield
    except Refusal as exc:
        db.session.rollback()
        raise click.ClickException(exc.render()) from None
    except Forbidden as exc:
        db.session.rollback()
        if exc.args and exc.args[0] == "maker_checker":
            raise click.ClickException(MAKER_CHECKER) from None
        raise click.ClickException("not allowed for this user (see --as)") from None


def by_code(model, column, value: str, label: str, visible_to=None):
    """The row whose `column` is `value`, or exit 1 naming what was not found; a row the user
    `visible_to` may not see is reported exactly like an unknown code."""
    found = db.session.scalar(select(model).where(column == value))
    if found is None or (visible_to is not None and not is_visible(found, visible_to)):
        raise click.ClickException(f"no {label} with code {value}")
    return found


def by_id(model, object_id: int, label: str):
    """The row with this id, or exit 1 naming what was not found."""
    found = db.session.get(model, object_id)
    if found is None:
        raise click.ClickException(f"no {label} {object_id}")
    return found


def period_or_fail(text: str | None) -> Period | None:
    """`--period` text (2026-Q3, 2026-07, 2026, 2026-07-01..2026-09-30) or exit 1 saying why."""
    if text is None:
        return None
    try:
        return parse_period(text)
    except PeriodError as exc:
        raise click.ClickException(exc.render()) from None
