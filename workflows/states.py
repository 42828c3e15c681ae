"""One state machine for everything that moves through states, and its two refusals.

A workflow declares its transitions as data — the states an event leaves from, the state it
goes to, the event's name and label, the party that fires it (a permission, or the system),
maker–checker, the effect, the audit action and the e-mails — in a `Machine`, and fires every
event through `Machine.fire`, which always goes the same way:

1. lock the row (SELECT … FOR UPDATE, or the workflow's own lock);
2. authorise: the party's permission and the object's scope (`portal.security.ensure`), then
   maker–checker (`ensure_not_maker`), then the transition's own checks;
3. refuse an event the current state does not allow (`IllegalTransition`);
4. run the effect, set the new state, flush;
5. write the audit event: the audited fields that changed, before and after, and whatever the
   effect returned;
6. queue the e-mails (a worker delivers them once the caller has committed and called
   `workflows.enqueue.pending_mail`).

The machine knows no domain. Messages are English templates (`N_`) each machine words itself,
so a deal and an application refuse in their own words and the catalogs keep matching.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from portal.extensions import db
from portal.foundation.audit import record_event
from portal.foundation.outbox import queue_mail
from portal.security import Forbidden, Perm, ensure, ensure_not_maker
from workflows.engine.i18n import Refusal, Term


class IllegalTransition(Refusal):
    """The event is not allowed from the object's current state."""


class MakerCheckerRefused(Refusal):
    """Nobody decides what they themselves submitted, requested or filed."""


@dataclass(frozen=True)
class Transition:
    """`event` moves an object from any of `sources` to `target`, fired by the party `by`.

    `makers` name the attributes holding who made what the event decides (maker–checker: none
    of them may fire it). `guard(obj)` must hold besides the state; an event may have several
    transitions, the first one whose state and guard fit is taken (they share party, makers and
    checks). `check(obj, actor)` raises a refusal of its own before the state is looked at.
    `effect(obj, actor, **data)` does the work and may return more facts for the audit event.
    `notify` maps an audience of the machine to the mail template its members are sent.
    `refused` words the IllegalTransition of this event (else the machine's). The audit event
    (`audit`, else `<machine name>.<event>`) logs the fields that changed as they were
    (`log_before`) and as they became (`log_after`).
    """

    event: str
    sources: tuple[str, ...]
    target: str
    by: str
    label: object = None
    makers: tuple[str, ...] = ()
    effect: Callable[..., Mapping | None] | None = None
    guard: Callable[[Any], bool] | None = None
    check: Callable[[Any, Any], None] | None = None
    notify: Mapping[str, str] | None = None
    refused: str | None = None
    audit: str | None = None
    log_before: bool = True
    log_after: bool = True


def _plain(value):
    """A JSON-safe audit value: dates in ISO form, Decimals as exact strings."""
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def lock_row(obj) -> None:
    """SELECT … FOR UPDATE the object's row and reload it: a double click waits, then fails."""
    db.session.flush()
    db.session.refresh(obj, with_for_update=True)


class Machine:
    """The transitions of one kind of object and how to fire them.

    `name` prefixes the audit actions (`deal` → `deal.approve`). `parties` give each party's
    permission (None: only the system fires it, with no actor). `refused` words IllegalTransition
    (placeholders `action`, `id`, and the state named like its attribute `state`); with
    `maker_checker` a maker is refused with MakerCheckerRefused in those words, without it with
    Forbidden. `audited` fields are compared before and after; `audiences` find the recipients
    of each mail and `mail_context(obj, event, audience)` what its template is given.
    """

    def __init__(
        self,
        name: str,
        transitions: Iterable[Transition],
        *,
        parties: Mapping[str, Perm | None],
        refused: str,
        maker_checker: str | None = None,
        illegal: type[IllegalTransition] = IllegalTransition,
        state: str = "state",
        state_label: Callable[[Any], object] | None = None,
        audited: tuple[str, ...] = (),
        lock: Callable[[Any], None] = lock_row,
        audiences: Mapping[str, Callable[[Any], Iterable]] | None = None,
        mail_context: Callable[[Any, str, str], Mapping] | None = None,
        unknown: Callable[[str], Exception] = KeyError,
    ) -> None:
        self.name, self.parties, self.refused = name, parties, refused
        self.maker_checker, self.illegal, self.state = maker_checker, illegal, state
        self.state_label = state_label or (lambda obj: Term(getattr(obj, state)))
        self.audited = (state, *(f for f in audited if f != state))
        self.lock, self.audiences, self.mail_context = lock, audiences or {}, mail_context
        self.unknown = unknown
        self.rules: dict[str, tuple[Transition, ...]] = {}
        for rule in transitions:
            self.rules[rule.event] = (*self.rules.get(rule.event, ()), rule)

    def rule(self, obj, event: str) -> Transition | None:
        """The transition `event` takes from the object's state now, if any."""
        current = getattr(obj, self.state)
        for rule in self.rules.get(event, ()):
            if current in rule.sources and (rule.guard is None or rule.guard(obj)):
                return rule
        return None

    def allowed(self, obj, event: str) -> bool:
        """Whether the state (and the guard) allow `event` now, permissions aside."""
        return self.rule(obj, event) is not None

    def offered(self, obj, event: str, actor) -> bool:
        """Whether a page should offer `actor` the `event` now: the state allows it and the
        party's permission, the scope and maker–checker would let this actor fire it."""
        rule = self.rule(obj, event)
        if rule is None:
            return False
        try:
            self.authorise(rule, obj, actor)
        except (Forbidden, MakerCheckerRefused):
            return False
        return True

    def authorise(self, rule: Transition, obj, actor) -> None:
        """The party's permission on the object, then maker–checker; raises on refusal."""
        perm = self.parties[rule.by]
        if perm is None:
            if actor is not None:
                raise Forbidden(rule.event)
            return
        if actor is None:
            raise Forbidden(rule.event)
        ensure(actor, perm, obj)
        try:
            for maker in rule.makers:
                ensure_not_maker(actor, getattr(obj, maker))
        except Forbidden:
            if self.maker_checker is None:
                raise
            raise MakerCheckerRefused(self.maker_checker) from None

    def refusal(self, rule: Transition, obj) -> IllegalTransition:
        params = {"action": rule.label, "id": obj.id, self.state: self.state_label(obj)}
        return self.illegal(rule.refused or self.refused, **params)

    def fire(self, obj, event: str, actor, **data):
        """Fire `event` on `obj` as `actor` (None for the system), or raise without changing it.

        Raises Forbidden, MakerCheckerRefused, the transition's own refusals, IllegalTransition,
        or whatever the effect refuses. Flushes; the caller commits (then enqueues the mail).
        """
        rules = self.rules.get(event)
        if not rules:
            raise self.unknown(event)
        self.lock(obj)
        self.authorise(rules[0], obj, actor)
        if rules[0].check is not None:
            rules[0].check(obj, actor)
        rule = self.rule(obj, event)
        if rule is None:
            raise self.refusal(rules[0], obj)
        before = self._snapshot(obj)
        extra = (rule.effect(obj, actor, **data) if rule.effect else None) or {}
        setattr(obj, self.state, rule.target)
        db.session.flush()
        after = self._snapshot(obj)
        changed = [name for name in after if after[name] != before[name]]
        old = {name: before[name] for name in changed} if rule.log_before else {}
        new = {name: after[name] for name in changed} if rule.log_after else {}
        action = rule.audit or f"{self.name}.{event}"
        record_event(actor, action, obj, before=old or None, after={**new, **extra} or None)
        self._mail(rule, obj)
        return obj

    def _snapshot(self, obj) -> dict:
        return {name: _plain(getattr(obj, name)) for name in self.audited}

    def _mail(self, rule: Transition, obj) -> None:
        for audience, template in (rule.notify or {}).items():
            recipients = list(self.audiences[audience](obj))
            if recipients:
                context = self.mail_context(obj, rule.event, audience)
                for recipient in recipients:
                    queue_mail(recipient, template, context, related=obj)
