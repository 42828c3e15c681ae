"""Contest standings, set-based: written when a contest run finishes, ranked in SQL.

A contest run measures every payee like any run (its calc_results). Finishing it adds, in the
same transaction, one contest_standings row per payee with its group (the eligible territory
subtree or the tier it is in on the run's last day), the day it reached its final measure (the
last day whose eligible lines changed the measure), and then its rank from one window function
over the run's rows: measure descending, earlier day, lower partner code.
`workflows.engine.contest.reference_ranks` is the plain yardstick the ranking must match.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import ROUND_FLOOR, Decimal

from sqlalchemy import BigInteger, Select, and_, case, cast, func, insert, literal, or_, select

from portal.extensions import db
from portal.models import (
    CalcResult,
    CalcRun,
    ContestAward,
    ContestStanding,
    Partner,
    PartnerTerritory,
    PartnerTier,
    Territory,
)
from portal.models.contests import MEASURE_FRACTION_PLACES
from portal.models.programs import Program, ProgramVersion
from portal.security import Perm, ensure, visible_to
from workflows.contest_trips.seats import open_trip_seats
from workflows.engine import (
    N_,
    Entry,
    Period,
    ProgramSpec,
    Standing,
    qualify,
    round_money,
    spec_from_dict,
)
from workflows.engine.contest import KIND, award_steps, awards_for
from workflows.engine.contest_rules import AwardKind, ContestMeasure, ContestRules, GroupBy
from workflows.engine.numbers import currency_digits, plain_decimal

from .compute import explanation_json
from .errors import CalcError
from .loaders import EligibleLines, raw, sale_lines
from .points_measure import EarnedPoints, measures_points

__all__ = [
    "KIND",
    "POINTS_STEP",
    "approval_steps",
    "STANDING_COLUMNS",
    "standing_rows",
    "measure_parts",
    "rank_query",
    "reached_days",
    "write_standings",
]

_FRACTION = Decimal(10) ** MEASURE_FRACTION_PLACES


def check_run(spec: ProgramSpec, period: Period, kind: str) -> None:
    """A contest run measures from the contest's first day to a day within it; a settlement
    covers the whole contest (it freezes the final standings and creates the awards)."""
    contest = spec.period
    if contest is None or period.start != contest.start or period.end > contest.end:
        raise CalcError(
            N_("A run of %(program)s covers days from %(start)s to a day no later than %(end)s."),
            program=spec.code,
            start=contest.start if contest else period.start,
            end=contest.end if contest else period.end,
        )
    if kind == "settlement" and period != contest:
        raise CalcError(
            N_("A settlement of %(program)s covers the whole contest, %(start)s to %(end)s."),
            program=spec.code,
            start=contest.start,
            end=contest.end,
        )


POINTS_STEP = "contest_points"  # the approval step that posts points awards to the ledger


def approval_steps(run: CalcRun) -> tuple[str, ...]:
    """What approving a contest settlement does besides its payout lines: post points awards
    to the loyalty ledger when this run awards points, or an approved settlement of the
    program did (a correction that removes them takes them back)."""
    awarded_points = (
        select(ContestAward.id)
        .join(CalcRun, CalcRun.id == ContestAward.run_id)
        .where(
            ContestAward.kind == str(AwardKind.POINTS),
            CalcRun.program_id == run.program_id,
            or_(CalcRun.id == run.id, CalcRun.approved_at.is_not(None)),
        )
        .limit(1)
    )
    return (POINTS_STEP,) if db.session.scalar(awarded_points) is not None else ()


def measure_parts(measure: Decimal) -> tuple[int, int]:
    """(floor, fraction in 10**-10 units): two integers that order exactly like the measure."""
    whole = measure.to_integral_value(rounding=ROUND_FLOOR)
    part = (measure - whole) * _FRACTION
    if part != part.to_integral_value():
        raise ValueError(f"measure {measure} has more than {MEASURE_FRACTION_PLACES} places")
    return int(whole), int(part)


def reached_days(lines: EligibleLines) -> Select:
    """(payee, day): the last day in the period whose usable eligible lines did not net to
    zero in some currency — the day the payee reached its final measure."""
    measured = sale_lines.c.amount if lines.scope.converts else sale_lines.c.quantity
    daily = (
        select(
            lines.payee.label("payee"),
            sale_lines.c.sold_on.label("sold_on"),
        )
        .select_from(lines.source)
        .where(*lines.where, sale_lines.c.sold_on >= lines.scope.period.start, lines.usable())
        .group_by(lines.payee, sale_lines.c.sold_on, sale_lines.c.currency)
        .having(cast(func.sum(raw(measured)), BigInteger) != 0)
        .subquery("changed")
    )
    return select(daily.c.payee, func.max(daily.c.sold_on)).group_by(daily.c.payee)


def _on(table, day: date):
    return and_(table.c.valid_from <= day, or_(table.c.valid_to.is_(None), table.c.valid_to > day))


def _groups(run_id: int, rules: ContestRules, eligible: Iterable[str], day: date):
    """payee id → (group code, tier) on the day: the tier it holds, and the most specific
    eligible territory whose subtree holds its territory (no group: the empty code)."""
    payees = select(CalcResult.payee_id).where(CalcResult.run_id == run_id)
    tiers_t, terr_t = PartnerTier.__table__, PartnerTerritory.__table__
    tiers = dict(
        db.session.execute(
            select(tiers_t.c.partner_id, tiers_t.c.tier).where(
                tiers_t.c.partner_id.in_(payees), _on(tiers_t, day)
            )
        ).all()
    )
    groups: dict[int, str] = {}
    if rules.group_by == GroupBy.TIER:
        groups = {payee: tier for payee, tier in tiers.items()}
    elif rules.group_by == GroupBy.TERRITORY:
        group_t = Territory.__table__.alias("group_territory")
        own = Territory.__table__.alias("own_territory")
        rows = db.session.execute(
            select(terr_t.c.partner_id, group_t.c.code, group_t.c.path)
            .join(own, own.c.id == terr_t.c.territory_id)
            .join(group_t, own.c.path.startswith(group_t.c.path, autoescape=False))
            .where(
                terr_t.c.partner_id.in_(payees),
                _on(terr_t, day),
                group_t.c.code.in_(sorted(eligible)),
            )
            .order_by(terr_t.c.partner_id, func.length(group_t.c.path), group_t.c.code)
        )
        for payee, code, _path in rows:
            groups[payee] = code  # the longest path comes last and wins
    return groups, tiers


def rank_query(run_id: int, dialect: str) -> Select:
    """(standing id, rank): one window over the run's rows, in the documented order; codes
    compare by code point (PostgreSQL's "C" collation, SQLite's default), as Python does."""
    code = Partner.code.collate("C") if dialect == "postgresql" else Partner.code
    rank = (
        func.row_number()
        .over(
            partition_by=ContestStanding.group_code,
            order_by=(
                ContestStanding.measure_whole.desc(),
                ContestStanding.measure_part.desc(),
                case((ContestStanding.reached_on.is_(None), 1), else_=0),
                ContestStanding.reached_on,
                code,
            ),
        )
        .label("rank")
    )
    return (
        select(ContestStanding.id, rank)
        .join(Partner, Partner.id == ContestStanding.payee_id)
        .where(ContestStanding.run_id == run_id)
    )


def rank_in_sql(run_id: int) -> dict[int, int]:
    """Standing id → rank within its group."""
    dialect = db.session.get_bind().dialect.name
    return dict(db.session.execute(rank_query(run_id, dialect)).all())


def write_standings(run: CalcRun, lines: EligibleLines) -> list[Standing]:
    """Insert the run's standings (in the caller's transaction), ranked and qualified."""
    spec = spec_from_dict(run.program_version.spec)
    rules = spec.contest
    if rules is None:
        raise ValueError(f"program {spec.code} is not a contest")
    if measures_points(spec):
        days = EarnedPoints(lines.scope).reached_days()
    else:
        days = reached_days(lines)
    reached = dict(db.session.execute(days).all())
    groups, tiers = _groups(run.id, rules, spec.eligible.territories, run.period_end)
    results = db.session.execute(
        select(CalcResult.payee_id, CalcResult.measure).where(CalcResult.run_id == run.id)
    ).all()
    rows = []
    for payee_id, measure in results:
        whole, part = measure_parts(measure)
        rows.append(
            {
                "run_id": run.id,
                "payee_id": payee_id,
                "group_code": groups.get(payee_id, ""),
                "tier": tiers.get(payee_id),
                "measure": measure,
                "measure_whole": whole,
                "measure_part": part,
                "reached_on": reached.get(payee_id),
                "qualified": False,
            }
        )
    if rows:
        db.session.execute(insert(ContestStanding), rows)
    return rank_and_qualify(run.id, rules, spec.currency)


def write_awards(run: CalcRun, standings: list[Standing]) -> None:
    """A settlement's awards, per qualified payee and rank band: one row each (trip seats at
    their cost, an amount, points). Amounts become the payee's result — paid, once the run
    is approved, through its payout lines — and the explanation says what was won."""
    spec = spec_from_dict(run.program_version.spec)
    rules = spec.contest
    payees = dict(
        db.session.execute(
            select(Partner.code, ContestStanding.payee_id)
            .join(Partner, Partner.id == ContestStanding.payee_id)
            .where(ContestStanding.run_id == run.id)
        ).all()
    )
    rows, won, bands = [], {}, []
    for standing in standings:
        # awards_for keeps the order of the contest's awards: each one's place is its band
        places = [i for i, a in enumerate(rules.awards) if a.applies(standing.rank, standing.tier)]
        for band, award in zip(places, awards_for(rules, standing), strict=False):
            payee_id = payees[standing.code]
            bands.append((band, award))
            rows.append(
                {
                    "run_id": run.id,
                    "payee_id": payee_id,
                    "rank": standing.rank,
                    "kind": str(award.kind),
                    "seats": award.seats,
                    "cost": round_money(award.cost(), spec.currency),
                    "amount": award.amount,
                    "points": award.points,
                    "currency": spec.currency,
                }
            )
            won.setdefault(payee_id, []).append((standing.rank, award))
    if rows:
        ids = db.session.scalars(
            insert(ContestAward).returning(ContestAward.id, sort_by_parameter_order=True), rows
        ).all()
        trips = [
            (award_id, row["payee_id"], band, award)
            for award_id, row, (band, award) in zip(ids, rows, bands, strict=True)
            if award.kind == AwardKind.TRIP
        ]
        open_trip_seats(run, trips)
    results = db.session.scalars(
        select(CalcResult).where(CalcResult.run_id == run.id, CalcResult.payee_id.in_(won))
    )
    for result in results:
        amount = sum((a.amount for _r, a in won[result.payee_id] if a.amount), Decimal(0))
        result.amount = round_money(amount, spec.currency)
        result.raw_amount = amount
        result.explanation = [
            *result.explanation,
            *explanation_json(award_steps(won[result.payee_id], spec.currency)),
        ]
    db.session.flush()


def rank_and_qualify(run_id: int, rules: ContestRules, currency: str) -> list[Standing]:
    """Rank the run's rows in SQL, then qualification and gaps from those ranks."""
    ranks = rank_in_sql(run_id)
    stored = db.session.execute(
        select(ContestStanding, Partner.code)
        .join(Partner, Partner.id == ContestStanding.payee_id)
        .where(ContestStanding.run_id == run_id)
    ).all()
    by_code: Mapping[str, ContestStanding] = {code: row for row, code in stored}
    ranked = [
        (Entry(code, row.measure, row.reached_on, row.group_code, row.tier), ranks[row.id])
        for code, row in sorted(by_code.items())
    ]
    standings = qualify(rules, currency, ranked)
    for standing in standings:
        row = by_code[standing.code]
        row.rank, row.qualified, row.gap = standing.rank, standing.qualified, standing.gap
    db.session.flush()
    return standings


STANDING_COLUMNS = ("partner_code", "rank", "measure", "qualified", "gap")


def standing_rows(program: Program, actor, as_of: date | None = None) -> list[tuple]:
    """The contest's latest standings (as of a day: of the run through that day) the actor may
    see, by group then rank: (partner_code, rank, measure, qualified, gap), numbers exact."""
    ensure(actor, Perm.VIEW_CALC_RESULTS)
    spec = _current_spec(program)
    if spec.get("kind") != KIND:
        raise CalcError(N_("%(program)s is not a contest."), program=program.code)
    run = latest_run(program.id, as_of)
    if run is None:
        if as_of is None:
            raise CalcError(
                N_("%(program)s has no standings yet: start a run."), program=program.code
            )
        raise CalcError(
            N_(
                "%(program)s has no standings as of %(date)s: "
                "start a run for %(start)s to %(date)s."
            ),
            program=program.code,
            date=as_of,
            start=run_start(program),
        )
    stmt = (
        select(ContestStanding, Partner.code)
        .join(Partner, Partner.id == ContestStanding.payee_id)
        .where(ContestStanding.run_id == run.id)
        .order_by(ContestStanding.group_code, ContestStanding.rank)
    )
    # a gap in money shows its cents (122072.00) like every amount, one in units or points is
    # whole (120), and "0" once qualified; a measure stays exact, like a result's
    in_units = ContestMeasure((spec.get("contest") or {}).get("measure", "revenue")).whole
    places = None if in_units else currency_digits(run.currency)
    return [
        (
            code,
            row.rank,
            plain_decimal(row.measure),
            row.qualified,
            plain_decimal(row.gap, places) if row.gap else "0",
        )
        for row, code in db.session.execute(visible_to(stmt, actor, ContestStanding))
    ]


def _current_spec(program: Program) -> dict:
    stmt = select(ProgramVersion.spec).where(
        ProgramVersion.program_id == program.id,
        ProgramVersion.version == program.current_version,
    )
    return db.session.scalar(stmt) or {}


def run_start(program: Program) -> date | None:
    """The contest's first day, from its current version."""
    period = _current_spec(program).get("period")
    return date.fromisoformat(period["start"]) if period else None


def latest_run(program_id: int, as_of: date | None = None) -> CalcRun | None:
    """The newest finished run of the contest (as of the day: the newest through that day)."""
    stmt = select(CalcRun).where(CalcRun.program_id == program_id, CalcRun.status == "done")
    if as_of is not None:
        stmt = stmt.where(CalcRun.period_end == literal(as_of))
    return db.session.scalars(stmt.order_by(CalcRun.period_end.desc(), CalcRun.id.desc())).first()
