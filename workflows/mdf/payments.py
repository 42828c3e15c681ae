"""What payout batches paid of fund claims: one payment row per claim, written when the batch
that holds its payable line is exported (the moment the payment file leaves)."""

from __future__ import annotations

from sqlalchemy import insert, select

from portal.extensions import db
from portal.models import MdfClaim, MdfEntry, PayoutBatchLine, PayoutLine, utcnow


def record_payments(batch_id: int, *, actor) -> int:
    """Payment rows for the fund claims whose lines are in the batch; returns how many."""
    rows = db.session.execute(
        select(
            MdfClaim.id,
            MdfClaim.request_id,
            MdfClaim.fund_id,
            MdfClaim.partner_id,
            PayoutLine.amount,
        )
        .join(PayoutLine, PayoutLine.id == MdfClaim.payout_line_id)
        .join(PayoutBatchLine, PayoutBatchLine.payout_line_id == PayoutLine.id)
        .where(PayoutBatchLine.batch_id == batch_id)
        .order_by(MdfClaim.id)
    ).all()
    if rows:
        now, actor_id = utcnow(), getattr(actor, "id", None)
        db.session.execute(
            insert(MdfEntry),
            [
                {
                    "fund_id": fund_id,
                    "partner_id": partner_id,
                    "kind": "payment",
                    "amount": amount,
                    "request_id": request_id,
                    "claim_id": claim_id,
                    "actor_id": actor_id,
                    "created_at": now,
                }
                for claim_id, request_id, fund_id, partner_id, amount in rows
            ],
        )
    return len(rows)
