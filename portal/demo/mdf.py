"""The demo's market development funds: the activity types, one allocated fund passed down the
territory tree, and Alpennetz's and Lumière Réseaux's activity requests at every stage.

Finance opens a EUR fund for the demo's two quarters and the next one and passes it to WORLD
(the root comes first: only finance allocates from the fund) and on to EMEA; the EMEA manager
passes money to DACH and France, the DACH manager down to Germany-South and Alpennetz, the EMEA
manager down to France-North and Lumière Réseaux. Alpennetz's partner user then has:

- a roadshow that took place, approved for a little less than asked, claimed with a PDF proof,
  approved and paid in an exported payout batch (built by finance, approved by finance2);
- a trade show that ended last week, approved, whose claim waits for the DACH manager;
- a digital campaign, approved, that has not started yet;
- a training bootcamp waiting for the DACH manager's decision;

and Lumière Réseaux's user a co-branded brochure waiting for the EMEA manager. Everything goes
through the same workflows as the pages, dated on the demo's day; a second load adds nothing.

The earned co-op fund the demo will also show (money partners earn on their sales, fund kind
`earned`) is added by the earned co-op program, in `load_demo_mdf` after the allocated fund.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from workflows.engine import Period
from workflows.mdf import claims, funds, requests
from workflows.payables.batches import approve_batch, build_batch, export_batch
from workflows.payables.errors import PayablesError

from ..actors import actor_for
from ..extensions import db
from ..mdf.proofs import store_proof
from ..models import MdfActivityType, MdfFund, Partner, Territory
from .banking import load_demo_banking
from .documents import one_page_pdf
from .generate import DemoDates, add_months

FINANCE, FINANCE_2 = "finance@demo.example", "finance2@demo.example"
EMEA_MANAGER, DACH_MANAGER = "manager.emea@demo.example", "manager.dach@demo.example"
DACH_USER, FRENCH_USER = "partner.user@demo.example", "partner.fr@demo.example"
FUND_CODE = "DEMO-MDF"

ACTIVITY_TYPES = (
    ("EVENT", "Event"),
    ("DIGITAL", "Digital campaign"),
    ("TRADE-SHOW", "Trade show"),
    ("TRAINING", "Training"),
    ("COLLATERAL", "Co-branded collateral"),
)

# (to, amount, who): a territory from its parent (the root from the fund), a partner from its
# territory; by code, parents first.
ALLOCATIONS = (
    ("WORLD", "250000", FINANCE),
    ("EMEA", "120000", FINANCE),
    ("DACH", "60000", EMEA_MANAGER),
    ("FRANCE", "30000", EMEA_MANAGER),
    ("DE-SOUTH", "40000", DACH_MANAGER),
    ("ALPENNETZ", "25000", DACH_MANAGER),
    ("FR-NORTH", "15000", EMEA_MANAGER),
    ("LUMIERE-RESEAUX", "8000", EMEA_MANAGER),
)


@dataclass(frozen=True)
class DemoRequest:
    """An activity request; days are relative to the demo's day (negative: in the past)."""

    user: str
    activity_type: str
    description: str
    first_day: int
    last_day: int
    requested: str
    approved: str | None = None  # approved by the partner's manager, for this amount
    claimed: str | None = None  # claimed with a proof on the demo's day
    paid: bool = False  # claim approved and paid in an exported batch
    expected: tuple[int, str] = (0, "0")  # leads and pipeline the partner expects
    reported: tuple[int, str] | None = None  # leads and pipeline the claim reports


REQUESTS = (
    DemoRequest(
        DACH_USER,
        "EVENT",
        "Wi-Fi 7 roadshow in Munich: a half-day customer event with live demos of the "
        "NX-AP7 access points, catering for 60 guests.",
        -40,
        -39,
        "8000.00",
        approved="7500.00",
        claimed="7200.00",
        paid=True,
        expected=(40, "300000.00"),
        reported=(46, "412000.00"),
    ),
    DemoRequest(
        DACH_USER,
        "TRADE-SHOW",
        "Booth at the security trade fair in Nuremberg with the Nexaline firewall range.",
        -9,
        -7,
        "6000.00",
        approved="6000.00",
        claimed="5800.00",
        expected=(60, "450000.00"),
        reported=(38, "265000.00"),
    ),
    DemoRequest(
        DACH_USER,
        "DIGITAL",
        "LinkedIn and search campaign for the NX-S campus switches, six weeks, two landing "
        "pages in German.",
        10,
        52,
        "5000.00",
        approved="5000.00",
        expected=(120, "600000.00"),
    ),
    DemoRequest(
        DACH_USER,
        "TRAINING",
        "Two-day certified engineer bootcamp for twelve customer administrators.",
        21,
        22,
        "4500.00",
        expected=(12, "90000.00"),
    ),
    DemoRequest(
        FRENCH_USER,
        "COLLATERAL",
        "Brochure co-brandée sur l'offre Wi-Fi 7 pour les collectivités, 2 000 exemplaires.",
        14,
        30,
        "2500.00",
        expected=(25, "150000.00"),
    ),
)
CLAIM_DAYS = 60


@dataclass
class MdfSummary:
    fund: str | None = None
    activity_types: int = 0
    requests: int = 0
    claims: int = 0
    paid_batch_id: int | None = None


def proof_pdf(request: DemoRequest, day: date) -> bytes:
    """A one-page proof of the activity (invoice summary and attendance), as a partner would
    upload it."""
    return one_page_pdf(
        "Proof of activity",
        (
            ("Alpennetz Systemhaus GmbH", 16),
            ("Proof of activity for market development funds", 13),
            (f"Date: {day.isoformat()}", 11),
            (request.description[:90], 11),
            (f"Costs: {request.claimed} EUR (invoices attached)", 11),
        ),
    )


def load_demo_mdf(dates: DemoDates) -> MdfSummary:
    """Add the activity types, the fund, its allocations, requests and claims once; returns what
    was added (nothing when the demo fund exists). Commits."""
    summary = MdfSummary()
    finance = actor_for(FINANCE)
    summary.activity_types = _ensure_activity_types(finance)
    if db.session.scalar(select(MdfFund.id).where(MdfFund.code == FUND_CODE)) is None:
        fund = _fund(finance, dates)
        _allocate(fund, dates.today)
        _requests(fund, dates, summary)
        summary.fund = fund.code
    # The earned co-op fund (kind `earned`, credited from partners' sales) is loaded here by
    # the earned co-op program's demo, once that program kind exists.
    db.session.commit()
    return summary


def _ensure_activity_types(finance) -> int:
    existing = set(db.session.scalars(select(MdfActivityType.code)))
    missing = [(code, name) for code, name in ACTIVITY_TYPES if code not in existing]
    for code, name in missing:
        funds.add_activity_type(actor=finance, code=code, name=name)
    return len(missing)


def _fund(finance, dates: DemoDates) -> MdfFund:
    """From the previous quarter's start to the end of the next quarter; claims 60 days later."""
    ends_on = add_months(dates.quarter_start, 6) - timedelta(days=1)
    return funds.create_fund(
        actor=finance,
        code=FUND_CODE,
        name="Market development funds, EMEA push",
        currency="EUR",
        amount=Decimal("250000.00"),
        starts_on=dates.start,
        ends_on=ends_on,
        claim_deadline=ends_on + timedelta(days=CLAIM_DAYS),
        claim_days=CLAIM_DAYS,
        second_approval_above=Decimal("10000.00"),
    )


def _by_code(model, code: str):
    return db.session.scalar(select(model).where(model.code == code))


def _allocate(fund: MdfFund, today: date) -> None:
    for target, amount, who in ALLOCATIONS:
        territory = _by_code(Territory, target)
        partner = None if territory is not None else _by_code(Partner, target)
        funds.allocate(
            fund,
            actor=actor_for(who),
            amount=Decimal(amount),
            territory=territory,
            partner=partner,
            on=today,
        )


def _requests(fund: MdfFund, dates: DemoDates, summary: MdfSummary) -> None:
    types = {t.code: t for t in db.session.scalars(select(MdfActivityType))}
    today = dates.today
    for spec in REQUESTS:
        user = actor_for(spec.user)
        partner = db.session.get(Partner, user.partner_id)
        request = requests.propose_request(
            partner,
            fund,
            types[spec.activity_type],
            actor=user,
            starts_on=today + timedelta(days=spec.first_day),
            ends_on=today + timedelta(days=spec.last_day),
            amount=Decimal(spec.requested),
            description=spec.description,
            expected_leads=spec.expected[0],
            expected_pipeline=Decimal(spec.expected[1]),
            on=today,
        )
        summary.requests += 1
        if spec.approved is None:
            continue
        manager = actor_for(DACH_MANAGER if spec.user == DACH_USER else EMEA_MANAGER)
        requests.approve_request(request, actor=manager, amount=Decimal(spec.approved), on=today)
        if spec.claimed is None:
            continue
        pdf = proof_pdf(spec, request.ends_on)
        proof = store_proof(
            FileStorage(
                io.BytesIO(pdf), filename="proof-of-activity.pdf", content_type="application/pdf"
            )
        )
        leads, pipeline = spec.reported or (None, None)
        claim = claims.submit_claim(
            request,
            actor=user,
            amount=Decimal(spec.claimed),
            proofs=[proof],
            actual_leads=leads,
            actual_pipeline=None if pipeline is None else Decimal(pipeline),
            on=today,
        )
        summary.claims += 1
        if spec.paid:
            claims.approve_claim(claim, actor=manager)
            summary.paid_batch_id = _pay(request.starts_on, request.ends_on, request.partner)


def _pay(first: date, last: date, partner: Partner) -> int:
    """Finance batches the approved claim's payable line (in the partner's currency), finance2
    approves, finance exports (unless the vendor's paying account is not configured: the batch
    then waits, approved, for its payment file)."""
    finance, checker = actor_for(FINANCE), actor_for(FINANCE_2)
    load_demo_banking()
    batch, _held = build_batch(actor=finance, currency=partner.currency, period=Period(first, last))
    approve_batch(batch, actor=checker)
    try:
        with db.session.begin_nested():
            export_batch(batch, actor=finance)
    except PayablesError:
        pass
    return batch.id
