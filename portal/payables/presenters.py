"""What the claim and payout-batch lists offer on each row, decided here from the permission
table and the states the workflows act on (workflows.payables), so templates only show it."""

from __future__ import annotations

from workflows.payables.batches import BATCHES

from ..models import Claim, PayoutBatch
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
