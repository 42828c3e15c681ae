"""Request and claim transitions as data, and the one function that takes them.

A transition names the states it leaves from, the state it leads to, the permission the actor
needs (None: only the system's periodic jobs take it), whether maker–checker applies, the effect
that does its work (ledger rows, decisions, payable lines) and the audit action. `apply` runs the
same steps for every transition of every MDF workflow: lock, authorise, check the state, effect,
audit. Nothing else changes a request's or a claim's state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from portal.extensions import db
from portal.foundation.audit import record_event
from portal.security import Forbidden, Perm, ensure, ensure_not_maker
from workflows.engine.i18n import N_, Term

from .errors import AlreadyDecided, MdfError

# effect(record, actor, **params) -> details for the audit trail (or None)
Effect = Callable[..., Mapping | None]


def no_effect(record, actor) -> None:
    """A transition that only changes the state (its ledger rows are written elsewhere)."""
    return None


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str
    perm: Perm | None
    maker_checker: bool
    effect: Effect
    action: str
    done: str  # the past participle a refusal names, marked for the catalogs


@dataclass(frozen=True)
class Workflow:
    """One kind of record: its transitions, how to lock it, who made it, its states' words and
    the refusal for a transition its state does not allow."""

    transitions: Mapping[str, Transition]
    lock: Callable[[object], object]
    maker: Callable[[object], int | None]
    words: Mapping[str, str]
    wrong_state: str


def table(*transitions: Transition) -> dict[str, Transition]:
    return {transition.name: transition for transition in transitions}


def _authorise(transition: Transition, record, actor) -> None:
    if transition.perm is None:
        if actor is not None:
            raise Forbidden(transition.name)  # the system's own transition
        return
    ensure(actor, transition.perm, record)
    if transition.maker_checker and getattr(actor, "id", None) is None:
        raise MdfError(N_("A decision must be made by a named user."))


def apply(workflow: Workflow, record, name: str, *, actor, **params):
    """Take transition `name` on `record` for `actor` (None: the system); returns the record
    as locked and changed. Refusals leave it as it was."""
    transition = workflow.transitions[name]
    _authorise(transition, record, actor)
    record = workflow.lock(record)
    if transition.maker_checker:
        ensure_not_maker(actor, workflow.maker(record))
    if record.state not in transition.sources:
        raise AlreadyDecided(
            workflow.wrong_state,
            id=record.id,
            state=Term(workflow.words[record.state]),
            action=Term(transition.done),
        )
    before = record.state
    details = transition.effect(record, actor, **params) or {}
    record.state = transition.target
    db.session.flush()
    record_event(
        actor,
        transition.action,
        record,
        before={"state": before},
        after={"state": record.state, **details},
    )
    return record
