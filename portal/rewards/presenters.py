"""The points ledger in the partner's words: what each row is, named by program, month or reward,
and a redemption's state; looked up in one query per kind of name for a whole page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import format_date, gettext
from sqlalchemy import func, select

from workflows.rewards import contest_awards

from ..extensions import db
from ..models import ContestAward, PointsEntry, Program, Redemption, RewardItem
from ..security import Perm, can


@dataclass(frozen=True)
class LedgerRow:
    entry: PointsEntry
    description: str
    points: int
    state: str | None = None  # a redemption's status


def _programs(entries: Sequence[PointsEntry]) -> dict[int, str]:
    ids = {e.program_id for e in entries if e.program_id is not None}
    if not ids:
        return {}
    stmt = select(Program.id, Program.name).where(Program.id.in_(ids))
    return {program_id: name for program_id, name in db.session.execute(stmt)}


def _redemptions(entries: Sequence[PointsEntry]) -> dict[int, tuple[Redemption, str, int]]:
    """Per redemption on the page: the request, its item's name and the net points of all its
    entries (held or spent: minus the cost; rejected: zero)."""
    ids = {e.redemption_id for e in entries if e.redemption_id is not None}
    if not ids:
        return {}
    net = dict(
        db.session.execute(
            select(PointsEntry.redemption_id, func.sum(PointsEntry.points))
            .where(PointsEntry.redemption_id.in_(ids))
            .group_by(PointsEntry.redemption_id)
        ).all()
    )
    rows = db.session.execute(
        select(Redemption, RewardItem.name)
        .join(RewardItem, RewardItem.id == Redemption.item_id)
        .where(Redemption.id.in_(ids))
    ).all()
    return {r.id: (r, name, int(net.get(r.id) or 0)) for r, name in rows}


def _award_ranks(entries: Sequence[PointsEntry]) -> dict[tuple[int, int], int]:
    """(settlement run, partner) → the best rank that won points, for the page's awards."""
    runs = {run for run in map(contest_awards.run_of, entries) if run is not None}
    if not runs:
        return {}
    stmt = (
        select(ContestAward.run_id, ContestAward.payee_id, func.min(ContestAward.rank))
        .where(ContestAward.run_id.in_(runs), ContestAward.kind == "points")
        .group_by(ContestAward.run_id, ContestAward.payee_id)
    )
    return {(run, payee): rank for run, payee, rank in db.session.execute(stmt)}


def _award(entry: PointsEntry, program: str, rank: int | None) -> str:
    """Which contest and final rank the points came from; a later settlement's correction."""
    first = entry.source.endswith(":0")
    if first and rank is not None:
        return gettext(
            "Contest award: %(program)s, final rank %(rank)s", program=program, rank=rank
        )
    if rank is not None:
        return gettext(
            "Contest award corrected: %(program)s, final rank %(rank)s", program=program, rank=rank
        )
    return gettext("Contest award withdrawn: %(program)s was settled again", program=program)


def _description(entry: PointsEntry, program: str | None) -> str:
    if entry.kind == "earn":
        month = format_date(entry.occurred_on, "MMMM y")
        if program is None:
            return gettext("Points earned in %(month)s", month=month)
        if entry.points < 0:
            return gettext(
                "Returns or corrected sales in %(month)s: %(program)s", program=program, month=month
            )
        return gettext("Earned in %(month)s: %(program)s", program=program, month=month)
    if entry.kind == "adjust":
        return gettext("Adjustment: %(reason)s", reason=entry.reason or "")
    if entry.kind == "expire":
        last_day = format_date(entry.occurred_on - timedelta(days=1))
        if program:
            return gettext(
                "Expired: %(program)s points not used by %(day)s", program=program, day=last_day
            )
        return gettext("Expired: points not used by %(day)s", day=last_day)
    return entry.reason or ""


def ledger_rows(entries: Sequence[PointsEntry]) -> list[LedgerRow]:
    """One readable row per entry of the page; a redemption's hold entry stands for it."""
    programs, redemptions = _programs(entries), _redemptions(entries)
    ranks = _award_ranks(entries)
    rows = []
    for entry in entries:
        found = redemptions.get(entry.redemption_id) if entry.redemption_id else None
        if found is not None:
            redemption, item, net = found
            if redemption.quantity > 1:
                text = gettext(
                    "Redeemed: %(quantity)s × %(item)s", quantity=redemption.quantity, item=item
                )
            else:
                text = gettext("Redeemed: %(item)s", item=item)
            rows.append(LedgerRow(entry, text, net, redemption.status))
            continue
        program = programs.get(entry.program_id) if entry.program_id else None
        run = contest_awards.run_of(entry)
        if run is not None:
            text = _award(entry, program or "", ranks.get((run, entry.partner_id)))
        else:
            text = _description(entry, program)
        rows.append(LedgerRow(entry, text, entry.points))
    return rows


def decidable_redemptions(redemptions: Sequence[Redemption], user) -> set[int]:
    """The redemptions `user` is offered approve and reject buttons for (requested ones)."""
    if not can(user, Perm.APPROVE_REDEMPTIONS):
        return set()
    return {r.id for r in redemptions if r.status == "requested"}
