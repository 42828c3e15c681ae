"""`portal demo`: load the demo data set (idempotent) and print the logins."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..foundation.redis_conn import RedisNotConfigured
from .banking import load_demo_account_change, load_demo_banking
from .build import DemoSummary, load_demo
from .claims import load_demo_claims
from .contests import load_demo_contest, load_demo_trip_contest
from .coop import FUND as COOP_FUND
from .coop import load_demo_coop
from .deals import load_demo_deals
from .mdf import MdfSummary, load_demo_mdf
from .onboarding import APPLICANT, load_demo_onboarding
from .programs import ProgramsSummary, load_demo_programs
from .rewards import load_demo_rewards

COUNTED = (
    ("territories", "territories"),
    ("categories", "categories"),
    ("products", "products"),
    ("partners", "partners"),
    ("fx_rates", "FX rates"),
    ("sale_lines", "sales lines"),
    ("returns", "returns"),
    ("deal_lines", "lines on registered deals"),
    ("users", "users"),
)


@click.command("demo")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Generate sales up to this day instead of today (YYYY-MM-DD).",
)
@with_appcontext
def demo(today):
    """Load realistic demo data (safe to run again) and print one login per role."""
    day = today.date() if today else date.today()
    try:
        summary = load_demo(db.session, today=day)
        db.session.commit()
    except SQLAlchemyError as exc:
        db.session.rollback()
        reason = getattr(exc, "orig", None) or exc
        raise click.ClickException(
            f"could not load the demo data ({reason}). Is the database up to date? "
            "Run `portal db upgrade` first."
        ) from None
    try:
        banking = load_demo_banking()
        programs = load_demo_programs(summary.dates)
        deals = load_demo_deals()
        rewards = load_demo_rewards()
        onboarding = load_demo_onboarding()
        claims = load_demo_claims(summary.dates)
        mdf = load_demo_mdf(summary.dates)
        coop = load_demo_coop(summary.dates)
        contest = load_demo_contest(summary.dates)
        trip_contest = load_demo_trip_contest(summary.dates)
        banking += load_demo_account_change()
    except SQLAlchemyError as exc:
        db.session.rollback()
        raise click.ClickException(f"could not add the demo programs and deals ({exc})") from None
    except RedisNotConfigured as exc:  # the demo's sign-ups count against rate limits in Redis
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    click.echo(_headline(summary))
    click.echo(_programs_line(programs))
    click.echo(
        f"Deal registrations: {deals} added (three awaiting review, two of them for the same "
        "customer and flagged as a conflict; one approved; one won; one rejected)."
        if deals
        else "Deal registrations already present; none added."
    )
    click.echo(
        f"Reward catalog: {rewards} items added; Alpennetz has asked to redeem a training seat."
        if rewards
        else "Reward catalog already present; nothing added."
    )
    click.echo(
        "Onboarding: countries routed to their territories, the partner agreement published "
        "(Alpennetz has accepted it), and Nordwind IT GmbH's application waits for the DACH "
        f"manager; its applicant signs in as {APPLICANT}."
        if onboarding
        else "Partner agreement already published; onboarding left as it is."
    )
    click.echo(
        f"Claims: {claims} on DEMO-WIFI7-CLAIM with their invoices, one waiting for a manager, "
        "one above 2,000 EUR approved once and waiting for a second approver."
        if claims
        else "Demo claims already present; none added."
    )
    click.echo(
        f"Payout accounts: {banking} added; partners are paid in their own currency to verified "
        "accounts (IBAN, UK sort code, or ABA routing for Keystone in USD), Elbe IT-Solutions "
        "has none yet, and Alpennetz's admin has entered a new EUR account that waits for "
        "finance to verify it."
        if banking
        else "Payout accounts already present; none added."
    )
    click.echo(_mdf_line(mdf))
    click.echo(
        f"Co-op: the earned fund {COOP_FUND} holds what partners earned by DEMO-COOP in "
        f"{coop.settled} (settled and approved); {coop.accrued} is accruing."
    )
    click.echo(
        f"Contest: {contest.code} sends the top 3 networking sellers of DACH and France to "
        f"Lisbon; standings as of {contest.as_of} (`portal contests standings {contest.code}`)."
    )
    click.echo(
        f"Contest trips: {trip_contest.code} ended on {trip_contest.as_of}, settled and approved; "
        "its winners' trip seats await their partner admins' answers (Your awards)."
    )
    click.echo()
    click.echo(_logins_table(summary))


def _mdf_line(summary: MdfSummary) -> str:
    if summary.fund is None:
        return "Market development funds already present; none added."
    return (
        f"Market development funds: {summary.fund} allocated from WORLD to EMEA and down to "
        f"Alpennetz and Lumière Réseaux; {summary.requests} activity requests (one claimed and "
        f"paid in exported batch {summary.paid_batch_id}, one claim waiting for the DACH "
        "manager, one approved campaign, one request waiting for the DACH manager and one for "
        "the EMEA manager)."
    )


def _headline(summary: DemoSummary) -> str:
    counts = ", ".join(f"{summary.counts[key]:,} {label}" for key, label in COUNTED)
    if summary.already_present:
        lines = ["Demo data already present; nothing changed.", f"{counts}."]
    else:
        dates = summary.dates
        lines = [
            f"Demo data loaded: {sum(summary.inserted.values()):,} rows added.",
            f"{counts}.",
            f"Partners moved territory on {dates.move_on.isoformat()}; "
            f"tiers changed on {dates.retier_on.isoformat()}.",
        ]
    if summary.sales_span:
        first, last = summary.sales_span
        lines.append(
            f"Sales from {first.isoformat()} to {last.isoformat()} "
            "(previous quarter in full, current quarter to date)."
        )
    return "\n".join(lines)


def _programs_line(summary: ProgramsSummary) -> str:
    added = (
        f"{summary.runs} runs and {summary.points_entries:,} points entries added"
        if summary.runs or summary.points_entries
        else "nothing to add"
    )
    return (
        f"Programs {', '.join(summary.programs)}: {summary.settled} settled, approved and closed, "
        f"{_batch_words(summary)}, "
        f"{summary.accrued} accrued, points posted month by month ({added}); "
        "DEMO-DEALREG is not run yet, it protects approved DACH networking registrations for "
        "120 days."
    )


def _batch_words(summary: ProgramsSummary) -> str:
    if summary.batch_id is None:
        return "its payout lines already in a batch"
    return f"its payout lines in draft batch {summary.batch_id}, waiting for finance2's approval"


def _logins_table(summary: DemoSummary) -> str:
    header = ("role", "e-mail", "password", "can see")
    rows = [header] + [
        (login.role, login.email, summary.password, login.sees) for login in summary.logins
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)
