"""Stored values (states, kinds, roles, tiers, codes) as the words a reader sees, in their
language, and their badge colours: the one place for both.

The database, the exports and the workflows keep the stable English values; templates show them
through `{{ run.status|label("status") }}` or as a coloured `{{ deal.state|badge("deal_state") }}`,
forms through `choices()`. A value without a label shows as stored; without a colour, grey.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

# The states of anything someone reviews (deals, applications, claims, runs, batches…) share
# these words; the points ledger's kinds share theirs.
REVIEW = {"submitted": _l("submitted"), "approved": _l("approved"), "rejected": _l("rejected")}
LEDGER = {
    "earn": _l("earned"),
    "adjust": _l("adjustment"),
    "award": _l("contest award"),
    "expire": _l("expired"),
}
LABELS = {
    "status": {
        **REVIEW,
        "queued": _l("queued"),
        "running": _l("running"),
        "done": _l("done"),
        "failed": _l("failed"),
        "draft": _l("draft"),
        "requested": _l("requested"),
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
    "program_kind": {
        "rebate": _l("Rebate"),
        "spif": _l("SPIF"),
        "loyalty": _l("Loyalty"),
        "coop": _l("Co-op"),
        "contest": _l("Contest"),
    },
    # Tiers are data (imports may name others); the usual ones read in the user's language.
    "tier": {
        "registered": _l("registered"),
        "silver": _l("silver"),
        "gold": _l("gold"),
        "platinum": _l("platinum"),
    },
    "run_kind": {"accrual": _l("accrual"), "settlement": _l("settlement")},
    "payment_file": {
        "pain001": _l("pain.001 SEPA credit transfer (XML)"),
        "csv": _l("Bank CSV"),
        "lines": _l("Payout lines CSV"),
    },
    "bank_field": {
        "payee_name": _l("Payee name"),
        "account_number": _l("IBAN or account number"),
        "routing_code": _l("Routing number or sort code"),
        "bic": _l("BIC"),
        "amount": _l("Amount"),
        "currency": _l("Currency"),
        "reference": _l("Reference"),
        "execution_date": _l("Execution date"),
    },
    "payout_kind": {
        "settlement": _l("settlement"),
        "adjustment": _l("adjustment"),
        "clawback": _l("clawback"),
        "claim": _l("claim"),
        "mdf": _l("market development funds"),
    },
    "entry_kind": {
        **LEDGER,
        "hold": _l("held"),
        "release": _l("released"),
        "redeem": _l("redeemed"),
    },
    "ledger_kind": {**LEDGER, "redeem": _l("redemption")},
    "redemption_state": {
        "requested": _l("awaiting approval"),
        "approved": _l("approved"),
        "rejected": _l("rejected, points returned"),
    },
    "claim_state": {**REVIEW, "first_approved": _l("awaiting second approval")},
    "fund_state": {"open": _l("open"), "expired": _l("expired")},
    "import_kind": {
        "territories": _l("territories"),
        "partners": _l("partners"),
        "categories": _l("categories"),
        "products": _l("products"),
        "fx": _l("FX rates"),
        "sales": _l("sales lines"),
        "catalog": _l("reward catalog"),
    },
    "deal_state": {
        **REVIEW,
        "draft": _l("draft"),
        "returned": _l("returned for more information"),
        "withdrawn": _l("withdrawn"),
        "won": _l("won"),
        "lost": _l("lost"),
        "expired": _l("expired"),
    },
    "deal_extension": {
        "requested": _l("extension requested"),
        "granted": _l("extension granted"),
        "refused": _l("extension refused"),
    },
    "deal_rejection_reason": {
        "duplicate": _l("Duplicate: another registration exists for this opportunity"),
        "direct_sales": _l("Customer already engaged with direct sales"),
        "insufficient_information": _l("Insufficient information"),
        "not_qualified": _l("Not a qualified opportunity"),
        "outside_territory": _l("Outside the partner's territory"),
        "other": _l("Other"),
    },
    # A registration's history: one entry per audit action.
    "deal_event": {
        "deal.create": _l("Created"),
        "deal.update": _l("Changed"),
        "deal.submit": _l("Submitted"),
        "deal.resubmit": _l("Resubmitted"),
        "deal.approve": _l("Approved"),
        "deal.reject": _l("Rejected"),
        "deal.return": _l("Returned for more information"),
        "deal.withdraw": _l("Withdrawn"),
        "deal.report_won": _l("Reported won"),
        "deal.report_lost": _l("Reported lost"),
        "deal.expire": _l("Expired"),
        "deal.request_extension": _l("Extension requested"),
        "deal.grant_extension": _l("Extension granted"),
        "deal.refuse_extension": _l("Extension refused"),
        "deal.remind": _l("Expiry reminder sent"),
    },
    # How long a submission has waited against its review target.
    "review_age": {
        "overdue": _l("overdue"),
        "due_soon": _l("due soon"),
        "on_track": _l("on track"),
    },
    "application_state": {
        **REVIEW,
        "draft": _l("not submitted yet"),
        "needs_info": _l("waiting for more information"),
        "resubmitted": _l("resubmitted"),
    },
    # An application's history: one entry per audit action.
    "application_event": {
        "application.register": _l("registered"),
        "application.verify_email": _l("confirmed the e-mail address"),
        "application.resend_verification": _l("asked for a new confirmation link"),
        "application.document": _l("uploaded a document"),
        "application.submit": _l("submitted"),
        "application.request_info": _l("requested information"),
        "application.resubmit": _l("answered and resubmitted"),
        "application.approve": _l("approved"),
        "application.reject": _l("rejected"),
    },
    "business_type": {
        "reseller": _l("Reseller"),
        "distributor": _l("Distributor"),
        "agent": _l("Agent"),
        "dealer": _l("Dealer or dealer group"),
        "managed_service_provider": _l("Managed service provider"),
        "system_integrator": _l("System integrator"),
        "other": _l("Other"),
    },
    # Why an application may duplicate another, as said to a reviewer who may not see the other.
    "duplicate_reason": {
        "same_tax_id": _l("same tax id"),
        "same_domain": _l("same website domain"),
        "similar_name": _l("very similar company name"),
    },
    "token_scope": {"read": _l("Read only"), "read-write": _l("Read and write")},
    # A published agreement version: the one in effect, or one waiting for its effective date.
    "agreement_version": {"current": _l("current"), "scheduled": _l("scheduled")},
    # Market development funds: an activity request, a claim on it, and their history.
    "mdf_request_state": {
        **REVIEW,
        "first_approved": _l("awaiting second approval"),
        "returned": _l("returned for more information"),
        "claimed": _l("claimed"),
        "lapsed": _l("lapsed"),
    },
    "mdf_claim_state": REVIEW,
    "mdf_event": {
        "mdf.request.submit": _l("Activity proposed"),
        "mdf.request.approve": _l("Approved"),
        "mdf.request.first_approve": _l("First approval"),
        "mdf.request.second_approve": _l("Second approval"),
        "mdf.request.reject": _l("Rejected"),
        "mdf.request.return": _l("Returned for more information"),
        "mdf.request.resubmit": _l("Resubmitted"),
        "mdf.request.claimed": _l("Claimed"),
        "mdf.request.lapse": _l("Lapsed: no claim by the due date"),
        "mdf.claim.submit": _l("Claim filed"),
        "mdf.claim.approve": _l("Claim approved"),
        "mdf.claim.reject": _l("Claim rejected"),
    },
    # Payout bank accounts: their state, their scheme, and their history.
    "payee_account_state": {
        "pending": _l("Pending verification"),
        "verified": _l("Verified"),
        "rejected": _l("Rejected"),
        "superseded": _l("Replaced"),
    },
    "payee_scheme": {
        "iban": _l("IBAN and BIC"),
        "us_aba": _l("US routing and account number"),
        "gb_sort_code": _l("UK sort code and account number"),
    },
    "payee_account_event": {
        "payee_account.enter": _l("Entered"),
        "payee_account.verify": _l("Verified"),
        "payee_account.reject": _l("Rejected"),
        "payee_account.supersede": _l("Replaced"),
        "payee_account.reveal": _l("Account number shown"),
    },
    "trip_award_state": {
        "pending": _l("Awaiting an answer"),
        "accepted": _l("Accepted"),
        "declined": _l("Declined"),
    },
    # A step on the road from an approved settlement to payment (portal/calc/road.py).
    "road_step": {"done": _l("done"), "partial": _l("partly"), "waiting": _l("waiting")},
    "contest_state": {"open": _l("open"), "ended": _l("ended"), "settled": _l("settled")},
    "award_kind": {"trip": _l("Trip seats"), "amount": _l("Amounts"), "points": _l("Points")},
    "webhook_event": {
        "application.submitted": _l("Partner application submitted"),
        "application.approved": _l("Partner application approved"),
        "application.rejected": _l("Partner application rejected"),
        "deal.submitted": _l("Deal registration submitted"),
        "deal.approved": _l("Deal registration approved"),
        "deal.rejected": _l("Deal registration rejected"),
        "deal.won": _l("Deal reported won"),
        "deal.lost": _l("Deal reported lost"),
        "deal.expired": _l("Deal registration expired"),
        "claim.submitted": _l("SPIF claim submitted"),
        "claim.first_approved": _l("SPIF claim awaiting second approval"),
        "claim.approved": _l("SPIF claim approved"),
        "claim.rejected": _l("SPIF claim rejected"),
        "calc_run.finished": _l("Calculation run finished"),
        "settlement.approved": _l("Settlement approved"),
        "payout_batch.exported": _l("Payout batch exported"),
        "payout_batch.paid": _l("Payout batch paid by the bank"),
        "payout_batch.payment_returned": _l("Payment returned by the bank"),
        "redemption.requested": _l("Redemption requested"),
        "redemption.approved": _l("Redemption approved"),
        "redemption.rejected": _l("Redemption rejected"),
        "mdf.request.submitted": _l("Fund request submitted"),
        "mdf.request.approved": _l("Fund request approved"),
        "mdf.request.rejected": _l("Fund request rejected"),
        "mdf.request.returned": _l("Fund request returned for information"),
        "mdf.request.claimed": _l("Fund request claimed"),
        "mdf.request.lapsed": _l("Fund request lapsed"),
        "mdf.claim.submitted": _l("Fund claim submitted"),
        "mdf.claim.approved": _l("Fund claim approved"),
        "mdf.claim.rejected": _l("Fund claim rejected"),
    },
    "delivery_state": {
        "pending": _l("pending"),
        "delivered": _l("delivered"),
        "failed": _l("failed"),
    },
}

# Bootstrap colours (`text-bg-…`) of values shown as badges; any other value is "secondary".
REVIEW_COLOURS = {"submitted": "info", "approved": "success", "rejected": "danger"}
BADGES = {
    "status": {
        "done": "success",
        "failed": "danger",
        "draft": "warning",
        "approved": "info",
        "exported": "success",
    },
    "deal_state": {**REVIEW_COLOURS, "returned": "warning", "won": "primary", "lost": "dark"},
    "deal_extension": dict.fromkeys(LABELS["deal_extension"], "light border"),
    "review_age": {"overdue": "danger", "due_soon": "warning", "on_track": "success"},
    "application_state": {**REVIEW_COLOURS, "needs_info": "warning", "resubmitted": "info"},
    "claim_state": {**REVIEW_COLOURS, "first_approved": "warning"},
    "mdf_request_state": {
        **REVIEW_COLOURS,
        "first_approved": "warning",
        "returned": "warning",
        "claimed": "primary",
        "lapsed": "dark",
    },
    "mdf_claim_state": REVIEW_COLOURS,
    "fund_state": {"open": "success", "expired": "secondary"},
    "redemption_state": {"requested": "warning", "approved": "success"},
    "road_step": {"done": "success", "partial": "warning"},
    "contest_state": {"open": "success", "ended": "warning", "settled": "secondary"},
    "agreement_version": {"current": "success"},
    "payee_account_state": {"pending": "warning", "verified": "success", "rejected": "danger"},
    "trip_award_state": {"pending": "warning", "accepted": "success", "declined": "secondary"},
    "delivery_state": {"pending": "warning", "delivered": "success", "failed": "danger"},
}


def label(value, vocabulary: str) -> str:
    """The reader's word for a stored `value` of `vocabulary` (the value itself if unknown)."""
    if value is None:
        return ""
    found = LABELS[vocabulary].get(str(value))
    return str(found) if found is not None else str(value)


def badge(value, vocabulary: str, text=None, marked: bool = False) -> Markup:
    """`value` as a coloured badge showing its label (or `text`); `marked` adds the value as
    `data-state`, for scripts and tests that look for the state rather than its word."""
    colour = BADGES.get(vocabulary, {}).get(str(value), "secondary")
    shown = label(value, vocabulary) if text is None else text
    marker = Markup(' data-state="{}"').format(value) if marked else ""
    return Markup('<span class="badge text-bg-{}"{}>{}</span>').format(colour, marker, shown)


def choices(vocabulary: str, values: Iterable[str] | None = None) -> list[SelectChoice]:
    """Select options for `values` (every labelled value of `vocabulary` when not given)."""
    words = LABELS[vocabulary]
    return [SelectChoice(v, words.get(v, v)) for v in (words if values is None else values)]


def register(app) -> None:
    app.jinja_env.filters.update(label=label, badge=badge)
