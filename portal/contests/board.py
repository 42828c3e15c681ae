"""The leaderboard of a contest for the vendor's staff: the latest finished run's standings of
the partners the reader may see, with their movement since the run before, and (finance) what
the awards would cost if the contest ended now."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext

from sqlalchemy import select

from workflows.engine import AwardKind, round_money
from workflows.engine.contest import awards_for
from workflows.engine.money import EXACT

from ..calc.contest_position import engine_standing, measure_text
from ..extensions import db
from ..models import ContestStanding, Partner
from ..security import Perm, can, ensure, visible_to
from .queries import Contest

UP, DOWN, NEW, SAME, NONE = "up", "down", "new", "same", "none"


@dataclass(frozen=True)
class Movement:
    """How a partner's rank changed since the previous finished run, within its group: up or
    down by `places`, new (not in that group then), the same, or none (no run before)."""

    kind: str
    places: int = 0


def movement(rank: int, before: int | None, had_previous_run: bool) -> Movement:
    """Rank now against rank in the previous run (a smaller rank is better)."""
    if not had_previous_run:
        return Movement(NONE)
    if before is None:
        return Movement(NEW)
    if rank < before:
        return Movement(UP, before - rank)
    if rank > before:
        return Movement(DOWN, rank - before)
    return Movement(SAME)


@dataclass(frozen=True)
class BoardRow:
    partner_id: int
    code: str
    name: str
    group: str
    rank: int
    measure: str
    qualified: bool
    gap: str | None  # None when qualified
    movement: Movement
    standing: ContestStanding


@dataclass(frozen=True)
class CostLine:
    """What one kind of award would cost if the contest ended now."""

    kind: str
    winners: int
    seats: int
    money: Decimal  # trips and amounts, in the program currency
    points: int


@dataclass(frozen=True)
class ProjectedCost:
    lines: list[CostLine]
    total: Decimal  # money only: points are not money
    points: int
    currency: str


def board(contest: Contest, user) -> list[BoardRow]:
    """The latest run's standings the reader may see, by group then rank, with movement."""
    ensure(user, Perm.VIEW_CONTESTS)
    run = contest.run
    if run is None:
        return []
    spec = contest.run_spec
    rules = spec.contest
    stmt = (
        select(ContestStanding, Partner.code, Partner.name)
        .join(Partner, Partner.id == ContestStanding.payee_id)
        .where(ContestStanding.run_id == run.id, ContestStanding.rank.is_not(None))
        .order_by(ContestStanding.group_code, ContestStanding.rank)
    )
    rows = db.session.execute(visible_to(stmt, user, ContestStanding)).all()
    before: dict[tuple[int, str], int] = {}
    previous = contest.previous_run
    if previous is not None:
        earlier = select(ContestStanding.payee_id, ContestStanding.group_code, ContestStanding.rank)
        earlier = earlier.where(ContestStanding.run_id == previous.id)
        before = {
            (payee, group): rank
            for payee, group, rank in db.session.execute(visible_to(earlier, user, ContestStanding))
        }
    return [
        BoardRow(
            partner_id=standing.payee_id,
            code=code,
            name=name,
            group=standing.group_code,
            rank=standing.rank,
            measure=measure_text(rules, standing.measure, spec.currency),
            qualified=standing.qualified,
            gap=None if standing.qualified else measure_text(rules, standing.gap, spec.currency),
            movement=movement(
                standing.rank,
                before.get((standing.payee_id, standing.group_code)),
                previous is not None,
            ),
            standing=standing,
        )
        for standing, code, name in rows
    ]


def projected_cost(contest: Contest, rows: list[BoardRow], user) -> ProjectedCost | None:
    """The cost of the awards those ranked now would win (`awards_for` each standing), per
    kind of award: trip seats at their cost, amounts, and points counted as points."""
    if not can(user, Perm.VIEW_CONTEST_COSTS) or contest.run is None:
        return None
    spec = contest.run_spec
    totals: dict[AwardKind, dict] = {}
    for row in rows:
        for award in awards_for(spec.contest, engine_standing(row.standing)):
            line = totals.setdefault(
                award.kind,
                {"winners": set(), "seats": 0, "money": Decimal(0), "points": 0},
            )
            line["winners"].add(row.partner_id)
            with localcontext(EXACT):
                line["money"] += round_money(award.cost(), spec.currency)
            line["seats"] += award.seats or 0
            line["points"] += award.points or 0
    lines = [
        CostLine(
            kind=str(kind),
            winners=len(line["winners"]),
            seats=line["seats"],
            money=line["money"],
            points=line["points"],
        )
        for kind, line in sorted(totals.items(), key=lambda pair: list(AwardKind).index(pair[0]))
    ]
    with localcontext(EXACT):
        total = sum((line.money for line in lines), Decimal(0))
    return ProjectedCost(lines, total, sum(line.points for line in lines), spec.currency)


def groups(rows: list[BoardRow]) -> list[tuple[str, list[BoardRow]]]:
    """The rows per group, in the board's order (one unnamed group when not grouped)."""
    grouped: dict[str, list[BoardRow]] = {}
    for row in rows:
        grouped.setdefault(row.group, []).append(row)
    return list(grouped.items())
