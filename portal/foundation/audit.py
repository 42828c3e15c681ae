"""Writing and verifying the audit trail. Events are flushed in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select

from ..extensions import db
from ..models import AuditEvent, AuditHead, utcnow
from ..models.audit import GENESIS_HASH
from . import data_version, webhooks

HEAD_ID = 1
VERIFY_CHUNK = 5000


def _describe(obj) -> tuple[str, str | None]:
    if obj is None:
        return "system", None
    if isinstance(obj, tuple):
        return obj[0], None if obj[1] is None else str(obj[1])
    if getattr(obj, "id", None) is None:
        db.session.flush()
    return obj.__tablename__, str(obj.id)


def _lock_head() -> AuditHead:
    """Take the head row FOR UPDATE so concurrent appenders chain one after another."""
    head = db.session.scalar(select(AuditHead).where(AuditHead.id == HEAD_ID).with_for_update())
    if head is None:
        head = AuditHead(id=HEAD_ID, last_event_id=None, last_hash=GENESIS_HASH)
        db.session.add(head)
        db.session.flush()
    return head


# Events that record an access, not a change of what pages show: they leave the data version
# (and so every cached page) alone. Signing in only stamps users.last_login_at.
ACCESS_ONLY = frozenset(
    {
        "user.login",
        "statements.export",
        "calc.results.export",
        "payouts.export",
        "mdf.fund.export",
        "payee_account.reveal",
    }
)


def record_event(actor, action: str, obj=None, *, before=None, after=None, ip=None) -> AuditEvent:
    """Append one event (who, when, what, before/after) chained to the previous event's hash."""
    object_type, object_id = _describe(obj)
    head = _lock_head()
    event = AuditEvent(
        occurred_at=utcnow(),
        actor_id=getattr(actor, "id", None),
        actor_email=getattr(actor, "email", None),
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=before,
        after=after,
        ip=ip,
        prev_hash=head.last_hash,
    )
    event.hash = event.compute_hash()
    db.session.add(event)
    db.session.flush()
    if action not in ACCESS_ONLY:
        data_version.mark_changed(db.session)
    head.last_event_id = event.id
    head.last_hash = event.hash
    # Every state change is audited here: the webhook events it announces go out with it.
    webhooks.emit(action, obj, actor)
    return event


@dataclass(frozen=True)
class VerifyProblem:
    event_id: int | None
    problem: str


def record_changes(actor, action: str, obj, before: dict, after: dict) -> AuditEvent | None:
    """An edit's audit event with only the fields whose value changed; none if nothing did."""
    changed = [name for name in after if after[name] != before.get(name)]
    if not changed:
        return None
    return record_event(
        actor,
        action,
        obj,
        before={name: before.get(name) for name in changed},
        after={name: after[name] for name in changed},
    )


def trail_of(obj) -> list[AuditEvent]:
    """The audit events about one object, oldest first: its history as a page shows it."""
    object_type, object_id = _describe(obj)
    stmt = select(AuditEvent).where(
        AuditEvent.object_type == object_type, AuditEvent.object_id == object_id
    )
    return list(db.session.scalars(stmt.order_by(AuditEvent.id)))


def _events() -> Iterator[AuditEvent]:
    last_id = 0
    while True:
        chunk = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.id > last_id)
            .order_by(AuditEvent.id)
            .limit(VERIFY_CHUNK)
        ).all()
        if not chunk:
            return
        yield from chunk
        last_id = chunk[-1].id
        db.session.expunge_all()


def verify_chain() -> tuple[int, list[VerifyProblem]]:
    """Walk the whole trail; report edited rows, broken links and a missing tail."""
    problems: list[VerifyProblem] = []
    expected_prev = GENESIS_HASH
    count = 0
    last_id, last_hash = None, GENESIS_HASH
    for event in _events():
        count += 1
        if event.prev_hash != expected_prev:
            problems.append(
                VerifyProblem(
                    event.id, "link to the previous event is broken (row deleted or reordered)"
                )
            )
        if event.compute_hash() != event.hash:
            problems.append(VerifyProblem(event.id, "content does not match its hash (row edited)"))
        expected_prev = event.hash
        last_id, last_hash = event.id, event.hash
    head = db.session.get(AuditHead, HEAD_ID)
    if head is not None and (head.last_event_id, head.last_hash) != (last_id, last_hash):
        problems.append(VerifyProblem(last_id, "newest events are missing (trail truncated)"))
    return count, problems
