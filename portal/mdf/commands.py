"""`portal mdf …`: market development funds for scripted work, through the same services and
permission checks as the pages will use. Refusals print a message and exit 1 with nothing
written (proof files included)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from workflows import enqueue
from workflows.engine.numbers import currency_digits, plain_decimal
from workflows.mdf import claims, expiry, funds, request_states, requests
from workflows.mdf.ledger import Figures

from ..actors import actor_for
from ..cli_support import AMOUNT, DAY, RECORD_ID, acting, as_option, by_code, by_id, refusals
from ..extensions import db
from ..models import MdfActivityType, MdfClaim, MdfFund, MdfRequest, Partner, Territory, utcnow
from ..onboarding.uploads import UploadRejected
from ..security import is_visible
from .proofs import proof_from_path

FIGURES = ("allocated", "committed", "claimed", "paid", "expired", "available")


def _fund(code: str) -> MdfFund:
    return by_code(MdfFund, MdfFund.code, code, "fund")


def _partner(code: str, actor) -> Partner:
    """A partner the actor may see; others are reported exactly like unknown codes."""
    partner = db.session.scalar(select(Partner).where(Partner.code == code))
    if partner is None or not is_visible(partner, actor):
        raise click.ClickException(f"no partner with code {code}")
    return partner


def _money(amount, currency: str) -> str:
    return plain_decimal(amount, currency_digits(currency))


@click.group("mdf")
def mdf():
    """Market development funds: funds, allocations, activity requests and claims."""


@mdf.group("fund")
def fund_group():
    """Funds (finance)."""


@fund_group.command("create")
@click.argument("code")
@click.option("--name", required=True)
@click.option("--currency", required=True, help="ISO 4217 code, e.g. EUR.")
@click.option("--amount", type=AMOUNT, help="The budget (not for an earned fund).")
@click.option(
    "--earned",
    is_flag=True,
    help="A co-op fund: it starts empty and co-op programs earn its money for partners.",
)
@click.option("--start", "starts_on", type=DAY, required=True, help="First day of activities.")
@click.option("--end", "ends_on", type=DAY, required=True, help="Last day of activities.")
@click.option("--claim-deadline", type=DAY, required=True, help="Last day claims are accepted.")
@click.option(
    "--claim-days",
    type=click.IntRange(0, funds.MAX_CLAIM_DAYS),
    help="Days after an activity ends that its claim is due (default MDF_CLAIM_DAYS).",
)
@click.option(
    "--second-approval-above",
    type=AMOUNT,
    help="Requests approved above this amount also need finance's approval.",
)
@as_option(required=True)
@with_appcontext
def fund_create(code, name, currency, amount, starts_on, ends_on, claim_deadline, **options):
    """Create a fund; prints fund_id=<id>."""
    with refusals():
        fund = funds.create_fund(
            actor=actor_for(options["email"]),
            code=code,
            name=name,
            currency=currency.strip().upper(),
            amount=amount,
            starts_on=starts_on,
            ends_on=ends_on,
            claim_deadline=claim_deadline,
            claim_days=options["claim_days"],
            second_approval_above=options["second_approval_above"],
            earned=options["earned"],
        )
        db.session.commit()
    click.echo(f"fund_id={fund.id}")


@mdf.group("activity-type")
def activity_type_group():
    """The activity types partners may propose (finance keeps the list)."""


@activity_type_group.command("add")
@click.argument("code")
@click.option("--name", required=True)
@acting(required=True)
def activity_type_add(code, name, actor):
    """Add an activity type; prints activity_type_id=<id>."""
    activity_type = funds.add_activity_type(actor=actor, code=code, name=name)
    db.session.commit()
    click.echo(f"activity_type_id={activity_type.id}")


@activity_type_group.command("retire")
@click.argument("code")
@acting(required=True)
def activity_type_retire(code, actor):
    """Offer an activity type no more (existing requests keep it)."""
    activity_type = by_code(MdfActivityType, MdfActivityType.code, code, "activity type")
    funds.retire_activity_type(activity_type, actor=actor)
    db.session.commit()
    click.echo(f"activity_type_id={activity_type.id} active=false")


@mdf.command("allocate")
@click.argument("fund_code")
@click.argument("amount", type=AMOUNT)
@click.option("--territory", "territory_code", help="To this territory, from its parent.")
@click.option("--partner", "partner_code", help="To this partner, from its territory.")
@acting(required=True)
def allocate_command(fund_code, amount, territory_code, partner_code, actor):
    """Pass money down the territory tree; prints allocation_id=<id>."""
    if (territory_code is None) == (partner_code is None):
        raise click.UsageError("give either --territory or --partner")
    fund = _fund(fund_code)
    territory = (
        by_code(Territory, Territory.code, territory_code, "territory") if territory_code else None
    )
    partner = _partner(partner_code, actor) if partner_code else None
    allocation = funds.allocate(
        fund, actor=actor, amount=amount, territory=territory, partner=partner
    )
    db.session.commit()
    click.echo(f"allocation_id={allocation.id}")


@mdf.command("balance")
@click.argument("fund_code")
@click.option("--territory", "territory_code", help="The territory and everything below it.")
@click.option("--partner", "partner_code", help="One partner.")
@acting()
def balance_command(fund_code, territory_code, partner_code, actor):
    """Allocated, committed, claimed, paid, expired and available, in the fund's currency."""
    if territory_code and partner_code:
        raise click.UsageError("give --territory or --partner, not both")
    fund = _fund(fund_code)
    territory = None
    if territory_code:
        territory = by_code(Territory, Territory.code, territory_code, "territory")
    partner = _partner(partner_code, actor) if partner_code else None
    figures: Figures = funds.balance(fund, actor=actor, territory=territory, partner=partner)
    click.echo(f"currency={fund.currency}")
    for name in FIGURES:
        click.echo(f"{name}={_money(getattr(figures, name), fund.currency)}")


@mdf.command("request")
@click.argument("partner_code")
@click.argument("fund_code")
@click.option("--activity-type", "type_code", required=True)
@click.option("--start", "starts_on", type=DAY, required=True)
@click.option("--end", "ends_on", type=DAY, required=True)
@click.option("--amount", type=AMOUNT, required=True)
@click.option("--description", required=True)
@click.option("--expected-leads", type=click.IntRange(0, request_states.MAX_LEADS))
@click.option("--expected-pipeline", type=AMOUNT)
@as_option(required=True)
@with_appcontext
def request_command(partner_code, fund_code, type_code, starts_on, ends_on, amount, **options):
    """Propose an activity for the partner; prints request_id=<id>."""
    with refusals():
        actor = actor_for(options["email"])
        partner = _partner(partner_code, actor)
        activity_type = by_code(MdfActivityType, MdfActivityType.code, type_code, "activity type")
        request = requests.propose_request(
            partner,
            _fund(fund_code),
            activity_type,
            actor=actor,
            starts_on=starts_on,
            ends_on=ends_on,
            amount=amount,
            description=options["description"],
            expected_leads=options["expected_leads"],
            expected_pipeline=options["expected_pipeline"],
        )
        db.session.commit()
    click.echo(f"request_id={request.id}")


def _request(request_id: int) -> MdfRequest:
    return by_id(MdfRequest, request_id, "request")


def _request_status(request: MdfRequest) -> str:
    text = f"request_id={request.id} status={request.state}"
    if request.approved_amount is not None:
        text += f" amount={_money(request.approved_amount, request.fund.currency)}"
    return text


@mdf.command("approve")
@click.argument("request_id", type=RECORD_ID)
@click.option("--amount", type=AMOUNT, help="Approve less than was requested.")
@acting(required=True)
def approve_command(request_id, amount, actor):
    """Approve a request (above the fund's second-approval amount: first, then finance)."""
    request = requests.approve_request(_request(request_id), actor=actor, amount=amount)
    db.session.commit()
    click.echo(_request_status(request))


@mdf.command("reject")
@click.argument("request_id", type=RECORD_ID)
@click.option("--reason", required=True)
@acting(required=True)
def reject_command(request_id, reason, actor):
    """Reject a request, saying why."""
    request = requests.reject_request(_request(request_id), actor=actor, reason=reason)
    db.session.commit()
    click.echo(_request_status(request))


@mdf.command("return")
@click.argument("request_id", type=RECORD_ID)
@click.option("--reason", required=True, help="What the partner should add or change.")
@acting(required=True)
def return_command(request_id, reason, actor):
    """Send a request back to the partner for more information."""
    request = requests.return_request(_request(request_id), actor=actor, reason=reason)
    db.session.commit()
    click.echo(_request_status(request))


@mdf.command("resubmit")
@click.argument("request_id", type=RECORD_ID)
@click.option("--amount", type=AMOUNT)
@click.option("--description")
@click.option("--start", "starts_on", type=DAY)
@click.option("--end", "ends_on", type=DAY)
@acting(required=True)
def resubmit_command(request_id, amount, description, starts_on, ends_on, actor):
    """Answer a return: submit the request again, changed where needed."""
    request = requests.resubmit_request(
        _request(request_id),
        actor=actor,
        amount=amount,
        description=description,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    db.session.commit()
    click.echo(_request_status(request))


@mdf.command("requests")
@click.option("--fund", "fund_code")
@click.option("--state", type=click.Choice(sorted(request_states.STATE_WORDS)))
@acting(required=True)
def requests_command(fund_code, state, actor):
    """The requests you may see: id, fund, partner, state, requested and approved amounts."""
    fund = _fund(fund_code) if fund_code else None
    found = requests.visible_requests(actor, fund=fund, state=state)
    lines = [
        "  ".join(
            (
                str(r.id),
                r.fund.code,
                r.partner.code,
                r.state,
                _money(r.requested_amount, r.fund.currency),
                "" if r.approved_amount is None else _money(r.approved_amount, r.fund.currency),
            )
        ).rstrip()
        for r in found
    ]
    for line in lines:
        click.echo(line)


@mdf.command("claim")
@click.argument("request_id", type=RECORD_ID)
@click.option("--amount", type=AMOUNT, required=True)
@click.option(
    "--proof",
    "proof_paths",
    multiple=True,
    required=True,
    type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path),
    help="A PDF, PNG or JPEG file; repeat for several.",
)
@click.option("--actual-leads", type=click.IntRange(0, request_states.MAX_LEADS))
@click.option("--actual-pipeline", type=AMOUNT, help="The pipeline the activity brought.")
@acting(required=True)
def claim_command(request_id, amount, proof_paths, actual_leads, actual_pipeline, actor):
    """Claim an approved activity with proof; prints claim_id=<id>."""
    request = _request(request_id)
    proofs = []
    for path in proof_paths:
        try:
            proofs.append(proof_from_path(path))
        except UploadRejected as exc:
            db.session.rollback()  # and the proofs stored so far with it
            raise click.ClickException(f"{path.name}: {exc.render()}") from None
    claim = claims.submit_claim(
        request,
        actor=actor,
        amount=amount,
        proofs=proofs,
        actual_leads=actual_leads,
        actual_pipeline=actual_pipeline,
    )
    db.session.commit()
    click.echo(f"claim_id={claim.id}")


def _claim(claim_id: int) -> MdfClaim:
    return by_id(MdfClaim, claim_id, "claim")


@mdf.command("claim-approve")
@click.argument("claim_id", type=RECORD_ID)
@acting(required=True)
def claim_approve_command(claim_id, actor):
    """Approve a claim: it becomes a payable line; the unclaimed rest is released."""
    claim = claims.approve_claim(_claim(claim_id), actor=actor)
    db.session.commit()
    click.echo(f"claim_id={claim.id} status={claim.state} payout_line_id={claim.payout_line_id}")


@mdf.command("claim-reject")
@click.argument("claim_id", type=RECORD_ID)
@click.option("--reason", required=True)
@acting(required=True)
def claim_reject_command(claim_id, reason, actor):
    """Reject a claim, saying why (the partner may claim again until the due date)."""
    claim = claims.reject_claim(_claim(claim_id), actor=actor, reason=reason)
    db.session.commit()
    click.echo(f"claim_id={claim.id} status={claim.state}")


@mdf.command("expire")
@click.option("--as-of", "as_of", type=DAY, help="Day to run for (default: today, UTC).")
@with_appcontext
def expire_command(as_of: date | None):
    """Run the daily pass now: lapse unclaimed requests, expire funds, warn partner admins."""
    day = as_of or utcnow().date()
    outcome = expiry.run_expiry(day)
    db.session.commit()
    enqueue.pending_mail()
    click.echo(
        f"{day.isoformat()}: lapsed {len(outcome.lapsed)} requests, expired "
        f"{len(outcome.expired)} funds, sent {sum(outcome.warned.values())} warnings"
    )
