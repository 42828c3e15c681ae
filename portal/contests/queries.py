"""Which contests a reader may open, and what their pages read: the latest finished run (and the
one before, for movement), the reader's own standing, and a partner's standings over time.

Set-based: a list of contests costs a fixed number of queries whatever its length. A partner
takes part in a contest when it is ranked in the contest's latest finished run (as the API
decides), and in every open contest it is eligible for today, ranked or not yet; a manager sees
the contests whose eligible territories meet their subtrees; finance and administrators see
every contest.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import selectinload

from workflows.engine import Payee, ProgramSpec, spec_from_dict

from ..extensions import db
from ..models import (
    CalcRun,
    ContestStanding,
    Partner,
    PartnerTerritory,
    PartnerTier,
    Program,
    ProgramVersion,
    Role,
    Territory,
)
from ..models.partners import current_range
from ..security import Perm, ensure, find_visible, managed_territory_ids, visible_to

KIND = "contest"
OPEN, ENDED, SETTLED = "open", "ended", "settled"


@dataclass(frozen=True)
class Contest:
    """A contest as its pages show it: the program, its current rules, its latest finished
    run (and the one before), whether a settlement has finished, and the reader's standing."""

    program: Program
    spec: ProgramSpec
    runs: tuple[CalcRun, ...]  # newest first: the latest finished run and the one before
    settled: bool
    own: ContestStanding | None = None  # a partner's: None while it is not ranked yet

    @property
    def run(self) -> CalcRun | None:
        return self.runs[0] if self.runs else None

    @property
    def previous_run(self) -> CalcRun | None:
        return self.runs[1] if len(self.runs) > 1 else None

    @property
    def run_spec(self) -> ProgramSpec:
        """The rules the latest run ranked by (the current ones before any run)."""
        return spec_from_dict(self.run.program_version.spec) if self.run else self.spec

    @property
    def starts_on(self) -> date:
        return self.spec.period.start

    @property
    def ends_on(self) -> date:
        return self.spec.period.end

    def status(self, today: date) -> str:
        """Open until its last day is over; then ended, and settled once a settlement run
        has finished."""
        if self.settled:
            return SETTLED
        return OPEN if today <= self.ends_on else ENDED

    def days_left(self, today: date) -> int:
        """Selling days left, today included (the last day counts: 1 on the last day)."""
        return max(0, (self.ends_on - today).days + 1)


@cache
def _contest_programs() -> Select:
    """The contest programs with their current version's spec, by name; built once per
    process."""
    return (
        select(Program, ProgramVersion.spec)
        .join(
            ProgramVersion,
            and_(
                ProgramVersion.program_id == Program.id,
                ProgramVersion.version == Program.current_version,
            ),
        )
        .where(Program.kind == KIND)
        .order_by(Program.name, Program.code)
    )


def _programs(program_id: int | None = None) -> list[tuple[Program, ProgramSpec]]:
    stmt = _contest_programs()
    if program_id is not None:
        stmt = stmt.where(Program.id == program_id)
    found = []
    for program, spec in db.session.execute(stmt):
        parsed = spec_from_dict(spec)
        if parsed.contest is not None and parsed.period is not None:
            found.append((program, parsed))
    return found


def _finished_runs(program_ids: list[int]) -> dict[int, tuple[CalcRun, ...]]:
    """Per program: its latest finished run and the one before (by last day, then id)."""
    if not program_ids:
        return {}
    order = func.row_number().over(
        partition_by=CalcRun.program_id,
        order_by=(CalcRun.period_end.desc(), CalcRun.id.desc()),
    )
    ranked = (
        select(CalcRun.id, order.label("newest"))
        .where(CalcRun.program_id.in_(program_ids), CalcRun.status == "done")
        .subquery()
    )
    stmt = (
        select(CalcRun, ranked.c.newest)
        .join(ranked, ranked.c.id == CalcRun.id)
        .where(ranked.c.newest <= 2)
        .options(selectinload(CalcRun.program_version))
        .order_by(CalcRun.program_id, ranked.c.newest)
    )
    runs: dict[int, list[CalcRun]] = defaultdict(list)
    for run, _newest in db.session.execute(stmt):
        runs[run.program_id].append(run)
    return {program_id: tuple(found) for program_id, found in runs.items()}


def _settled(program_ids: list[int]) -> set[int]:
    if not program_ids:
        return set()
    return set(
        db.session.scalars(
            select(CalcRun.program_id)
            .where(
                CalcRun.program_id.in_(program_ids),
                CalcRun.kind == "settlement",
                CalcRun.status == "done",
            )
            .distinct()
        )
    )


def _own_standings(user, run_ids: list[int]) -> dict[int, ContestStanding]:
    """The partner's own standing per run (run id → standing)."""
    if user.partner_id is None or not run_ids:
        return {}
    stmt = select(ContestStanding).where(
        ContestStanding.run_id.in_(run_ids), ContestStanding.payee_id == user.partner_id
    )
    return {row.run_id: row for row in db.session.scalars(visible_to(stmt, user, ContestStanding))}


def _covers_territories(user, specs: list[ProgramSpec]) -> list[bool]:
    """Whether each contest's eligible territories (none: all) meet the manager's subtrees."""
    if not specs:
        return []
    managed = list(
        db.session.scalars(
            select(Territory.path).where(Territory.id.in_(managed_territory_ids(user)))
        )
    )
    if not managed:
        return [False for _spec in specs]
    paths = _territory_paths(specs)

    def meets(path: str) -> bool:
        return any(path.startswith(own) or own.startswith(path) for own in managed)

    return [
        not spec.eligible.territories
        or any(meets(paths[code]) for code in spec.eligible.territories if code in paths)
        for spec in specs
    ]


def _territory_paths(specs: list[ProgramSpec]) -> dict[str, str]:
    """The materialised path of every territory the contests name as eligible."""
    codes = {code for spec in specs for code in spec.eligible.territories}
    if not codes:
        return {}
    found = select(Territory.code, Territory.path).where(Territory.code.in_(codes))
    return dict(db.session.execute(found).all())


def _eligible_today(user, specs: list[ProgramSpec], today: date) -> list[bool]:
    """Whether the reader's organisation may take part in each contest today: its territory
    today lies in one of the contest's eligible subtrees (none named: everywhere) and its tier
    today is one the contest names (none: every tier); a contest paid per partner group ranks
    top-level partners only. The organisation and its assignments are read through the
    scoping gate, so a partner is only ever judged on its own rows."""
    if not specs or user.partner_id is None:
        return [False for _spec in specs]
    partner = find_visible(Partner, user.partner_id, user)
    if partner is None:
        return [False for _spec in specs]
    territory = select(Territory.path).join(
        PartnerTerritory, PartnerTerritory.territory_id == Territory.id
    )
    path = db.session.scalar(
        visible_to(territory, user, PartnerTerritory).where(
            PartnerTerritory.partner_id == partner.id, current_range(PartnerTerritory, today)
        )
    )
    tier = db.session.scalar(
        visible_to(select(PartnerTier.tier), user, PartnerTier).where(
            PartnerTier.partner_id == partner.id, current_range(PartnerTier, today)
        )
    )
    paths = _territory_paths(specs)

    def eligible(spec: ProgramSpec) -> bool:
        if spec.payee == Payee.PARTNER_GROUP and partner.parent_id is not None:
            return False
        if spec.eligible.partner_tiers and tier not in spec.eligible.partner_tiers:
            return False
        if not spec.eligible.territories:
            return True
        named = [paths[code] for code in spec.eligible.territories if code in paths]
        return path is not None and any(path.startswith(above) for above in named)

    return [eligible(spec) for spec in specs]


def visible_contests(
    user, program_id: int | None = None, today: date | None = None
) -> list[Contest]:
    """The contests `user` may open (one of them, with `program_id`), by name. A partner's are
    those it is ranked in and the open ones (on `today`) it is eligible for, ranked or not."""
    ensure(user, Perm.VIEW_CONTESTS)
    today = today or date.today()
    found = _programs(program_id)
    ids = [program.id for program, _spec in found]
    runs = _finished_runs(ids)
    settled = _settled(ids)
    role = Role(user.role)
    if role.is_partner:
        latest = [found_runs[0].id for found_runs in runs.values()]
        own = _own_standings(user, latest)
        running = [(program, spec) for program, spec in found if today <= spec.period.end]
        judged = _eligible_today(user, [spec for _program, spec in running], today)
        eligible = {pair[0].id for pair, ok in zip(running, judged, strict=True) if ok}
        contests = []
        for program, spec in found:
            program_runs = runs.get(program.id, ())
            standing = own.get(program_runs[0].id) if program_runs else None
            if standing is not None or program.id in eligible:
                contests.append(
                    Contest(program, spec, program_runs, program.id in settled, standing)
                )
        return contests
    if role is Role.CHANNEL_MANAGER:
        covered = _covers_territories(user, [spec for _program, spec in found])
        found = [pair for pair, covers in zip(found, covered, strict=True) if covers]
    elif role not in (Role.FINANCE, Role.ADMIN):
        return []
    return [
        Contest(program, spec, runs.get(program.id, ()), program.id in settled)
        for program, spec in found
    ]


@dataclass(frozen=True)
class Point:
    """One finished run in a partner's progress: the run's last day, its rank and measure."""

    day: date
    rank: int
    measure: Decimal


def progress(contest: Contest, partner_id: int, user) -> list[Point]:
    """The partner's rank and measure in each finished run of the contest, oldest first (one
    point per day: the newest run through that day)."""
    stmt = (
        select(CalcRun.period_end, ContestStanding.rank, ContestStanding.measure)
        .join(CalcRun, CalcRun.id == ContestStanding.run_id)
        .where(
            CalcRun.program_id == contest.program.id,
            CalcRun.status == "done",
            ContestStanding.payee_id == partner_id,
            ContestStanding.rank.is_not(None),
        )
        .order_by(CalcRun.period_end, CalcRun.id)
    )
    by_day = {
        day: Point(day, rank, measure)
        for day, rank, measure in db.session.execute(visible_to(stmt, user, ContestStanding))
    }
    return list(by_day.values())
