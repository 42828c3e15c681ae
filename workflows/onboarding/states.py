"""The partner application state machine: one transition table, one `transition()` function.

    draft ──submit──▶ submitted ──approve──▶ approved
      (unverified       │   │
       until the        │   └──reject──▶ rejected ◀──reject── needs_info / resubmitted
       e-mail link      └──request_info──▶ needs_info ──resubmit──▶ resubmitted
       is opened)                              ▲                        │
                                               └─────request_info───────┘
    resubmitted ──approve──▶ approved

Every change goes through `transition()`: it checks the table, the actor's permission and scope
(an applicant acts only on their own application, a manager only inside their territories),
maker–checker, runs the event's effect, writes the audit log and queues the e-mails.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from portal.extensions import db
from portal.foundation.audit import record_event
from portal.models import PartnerApplication
from portal.security import Forbidden, Perm, ensure, ensure_not_maker
from workflows.engine.i18n import N_

from .errors import IllegalTransition, MakerCheckerRefused, OnboardingError

APPLICANT, REVIEWER = "applicant", "reviewer"
BY_PERMISSION = {APPLICANT: Perm.APPLY_AS_PARTNER, REVIEWER: Perm.REVIEW_APPLICATIONS}

STATE_LABELS = {
    "draft": _l("not submitted yet"),
    "submitted": _l("submitted"),
    "needs_info": _l("waiting for more information"),
    "resubmitted": _l("resubmitted"),
    "approved": _l("approved"),
    "rejected": _l("rejected"),
}
STATE_BADGES = {
    "draft": "secondary",
    "submitted": "info",
    "needs_info": "warning",
    "resubmitted": "info",
    "approved": "success",
    "rejected": "danger",
}


@dataclass(frozen=True)
class Transition:
    """`event` moves an application from any of `sources` to `target`, fired by `by`."""

    event: str
    sources: tuple[str, ...]
    target: str
    by: str
    label: object


TRANSITIONS: dict[str, Transition] = {
    t.event: t
    for t in (
        Transition("submit", ("draft",), "submitted", APPLICANT, _l("Submit for review")),
        Transition(
            "request_info",
            ("submitted", "resubmitted"),
            "needs_info",
            REVIEWER,
            _l("Request information"),
        ),
        Transition(
            "resubmit", ("needs_info",), "resubmitted", APPLICANT, _l("Answer and resubmit")
        ),
        Transition("approve", ("submitted", "resubmitted"), "approved", REVIEWER, _l("Approve")),
        Transition(
            "reject", ("submitted", "needs_info", "resubmitted"), "rejected", REVIEWER, _l("Reject")
        ),
    )
}
AUDITED_FIELDS = ("state", "question", "answer", "rejection_reason", "partner_id", "territory_id")


def allowed(application: PartnerApplication, event: str) -> bool:
    """Whether the table allows `event` from the application's state (permissions aside)."""
    return application.state in TRANSITIONS[event].sources


def _authorise(rule: Transition, application: PartnerApplication, actor) -> None:
    if actor is None:
        raise Forbidden(rule.event)
    ensure(actor, BY_PERMISSION[rule.by], application)
    if rule.by == REVIEWER:
        try:
            ensure_not_maker(actor, application.applicant_id)
        except Forbidden:
            raise MakerCheckerRefused() from None


def _snapshot(application: PartnerApplication) -> dict:
    return {name: getattr(application, name) for name in AUDITED_FIELDS}


def _changes(before: dict, after: dict) -> tuple[dict, dict]:
    changed = [k for k in after if after[k] != before.get(k)]
    return {k: before.get(k) for k in changed}, {k: after[k] for k in changed}


def transition(application: PartnerApplication, event: str, actor, **data) -> PartnerApplication:
    """Fire `event` on `application` as `actor`, or raise without changing it.

    Raises Forbidden (no permission / not visible to the actor), MakerCheckerRefused,
    IllegalTransition or another OnboardingError from the event's effect. Flushes; the caller
    commits and then runs `workflows.enqueue.pending_mail()` for the e-mails it queued.
    """
    from . import effects, notify

    rule = TRANSITIONS.get(event)
    if rule is None:
        raise OnboardingError(N_("Unknown action."))
    db.session.flush()
    db.session.refresh(application, with_for_update=True)  # a double-clicked approve waits
    _authorise(rule, application, actor)
    if not allowed(application, event):
        raise IllegalTransition(rule.label, STATE_LABELS[application.state])
    before = _snapshot(application)
    extra = effects.EFFECTS[event](application, actor, **data) or {}
    application.state = rule.target
    db.session.flush()
    old, new = _changes(before, _snapshot(application))
    record_event(actor, f"application.{event}", application, before=old, after={**new, **extra})
    notify.after_transition(application, event)
    return application
