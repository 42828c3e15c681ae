"""The partner application state machine: one transition table, fired by `workflows.states`.

    draft ──submit──▶ submitted ──approve──▶ approved
      (unverified       │   │
       until the        │   └──reject──▶ rejected ◀──reject── needs_info / resubmitted
       e-mail link      └──request_info──▶ needs_info ──resubmit──▶ resubmitted
       is opened)                              ▲                        │
                                               └─────request_info───────┘
    resubmitted ──approve──▶ approved

Every change goes through `transition()`: the machine checks the table, the actor's permission
and scope (an applicant acts only on their own application, a manager only inside their
territories), maker–checker, runs the event's effect (`effects`), writes the audit log and
queues the e-mails. The applicant hears about every transition of their application; the
channel managers it is routed to (of its territory or of one above it) hear about submissions
and resubmissions.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.extensions import db
from portal.foundation.outbox import public_url
from portal.models import PartnerApplication, User, managers_above
from portal.security import Perm
from workflows.engine.i18n import N_
from workflows.states import Machine, Transition

from . import effects
from .errors import OnboardingError

APPLICANT, REVIEWER = "applicant", "reviewer"
BY_PERMISSION = {APPLICANT: Perm.APPLY_AS_PARTNER, REVIEWER: Perm.REVIEW_APPLICATIONS}
MANAGERS = "managers"  # who hears of an application besides its applicant

# The state as a refusal names it ("… is not possible while the application is %(state)s");
# pages and e-mails label states through portal.labels.
STATE_LABELS = {
    "draft": _l("not submitted yet"),
    "submitted": _l("submitted"),
    "needs_info": _l("waiting for more information"),
    "resubmitted": _l("resubmitted"),
    "approved": _l("approved"),
    "rejected": _l("rejected"),
}

APPLICANT_FILED = ("applicant_id",)

TRANSITIONS: dict[str, Transition] = {t.event: t for t in (
    Transition("submit", ("draft",), "submitted", APPLICANT, _l("Submit for review"),
               effect=effects.submit,
               notify={APPLICANT: "application_submitted", MANAGERS: "application_to_review"}),
    Transition("request_info", ("submitted", "resubmitted"), "needs_info", REVIEWER,
               _l("Request information"), makers=APPLICANT_FILED, effect=effects.request_info,
               notify={APPLICANT: "application_needs_info"}),
    Transition("resubmit", ("needs_info",), "resubmitted", APPLICANT, _l("Answer and resubmit"),
               effect=effects.resubmit,
               notify={APPLICANT: "application_resubmitted", MANAGERS: "application_to_review"}),
    Transition("approve", ("submitted", "resubmitted"), "approved", REVIEWER, _l("Approve"),
               makers=APPLICANT_FILED, effect=effects.approve,
               notify={APPLICANT: "application_approved"}),
    Transition("reject", ("submitted", "needs_info", "resubmitted"), "rejected", REVIEWER,
               _l("Reject"), makers=APPLICANT_FILED, effect=effects.reject,
               notify={APPLICANT: "application_rejected"}),
)}  # fmt: skip
AUDITED_FIELDS = ("state", "question", "answer", "rejection_reason", "partner_id", "territory_id")


def _managers(application: PartnerApplication) -> list[User]:
    if application.territory_id is None:
        return []
    return list(db.session.scalars(managers_above([application.territory_id])))


def mail_context(application: PartnerApplication, event: str, audience: str) -> dict:
    if audience == APPLICANT:
        link = public_url("onboarding.status")
    else:
        link = public_url("onboarding.review", application_id=application.id)
    return {
        "application": application,
        "review_hours": current_app.config["REVIEW_TARGET_HOURS"],
        "link": link,
    }


APPLICATIONS = Machine(
    "application",
    TRANSITIONS.values(),
    parties=BY_PERMISSION,
    refused=N_("“%(action)s” is not possible while the application is %(state)s."),
    maker_checker=N_("You filed this application yourself: another manager must decide."),
    state_label=lambda application: STATE_LABELS[application.state],
    audited=AUDITED_FIELDS,
    audiences={APPLICANT: lambda application: [application.applicant], MANAGERS: _managers},
    mail_context=mail_context,
    unknown=lambda event: OnboardingError(N_("Unknown action.")),
)
allowed = APPLICATIONS.allowed


def transition(application: PartnerApplication, event: str, actor, **data) -> PartnerApplication:
    """Fire `event` on `application` as `actor`, or raise without changing it.

    Raises Forbidden (no permission / not visible to the actor), MakerCheckerRefused,
    IllegalTransition or an OnboardingError from the event's effect. Flushes; the caller
    commits and then runs `workflows.enqueue.pending_mail()` for the e-mails it queued.
    """
    return APPLICATIONS.fire(application, event, actor, **data)
