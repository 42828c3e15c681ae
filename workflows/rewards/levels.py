"""Status levels per loyalty program: points earned in the trailing 12 months, recomputed daily."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import LoyaltyLevel, PartnerLevel, PointsEntry, Program
from portal.security import Perm, ensure
from workflows import validators
from workflows.engine import N_

from .errors import RewardsError

TRAILING = timedelta(days=365)


@dataclass(frozen=True)
class Progress:
    """A partner's level in a program and how far it is from the next one."""

    program: Program
    points: int
    level: LoyaltyLevel | None
    next_level: LoyaltyLevel | None

    @property
    def missing(self) -> int:
        return 0 if self.next_level is None else max(0, self.next_level.min_points - self.points)

    @property
    def percent(self) -> int:
        if self.next_level is None or self.next_level.min_points <= 0:
            return 100
        return min(100, int(100 * max(self.points, 0) / self.next_level.min_points))


def set_level(program: Program, code: str, name: str, min_points: int, *, actor) -> LoyaltyLevel:
    """Create or change one level of a loyalty program."""
    ensure(actor, Perm.MANAGE_PROGRAMS)
    if program.kind != "loyalty":
        raise RewardsError(N_("%(program)s is not a loyalty program."), program=program.code)
    if min_points < 0:
        raise RewardsError(N_("A level's threshold cannot be negative."))
    try:
        code, name = validators.printable(code), validators.name(name)
    except validators.InvalidValue as exc:
        raise RewardsError(exc.template, **exc.params) from None
    level = db.session.scalar(
        select(LoyaltyLevel).where(LoyaltyLevel.program_id == program.id, LoyaltyLevel.code == code)
    )
    if level is None:
        level = LoyaltyLevel(program_id=program.id, code=code)
        db.session.add(level)
    level.name, level.min_points = name, min_points
    db.session.flush()
    return level


def earned_trailing(program_id: int, as_of: date) -> dict[int, int]:
    """Net points earned per partner in the 365 days ending on `as_of` (returns included)."""
    rows = db.session.execute(
        select(PointsEntry.partner_id, func.sum(PointsEntry.points))
        .where(
            PointsEntry.program_id == program_id,
            PointsEntry.kind == "earn",
            PointsEntry.occurred_on > as_of - TRAILING,
            PointsEntry.occurred_on <= as_of,
        )
        .group_by(PointsEntry.partner_id)
    )
    return {partner_id: int(total) for partner_id, total in rows}


def _levels(program_id: int) -> list[LoyaltyLevel]:
    return db.session.scalars(
        select(LoyaltyLevel)
        .where(LoyaltyLevel.program_id == program_id)
        .order_by(LoyaltyLevel.min_points)
    ).all()


def level_for(
    levels: list[LoyaltyLevel], points: int
) -> tuple[LoyaltyLevel | None, LoyaltyLevel | None]:
    """The highest level reached (points >= threshold) and the one after it."""
    reached = [level for level in levels if points >= level.min_points]
    above = [level for level in levels if points < level.min_points]
    return (reached[-1] if reached else None), (above[0] if above else None)


def recompute(as_of: date) -> int:
    """The periodic job: refresh every partner's level in every program that has levels."""
    program_ids = db.session.scalars(select(LoyaltyLevel.program_id).distinct()).all()
    changed = 0
    for program_id in sorted(program_ids):
        levels = _levels(program_id)
        earned = earned_trailing(program_id, as_of)
        stored = {
            row.partner_id: row
            for row in db.session.scalars(
                select(PartnerLevel).where(PartnerLevel.program_id == program_id)
            )
        }
        for partner_id in sorted(earned.keys() | stored.keys()):
            points = earned.get(partner_id, 0)
            level, _ = level_for(levels, points)
            row = stored.get(partner_id)
            if row is None:
                row = PartnerLevel(partner_id=partner_id, program_id=program_id)
                db.session.add(row)
            row.level_id = None if level is None else level.id
            row.points_12m, row.computed_on = points, as_of
            changed += 1
    db.session.flush()
    return changed


def progress_for(partner_id: int, as_of: date) -> list[Progress]:
    """Per loyalty program with levels: the stored level's points and the next level."""
    rows = db.session.execute(
        select(PartnerLevel, Program)
        .join(Program, Program.id == PartnerLevel.program_id)
        .where(PartnerLevel.partner_id == partner_id)
        .order_by(Program.code)
    ).all()
    result = []
    for row, program in rows:
        level, next_level = level_for(_levels(program.id), row.points_12m)
        result.append(Progress(program, row.points_12m, level, next_level))
    return result
