"""What the claim and payout-batch lists offer on each row, decided here from the permission
table and the states the workflows act on (workflows.payables), so templates only show it."""

from __future__ import annotations

from ..models import Claim, PayoutBatch
from ..security import Perm, can


def decidable_claims(claims: list[Claim], user) -> set[int]:
    """The claims `user` is offered approve and reject buttons for."""
    if not can(user, Perm.APPROVE_CLAIMS):
        return set()
    return {c.id for c in claims if c.status in ("submitted", "first_approved")}


def batch_actions(batches: list[PayoutBatch]) -> dict[int, dict[str, bool]]:
    """Per batch: whether it awaits approval, whether its payment file may be downloaded."""
    return {
        b.id: {"approve": b.status == "draft", "export": b.status in ("approved", "exported")}
        for b in batches
    }
