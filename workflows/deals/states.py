"""The deal registration state machine: one transition table, one `transition()` function.

    draft ──submit──▶ submitted ──approve──▶ approved ──report_won──▶ won
                        │  ▲                  │  ├──report_lost──▶ lost
                        │  └──resubmit──┐     │  └──expire (system)──▶ expired
                        ├──return──▶ returned │
                        └──reject──▶ rejected │
    draft / submitted / returned / approved ──withdraw──▶ withdrawn

An approved registration may ask once for a longer protection: request_extension sets the
extension to "requested"; a manager grants it (new protection date) or refuses it. The deal
stays approved throughout.

Every change goes through `transition()`, which checks the table, the actor's permission and
scope, maker–checker, and writes the audit log; what each event does lives in `effects`.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from portal.extensions import db
from portal.foundation.audit import record_event
from portal.models import DealRegistration
from portal.security import Forbidden, Perm, ensure, ensure_not_maker
from workflows.engine.i18n import N_

from .errors import DealError, IllegalTransition, MakerCheckerRefused

PARTNER, REVIEWER, SYSTEM = "partner", "reviewer", "system"
BY_PERMISSION = {PARTNER: Perm.REGISTER_DEALS, REVIEWER: Perm.REVIEW_DEALS}
NO_EXTENSION, EXTENSION_REQUESTED = "none", "requested"

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
STATE_BADGES = {
    "draft": "secondary",
    "submitted": "info",
    "returned": "warning",
    "approved": "success",
    "rejected": "danger",
    "withdrawn": "secondary",
    "won": "primary",
    "lost": "dark",
    "expired": "secondary",
}
EXTENSION_LABELS = {
    "requested": _l("extension requested"),
    "granted": _l("extension granted"),
    "refused": _l("extension refused"),
}
REJECTION_REASONS = {
    "duplicate": _l("Duplicate: another registration exists for this opportunity"),
    "direct_sales": _l("Customer already engaged with direct sales"),
    "insufficient_information": _l("Insufficient information"),
    "not_qualified": _l("Not a qualified opportunity"),
    "outside_territory": _l("Outside the partner's territory"),
    "other": _l("Other"),
}


@dataclass(frozen=True)
class Transition:
    """`event` moves a registration from any of `sources` to `target`, fired by `by`.

    `extension` is what the extension must be before the event: NO_EXTENSION (never asked),
    EXTENSION_REQUESTED (awaiting a decision) or None (anything).
    """

    event: str
    sources: tuple[str, ...]
    target: str
    by: str
    label: object
    extension: str | None = None

    @property
    def maker_checked(self) -> bool:
        return self.by == REVIEWER


TRANSITIONS: dict[str, Transition] = {
    t.event: t
    for t in (
        Transition("submit", ("draft",), "submitted", PARTNER, _l("Submit")),
        Transition("resubmit", ("returned",), "submitted", PARTNER, _l("Resubmit")),
        Transition("approve", ("submitted",), "approved", REVIEWER, _l("Approve")),
        Transition("reject", ("submitted",), "rejected", REVIEWER, _l("Reject")),
        Transition("return", ("submitted",), "returned", REVIEWER, _l("Return for information")),
        Transition(
            "withdraw",
            ("draft", "submitted", "returned", "approved"),
            "withdrawn",
            PARTNER,
            _l("Withdraw"),
        ),
        Transition("report_won", ("approved",), "won", PARTNER, _l("Report won")),
        Transition("report_lost", ("approved",), "lost", PARTNER, _l("Report lost")),
        Transition("expire", ("approved",), "expired", SYSTEM, _l("Expire")),
        Transition(
            "request_extension",
            ("approved",),
            "approved",
            PARTNER,
            _l("Request an extension"),
            extension=NO_EXTENSION,
        ),
        Transition(
            "grant_extension",
            ("approved",),
            "approved",
            REVIEWER,
            _l("Grant the extension"),
            extension=EXTENSION_REQUESTED,
        ),
        Transition(
            "refuse_extension",
            ("approved",),
            "approved",
            REVIEWER,
            _l("Refuse the extension"),
            extension=EXTENSION_REQUESTED,
        ),
    )
}
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


def allowed(deal: DealRegistration, event: str) -> bool:
    """Whether the table allows `event` from the deal's state (permissions aside)."""
    rule = TRANSITIONS[event]
    return deal.state in rule.sources and _extension_ok(rule, deal)


def _extension_ok(rule: Transition, deal: DealRegistration) -> bool:
    if rule.extension == NO_EXTENSION:
        return deal.extension_state is None
    if rule.extension == EXTENSION_REQUESTED:
        return deal.extension_state == EXTENSION_REQUESTED
    return True


def _authorise(rule: Transition, deal: DealRegistration, actor) -> None:
    if rule.by == SYSTEM:
        if actor is not None:
            raise Forbidden(rule.event)
        return
    if actor is None:
        raise Forbidden(rule.event)
    ensure(actor, BY_PERMISSION[rule.by], deal)
    if rule.maker_checked:
        makers = [deal.submitted_by_id]
        if rule.extension == EXTENSION_REQUESTED:
            makers.append(deal.extension_requested_by_id)
        try:
            for maker in makers:
                ensure_not_maker(actor, maker)
        except Forbidden:
            raise MakerCheckerRefused() from None


def _plain(value):
    """A JSON-safe audit value: dates in ISO form, Decimals as exact strings."""
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _snapshot(deal: DealRegistration) -> dict:
    return {name: _plain(getattr(deal, name)) for name in AUDITED_FIELDS}


def _changes(before: dict, after: dict) -> tuple[dict, dict]:
    changed = [k for k in after if after[k] != before.get(k)]
    return {k: before.get(k) for k in changed}, {k: after[k] for k in changed}


def transition(deal: DealRegistration, event: str, actor, **data) -> DealRegistration:
    """Fire `event` on `deal` as `actor` (None for the system), or raise without changing it.

    Raises Forbidden (no permission / not visible), MakerCheckerRefused, IllegalTransition or
    another DealError from the event's effect. Flushes; the caller commits and then enqueues
    the mails the event queued (workflows.enqueue.pending_mail).
    """
    from . import effects, notify

    rule = TRANSITIONS.get(event)
    if rule is None:
        raise DealError(N_("Unknown action."))
    db.session.flush()
    db.session.refresh(deal, with_for_update=True)  # a double-clicked approve waits, then fails
    _authorise(rule, deal, actor)
    if not allowed(deal, event):
        state = STATE_LABELS[deal.state]
        if deal.state == "approved" and deal.extension_state:
            state = EXTENSION_LABELS[deal.extension_state]
        raise IllegalTransition(rule.label, state)
    before = _snapshot(deal)
    extra = effects.EFFECTS[event](deal, actor, **data) or {}
    deal.state = rule.target
    db.session.flush()
    old, new = _changes(before, _snapshot(deal))
    record_event(actor, f"deal.{event}", deal, before=old, after={**new, **extra})
    notify.after_transition(deal, event)
    return deal
