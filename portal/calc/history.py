"""Which run's result counts, and what changed between a run and the one it replaced.

The current result for a program, period and kind is the newest finished run's; every older
finished run of the same program, period and kind is superseded by the next finished one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased

from workflows.calc.points_measure import EarnedPoints, measures_points, points_entries
from workflows.calc.runs import run_lines, run_scope
from workflows.engine import spec_from_dict

from ..extensions import db
from ..models import CalcResult, CalcRun, ImportBatch, Partner, SaleLine
from ..security import find_unscoped, visible_to


def _same_calculation(newer, older):
    return and_(
        newer.program_id == older.program_id,
        newer.period_start == older.period_start,
        newer.period_end == older.period_end,
        newer.kind == older.kind,
    )


def superseded_condition():
    """True for a finished run that a later finished run of its program, period and kind
    replaced (correlated to CalcRun)."""
    newer = aliased(CalcRun)
    later = (
        select(newer.id)
        .where(_same_calculation(newer, CalcRun), newer.status == "done", newer.id > CalcRun.id)
        .exists()
    )
    return and_(CalcRun.status == "done", later)


def successors(run_ids: Iterable[int]) -> dict[int, int]:
    """For each given run that was superseded, the run that replaced it (one query)."""
    ids = set(run_ids)
    if not ids:
        return {}
    older, newer = aliased(CalcRun), aliased(CalcRun)
    rows = db.session.execute(
        select(older.id, func.min(newer.id))
        .join(newer, _same_calculation(newer, older))
        .where(older.id.in_(ids), older.status == "done")
        .where(newer.status == "done", newer.id > older.id)
        .group_by(older.id)
    ).all()
    return dict(rows)


def successor(run: CalcRun) -> CalcRun | None:
    found = successors([run.id]).get(run.id)
    if found is None:
        return None
    return find_unscoped(CalcRun, found)


def predecessor(run: CalcRun) -> CalcRun | None:
    """The finished run of the same program, period and kind that this one replaced."""
    older = aliased(CalcRun)
    return db.session.scalar(
        select(older)
        .where(_same_calculation(older, run), older.status == "done", older.id < run.id)
        .order_by(older.id.desc())
        .limit(1)
    )


@dataclass
class PayeeChange:
    """One payee's result before and after, and why it moved."""

    payee: Partner
    currency: str
    before: CalcResult | None
    after: CalcResult | None
    added: int = 0
    restated: int = 0
    entries: bool = False  # added counts ledger entries (a points contest), not sales lines
    reasons: list[str] = field(default_factory=list)

    @property
    def before_amount(self) -> Decimal:
        return Decimal(0) if self.before is None else self.before.amount

    @property
    def after_amount(self) -> Decimal:
        return Decimal(0) if self.after is None else self.after.amount

    @property
    def change(self) -> Decimal:
        return self.after_amount - self.before_amount


def _results(run: CalcRun, user) -> dict[int, CalcResult]:
    stmt = select(CalcResult).where(CalcResult.run_id == run.id)
    return {r.payee_id: r for r in db.session.scalars(visible_to(stmt, user, CalcResult))}


def line_changes(run: CalcRun, earlier: CalcRun) -> dict[int, tuple[int, int]]:
    """Per payee of `run`: its counted lines imported after `earlier` read the data (added) and
    those it already counted whose values an import changed since (restated). One GROUP BY."""
    lines = run_lines(run)
    line = SaleLine.__table__.c
    restating = select(ImportBatch.id).where(ImportBatch.created_at >= earlier.created_at)
    added = case((line.id > earlier.line_watermark, 1), else_=0)
    restated = case(
        (
            and_(line.id <= earlier.line_watermark, line.import_batch_id.in_(restating)),
            1,
        ),
        else_=0,
    )
    stmt = (
        select(lines.payee.label("payee"), func.sum(added), func.sum(restated))
        .select_from(lines.source)
        .where(*lines.where, line.sold_on >= run.period_start, lines.usable())
        .where(or_(line.id > earlier.line_watermark, line.import_batch_id.in_(restating)))
        .group_by(lines.payee)
    )
    return {payee: (int(a or 0), int(r or 0)) for payee, a, r in db.session.execute(stmt)}


def entry_changes(run: CalcRun, earlier: CalcRun) -> dict[int, tuple[int, int]]:
    """Per payee of a points contest's run: its counted ledger entries written after `earlier`
    read the ledger (added), with the run's own filters. The ledger is append-only (a return or
    a lower restatement is a new negative earn entry, added like any other), so nothing is
    restated. One GROUP BY."""
    earned = EarnedPoints(run_scope(run.id))
    stmt = (
        select(earned.payee.label("payee"), func.count())
        .select_from(earned.source)
        .where(*earned.where, points_entries.c.created_at > earlier.created_at)
        .group_by(earned.payee)
    )
    return {payee: (int(added), 0) for payee, added in db.session.execute(stmt)}


def compare(run: CalcRun, earlier: CalcRun, user) -> list[PayeeChange]:
    """Every payee the user may see whose result differs between the two runs, largest change
    first; reasons are filled in by the caller's presenter."""
    after, before = _results(run, user), _results(earlier, user)
    payee_ids = set(after) | set(before)
    partners = {
        p.id: p for p in db.session.scalars(select(Partner).where(Partner.id.in_(payee_ids)))
    }
    # What the run counts: a points contest adds up ledger entries, every other run sales lines.
    entries = measures_points(spec_from_dict(run.program_version.spec))
    counts = {}
    if payee_ids:
        counts = entry_changes(run, earlier) if entries else line_changes(run, earlier)
    changes = []
    for payee_id in payee_ids:
        new, old = after.get(payee_id), before.get(payee_id)
        added, restated = counts.get(payee_id, (0, 0))
        same = new is not None and old is not None and new.amount == old.amount
        if same and new.measure == old.measure and not (added or restated):
            continue
        currency = (new or old).currency
        changes.append(
            PayeeChange(
                partners[payee_id],
                currency,
                old,
                new,
                added=added,
                restated=restated,
                entries=entries,
            )
        )
    changes.sort(key=lambda c: (-abs(c.change), c.payee.code))
    return changes
