"""What the claim and payout-batch lists offer on each row, decided here from the permission
table and the states the workflows act on (workflows.payables), so templates only show it."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from workflows.payables.batches import BATCHES, HeldPayee

from ..extensions import db
from ..models import Claim, PayoutBatch, User
from ..security import Perm, can


def decidable_claims(claims: list[Claim], user) -> set[int]:
    """The claims `user` is offered approve and reject buttons for."""
    if not can(user, Perm.APPROVE_CLAIMS):
        return set()
    return {c.id for c in claims if c.status in ("submitted", "first_approved")}


def batch_actions(batches: list[PayoutBatch], user) -> dict[int, dict[str, bool]]:
    """Per batch: whether `user` may approve it (never the finance user who built it), whether
    its payment file may be downloaded."""
    return {
        b.id: {
            "approve": BATCHES.offered(b, "approve", user),
            "export": BATCHES.allowed(b, "export"),
        }
        for b in batches
    }


def hold_reason(held: HeldPayee) -> str:
    """Why a partner's lines are held, in the reader's words."""
    if held.reason == "no_account":
        return _("No verified bank account for %(currency)s", currency=held.currency)
    if held.reason == "change_pending":
        return _("Bank account change awaiting verification")
    return _("The lines net to zero or less")


def hold_next_step(held: HeldPayee) -> str:
    """What unblocks the held lines."""
    if held.reason == "no_account":
        return _("A partner admin enters the account; finance verifies it.")
    if held.reason == "change_pending":
        return _("A finance user other than who entered it verifies the change.")
    return _("They stay payable and net off against later amounts.")


def detail_actions(batch: PayoutBatch, user) -> dict[str, bool]:
    """What the batch page offers `user`: approve, export, mark paid, record a return."""
    return {
        "approve": BATCHES.offered(batch, "approve", user),
        "export": batch.status == "approved" and BATCHES.offered(batch, "export", user),
        "download": batch.status == "exported",
        "mark_paid": BATCHES.offered(batch, "mark_paid", user),
        "return": BATCHES.offered(batch, "return_payment", user),
    }


def people(batch: PayoutBatch) -> dict[int, str]:
    """The names of who built, approved, exported and marked the batch paid."""
    ids = {batch.created_by_id, batch.approved_by_id, batch.exported_by_id, batch.paid_by_id}
    ids.discard(None)
    if not ids:
        return {}
    return {
        u.id: u.name or u.email for u in db.session.scalars(select(User).where(User.id.in_(ids)))
    }
