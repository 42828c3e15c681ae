"""The deal registration state machine: one transition table, fired by `workflows.states`.

    draft ──submit──▶ submitted ──approve──▶ approved ──report_won──▶ won
                        │  ▲                  │  ├──report_lost──▶ lost
                        │  └──resubmit──┐     │  └──expire (system)──▶ expired
                        ├──return──▶ returned │
                        └──reject──▶ rejected │
    draft / submitted / returned / approved ──withdraw──▶ withdrawn

An approved registration may ask once for a longer protection: request_extension sets the
extension to "requested"; a manager grants it (new protection date) or refuses it. The deal
stays approved throughout.

Every change goes through `transition()`: the machine checks the table, the actor's permission
and scope, maker–checker, runs the event's effect (`effects`), writes the audit log and queues
the e-mails. The partner user who registered the deal hears about decisions, extension
decisions and the expiry; the channel managers of the partner's territory (or of one above it)
hear about submissions, extension requests, and a partner withdrawing or closing a deal they
have seen (never about drafts).
"""

from __future__ import annotations

from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.extensions import db
from portal.foundation.outbox import public_url
from portal.models import DealRegistration, PartnerTerritory, User, managers_above
from portal.models.partners import current_range
from portal.security import Perm
from workflows.engine.i18n import N_
from workflows.states import Machine, Transition

from . import effects
from .errors import DealError

PARTNER, REVIEWER, SYSTEM = "partner", "reviewer", "system"
BY_PERMISSION = {PARTNER: Perm.REGISTER_DEALS, REVIEWER: Perm.REVIEW_DEALS, SYSTEM: None}
MANAGERS = "managers"  # who hears of a deal besides the partner user who registered it
EXTENSION_REQUESTED = "requested"

# The state as a refusal names it ("… is not possible while the registration is %(state)s");
# pages and e-mails label states and reasons through portal.labels.
STATE_LABELS = {
    "draft": _l("draft"),
    "submitted": _l("submitted"),
    "returned": _l("returned for more information"),
    "approved": _l("approved"),
    "rejected": _l("rejected"),
    "withdrawn": _l("withdrawn"),
    "won": _l("won"),
    "lost": _l("lost"),
    "expired": _l("expired"),
}
EXTENSION_LABELS = {
    "requested": _l("extension requested"),
    "granted": _l("extension granted"),
    "refused": _l("extension refused"),
}
REJECTION_REASONS = (
    "duplicate",
    "direct_sales",
    "insufficient_information",
    "not_qualified",
    "outside_territory",
    "other",
)


def _never_extended(deal: DealRegistration) -> bool:
    return deal.extension_state is None


def _extension_requested(deal: DealRegistration) -> bool:
    return deal.extension_state == EXTENSION_REQUESTED


SUBMITTER = ("submitted_by_id",)
REQUESTERS = ("submitted_by_id", "extension_requested_by_id")


TRANSITIONS: dict[str, Transition] = {t.event: t for t in (
    Transition("submit", ("draft",), "submitted", PARTNER, _l("Submit"),
               effect=effects.submit, notify={MANAGERS: "deal_submitted"}),
    Transition("resubmit", ("returned",), "submitted", PARTNER, _l("Resubmit"),
               effect=effects.submit, notify={MANAGERS: "deal_submitted"}),
    Transition("approve", ("submitted",), "approved", REVIEWER, _l("Approve"), makers=SUBMITTER,
               effect=effects.approve, notify={PARTNER: "deal_approved"}),
    Transition("reject", ("submitted",), "rejected", REVIEWER, _l("Reject"), makers=SUBMITTER,
               effect=effects.reject, notify={PARTNER: "deal_rejected"}),
    Transition("return", ("submitted",), "returned", REVIEWER, _l("Return for information"),
               makers=SUBMITTER, effect=effects.return_for_information,
               notify={PARTNER: "deal_returned"}),
    Transition("withdraw", ("draft", "submitted", "returned", "approved"), "withdrawn", PARTNER,
               _l("Withdraw"), effect=effects.withdraw, notify={MANAGERS: "deal_partner_update"}),
    Transition("report_won", ("approved",), "won", PARTNER, _l("Report won"),
               effect=effects.report_won, notify={MANAGERS: "deal_partner_update"}),
    Transition("report_lost", ("approved",), "lost", PARTNER, _l("Report lost"),
               effect=effects.report_lost, notify={MANAGERS: "deal_partner_update"}),
    Transition("expire", ("approved",), "expired", SYSTEM, _l("Expire"),
               effect=effects.expire, notify={PARTNER: "deal_expired"}),
    Transition("request_extension", ("approved",), "approved", PARTNER,
               _l("Request an extension"), guard=_never_extended,
               effect=effects.request_extension, notify={MANAGERS: "deal_extension_requested"}),
    Transition("grant_extension", ("approved",), "approved", REVIEWER, _l("Grant the extension"),
               makers=REQUESTERS, guard=_extension_requested, effect=effects.grant_extension,
               notify={PARTNER: "deal_extension_decided"}),
    Transition("refuse_extension", ("approved",), "approved", REVIEWER,
               _l("Refuse the extension"), makers=REQUESTERS, guard=_extension_requested,
               effect=effects.refuse_extension, notify={PARTNER: "deal_extension_decided"}),
)}  # fmt: skip
AUDITED_FIELDS = (
    "state",
    "protection_ends_on",
    "protection_program_id",
    "extension_state",
    "rejection_reason",
    "decision_note",
    "won_amount",
    "won_on",
    "lost_reason",
    "withdrawn_reason",
    "extension_note",
)


def territory_managers(partner_id: int) -> list[User]:
    """Active channel managers of the partner's territory today, or of one above it."""
    territory = select(PartnerTerritory.territory_id).where(
        PartnerTerritory.partner_id == partner_id, current_range(PartnerTerritory, date.today())
    )
    return list(db.session.scalars(managers_above(territory)))


def _partner(deal: DealRegistration) -> list[User]:
    return [deal.submitted_by] if deal.submitted_by.active else []


def _managers(deal: DealRegistration) -> list[User]:
    return territory_managers(deal.partner_id) if deal.submitted_at is not None else []


def state_label(deal: DealRegistration):
    """The state in words; an approved deal's extension, when it has one, says more."""
    if deal.state == "approved" and deal.extension_state:
        return EXTENSION_LABELS[deal.extension_state]
    return STATE_LABELS[deal.state]


def mail_context(deal: DealRegistration, event: str, audience: str = PARTNER) -> dict:
    return {
        "deal": deal,
        "event": event,
        "link": public_url("deals.detail", deal_id=deal.id),
        "review_hours": current_app.config["REVIEW_TARGET_HOURS"],
    }


DEALS = Machine(
    "deal",
    TRANSITIONS.values(),
    parties=BY_PERMISSION,
    refused=N_("“%(action)s” is not possible while the registration is %(state)s."),
    maker_checker=N_(
        "You submitted or requested this yourself: another channel manager must decide it."
    ),
    state_label=state_label,
    audited=AUDITED_FIELDS,
    audiences={PARTNER: _partner, MANAGERS: _managers},
    mail_context=mail_context,
    unknown=lambda event: DealError(N_("Unknown action.")),
)
allowed = DEALS.allowed


def transition(deal: DealRegistration, event: str, actor, **data) -> DealRegistration:
    """Fire `event` on `deal` as `actor` (None for the system), or raise without changing it.

    Raises Forbidden (no permission / not visible), MakerCheckerRefused, IllegalTransition or
    a DealError from the event's effect. Flushes; the caller commits and then enqueues the
    mails the event queued (workflows.enqueue.pending_mail).
    """
    return DEALS.fire(deal, event, actor, **data)
