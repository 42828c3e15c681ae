"""The demo's claim-based SPIF and two claims in the managers' queue.

Finance runs a launch SPIF for the Wi-Fi 7 access points that pays what the partner claims
against its invoice; above 2,000 EUR two different approvers are needed. Alpennetz's partner
user has claimed twice in the demo's current quarter, each with a PDF invoice: a small claim
waiting for its manager, and a large one the DACH manager approved first, which now waits for a
second approver (the EMEA manager). Through the same services as the pages; a second load adds
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from workflows.payables.claims import approve_claim, submit_claim

from ..actors import actor_for
from ..extensions import db
from ..models import Claim, Partner
from ..onboarding.uploads import CheckedUpload
from ..payables.invoices import store_invoice
from ..programs.services import save_program
from .documents import one_page_pdf
from .generate import DemoDates

SPEC = """\
code: DEMO-WIFI7-CLAIM
name: Wi-Fi 7 launch SPIF, paid on claim with the invoice
kind: spif
currency: EUR
eligible: {categories: [WIRELESS]}
measure: quantity
payee: partner
tiers: {mode: retroactive, bands: [{from: 0, rate: 0}]}
claim_required: true
claim_approval_threshold: 2000
"""
FINANCE, CLAIMANT, FIRST_APPROVER = (
    "finance@demo.example",
    "partner.user@demo.example",
    "manager.dach@demo.example",
)


@dataclass(frozen=True)
class DemoClaim:
    reference: str
    customer: str
    units: int
    amount: str
    days_ago: int
    first_approved: bool


CLAIMS = (
    DemoClaim("AN-2026-0412", "Brauerei Zum Löwen AG", 12, "600.00", 6, False),
    DemoClaim("AN-2026-0398", "Klinikum Südstadt gGmbH", 64, "3200.00", 9, True),
)


def invoice_pdf(claim: DemoClaim, sold_on: date) -> bytes:
    """A one-page invoice from Alpennetz to the end customer, as a partner would upload it."""
    return one_page_pdf(
        f"Invoice {claim.reference}",
        (
            ("Alpennetz Systemhaus GmbH", 16),
            (f"Invoice {claim.reference}", 13),
            (f"Date: {sold_on.isoformat()}", 11),
            (f"To: {claim.customer}", 11),
            (f"{claim.units} x Nexaline NX-AP7 Wi-Fi 7 access point", 11),
        ),
    )


def load_demo_claims(dates: DemoDates) -> int:
    """Save the program and submit (and first-approve) the claims once; returns the claims
    added. Commits."""
    finance = actor_for(FINANCE)
    program, _, _ = save_program(SPEC, actor=finance)
    db.session.flush()
    if db.session.scalar(select(func.count(Claim.id)).where(Claim.program_id == program.id)):
        db.session.commit()
        return 0
    claimant, approver = actor_for(CLAIMANT), actor_for(FIRST_APPROVER)
    partner = db.session.get(Partner, claimant.partner_id)
    for spec in CLAIMS:
        sold_on = max(dates.quarter_start, dates.today - timedelta(days=spec.days_ago))
        pdf = invoice_pdf(spec, sold_on)
        name = f"invoice-{spec.reference}.pdf"
        invoice = store_invoice(CheckedUpload(pdf, name, "application/pdf", len(pdf)))
        claim = submit_claim(
            partner,
            program,
            actor=claimant,
            sale_reference=spec.reference,
            sold_on=sold_on,
            amount=Decimal(spec.amount),
            invoice=invoice,
        )
        if spec.first_approved:
            approve_claim(claim, actor=approver)
    db.session.commit()
    return len(CLAIMS)
