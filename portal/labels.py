"""Stored values (statuses, kinds, roles) as the words a reader sees, in their language.

The database and the exports keep the stable English values; pages show them through the
`label` filter: `{{ run.status|label("status") }}`. A value without a label shows as stored.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .programs.describe import KIND_NAMES

LABELS = {
    "status": {
        "queued": _l("queued"),
        "running": _l("running"),
        "done": _l("done"),
        "failed": _l("failed"),
        "draft": _l("draft"),
        "requested": _l("requested"),
        "submitted": _l("submitted"),
        "approved": _l("approved"),
        "rejected": _l("rejected"),
        "exported": _l("exported"),
    },
    "role": {
        "partner_user": _l("partner user"),
        "partner_admin": _l("partner admin"),
        "channel_manager": _l("channel manager"),
        "finance": _l("finance"),
        "admin": _l("administrator"),
        "applicant": _l("applicant"),
    },
    "program_kind": KIND_NAMES,
    # Tiers are data (imports may name others); the usual ones read in the user's language.
    "tier": {
        "registered": _l("registered"),
        "silver": _l("silver"),
        "gold": _l("gold"),
        "platinum": _l("platinum"),
    },
    "run_kind": {"accrual": _l("accrual"), "settlement": _l("settlement")},
    "payout_kind": {
        "settlement": _l("settlement"),
        "adjustment": _l("adjustment"),
        "clawback": _l("clawback"),
        "claim": _l("claim"),
        "mdf": _l("market development funds"),
    },
    "entry_kind": {
        "earn": _l("earned"),
        "adjust": _l("adjustment"),
        "hold": _l("held"),
        "release": _l("released"),
        "redeem": _l("redeemed"),
        "expire": _l("expired"),
    },
    "ledger_kind": {
        "earn": _l("earned"),
        "adjust": _l("adjustment"),
        "redeem": _l("redemption"),
        "expire": _l("expired"),
    },
    "redemption_state": {
        "requested": _l("awaiting approval"),
        "approved": _l("approved"),
        "rejected": _l("rejected, points returned"),
    },
    "import_kind": {
        "territories": _l("territories"),
        "partners": _l("partners"),
        "categories": _l("categories"),
        "products": _l("products"),
        "fx": _l("FX rates"),
        "sales": _l("sales lines"),
        "catalog": _l("reward catalog"),
    },
}


def label(value, vocabulary: str) -> str:
    """The reader's word for a stored `value` of `vocabulary` (the value itself if unknown)."""
    if value is None:
        return ""
    found = LABELS[vocabulary].get(str(value))
    return str(found) if found is not None else str(value)
