"""Read-only queries of the points pages; every list of partner data goes through the scoping
function (posting tasks are finance-only, checked by the views' permission)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import request
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import Partner, PointsEntry, Program, Redemption, RewardItem, Task, User
from portal.models.users import Role
from portal.security import Perm, can, find_unscoped, visible_to
from workflows.engine import Period, parse_period
from workflows.rewards.posting import TASK_KIND

# What the ledger page's kind filter offers, and the entries each choice shows: a redemption is
# one row (its hold entry) whatever its state; its release and redeem entries stay in the audit
# trail and the command line's ledger.
LEDGER_KINDS: dict[str, tuple[str, ...]] = {
    "earn": ("earn",),
    "adjust": ("adjust",),
    "award": ("award",),
    "redeem": ("hold",),
    "expire": ("expire",),
}
FOLDED_KINDS = ("release", "redeem")


def ledger_filters() -> dict:
    """kind / since / until from the query string; anything malformed is ignored."""
    kind = request.args.get("kind", "")

    def day(name: str) -> date | None:
        try:
            return date.fromisoformat(request.args.get(name, ""))
        except ValueError:
            return None

    return {
        "kinds": LEDGER_KINDS.get("redeem" if kind == "hold" else kind, ()),
        "since": day("since"),
        "until": day("until"),
    }


def ledger_query(partner: Partner, user, filters: dict):
    stmt = select(PointsEntry).where(
        PointsEntry.partner_id == partner.id, PointsEntry.kind.not_in(FOLDED_KINDS)
    )
    if filters["kinds"]:
        stmt = stmt.where(PointsEntry.kind.in_(filters["kinds"]))
    if filters["since"]:
        stmt = stmt.where(PointsEntry.occurred_on >= filters["since"])
    if filters["until"]:
        stmt = stmt.where(PointsEntry.occurred_on <= filters["until"])
    stmt = stmt.order_by(PointsEntry.occurred_on.desc(), PointsEntry.id.desc())
    return visible_to(stmt, user, PointsEntry)


def partners_query(user):
    return visible_to(select(Partner).order_by(Partner.code), user, Partner)


def redemption_requesters(user) -> list[User] | None:
    """For a partner user who may not request redemptions: the active colleagues who may (their
    organisation's partner admins). None for everyone else."""
    if user.partner_id is None or can(user, Perm.REQUEST_REDEMPTIONS):
        return None
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.partner_id == user.partner_id,
                User.role == Role.PARTNER_ADMIN.value,
                User.active.is_(True),
            )
            .order_by(User.name, User.email)
        )
    )


def catalog_query(user):
    stmt = select(RewardItem).order_by(RewardItem.points_cost, RewardItem.code)
    return visible_to(stmt, user, RewardItem)


def redemptions_query(user, status: str | None):
    stmt = (
        select(Redemption)
        .options(selectinload(Redemption.partner), selectinload(Redemption.item))
        .order_by(Redemption.id.desc())
    )
    if status:
        stmt = stmt.where(Redemption.status == status)
    return visible_to(stmt, user, Redemption)


@dataclass(frozen=True)
class Posting:
    """A points posting task and what the ledger holds for its program and period now."""

    task: Task
    program: Program
    period: Period
    partners: int
    points: int


def posting(task_id: int) -> Posting | None:
    """The posting task with this id (None for unknown ids and tasks of other kinds)."""
    task = find_unscoped(Task, task_id)
    if task is None or task.kind != TASK_KIND:
        return None
    program = find_unscoped(Program, task.params["program_id"])
    period = parse_period(task.params["period"])
    partners, points = db.session.execute(
        select(
            func.count(func.distinct(PointsEntry.partner_id)),
            func.coalesce(func.sum(PointsEntry.points), 0),
        ).where(
            PointsEntry.program_id == program.id,
            PointsEntry.kind == "earn",
            PointsEntry.occurred_on.between(period.start, period.end),
        )
    ).one()
    return Posting(task, program, period, int(partners), int(points))
