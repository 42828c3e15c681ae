"""The points ledger in the partner's words: what each row is, named by program, month or reward,
and a redemption's state; looked up in one query per kind of name for a whole page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import format_date, gettext
from sqlalchemy import func, select

from ..extensions import db
from ..models import PointsEntry, Program, Redemption, RewardItem
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
        rows.append(LedgerRow(entry, _description(entry, program), entry.points))
    return rows


def decidable_redemptions(redemptions: Sequence[Redemption], user) -> set[int]:
    """The redemptions `user` is offered approve and reject buttons for (requested ones)."""
    if not can(user, Perm.APPROVE_REDEMPTIONS):
        return set()
    return {r.id for r in redemptions if r.status == "requested"}
