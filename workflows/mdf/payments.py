"""What payout batches paid of fund claims: one payment row per claim and batch, written when
the batch that holds its payable line is exported (the moment the payment file leaves), and one
return row (the amount negated) when the bank returns that transfer. A returned claim's line is
payable again; the batch that pays it next writes a payment row of its own."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, insert, select

from portal.extensions import db
from portal.models import MdfClaim, MdfEntry, PayoutBatchLine, PayoutLine, utcnow
from portal.models.mdf import PAYMENT_KINDS


def _write(batch_id: int, kind: str, sign: int, actor, *where) -> int:
    """One row of `kind` per fund claim whose line is in the batch (and matches `where`)."""
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
        .where(PayoutBatchLine.batch_id == batch_id, *where)
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
                    "kind": kind,
                    "amount": sign * amount,
                    "request_id": request_id,
                    "claim_id": claim_id,
                    "batch_id": batch_id,
                    "actor_id": actor_id,
                    "created_at": now,
                }
                for claim_id, request_id, fund_id, partner_id, amount in rows
            ],
        )
    return len(rows)


def record_payments(batch_id: int, *, actor) -> int:
    """Payment rows for the fund claims whose lines are in the batch; returns how many."""
    return _write(batch_id, "payment", 1, actor)


def record_returns(batch_id: int, payout_line_ids: Iterable[int], *, actor) -> int:
    """Return rows for the fund claims among the batch's lines the bank returned (each the
    negated payment, so what was paid of the claim is back to nothing); returns how many."""
    return _write(batch_id, "payment_return", -1, actor, PayoutLine.id.in_(list(payout_line_ids)))


def paid_claims(claim_ids: Iterable[int]):
    """SQL: the ids among `claim_ids` that are paid now (a payment not returned)."""
    return (
        select(MdfEntry.claim_id)
        .where(MdfEntry.claim_id.in_(list(claim_ids)), MdfEntry.kind.in_(PAYMENT_KINDS))
        .group_by(MdfEntry.claim_id)
        .having(func.sum(MdfEntry.amount) > 0)
    )
