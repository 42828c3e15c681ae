"""The demo's programs, and what finance would have done with them by the demo's today.

Four programs, defined as finance would load them (PRODUCT.md §6): a rebate for EMEA dealer
groups on networking, a per-unit SPIF on firewalls for gold and platinum partners, a loyalty
program, and a bonus on registered networking deals in DACH whose registrations are protected
for 120 days instead of the default (it has no runs yet). For the previous quarter the rebate
and the SPIF have a settlement run, approved by the second finance user (maker–checker), so
payout lines exist; the first finance user then closed that quarter and built a payout batch
of its lines, which waits for the second finance user's approval. For the current quarter an
accrual run, so dashboards show accrued balances and tier progress; loyalty points are posted
for every month so far. Everything goes through the same services as the pages and commands,
with the demo's finance users as actors, and runs are executed in this process.

A second load adds nothing: an identical spec adds no version, and a period that already has a
run of a kind keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from workflows.calc import jobs, runs
from workflows.calc.runs import active_closure
from workflows.calc.settlement import approve_run, close_period
from workflows.engine import Period, parse_period
from workflows.payables.batches import build_batches
from workflows.payables.errors import PayablesError
from workflows.rewards.earnings import post_earnings

from ..actors import actor_for
from ..extensions import db
from ..models import CalcRun, Program
from ..programs.services import save_program
from .banking import load_demo_banking
from .generate import DemoDates, add_months, quarter_start

SPECS = (
    """\
code: DEMO-EMEA-NET
name: EMEA networking rebate for dealer groups
kind: rebate
currency: EUR
eligible: {territories: [EMEA], categories: [NET]}
measure: revenue
payee: partner_group
tiers: {mode: retroactive, bands: [{from: 0, rate: 0.01}, {from: 100000, rate: 0.02},
                                   {from: 400000, rate: 0.03}]}
""",
    """\
code: DEMO-FW-SPIF
name: Firewall SPIF, 25 EUR per unit
kind: spif
currency: EUR
eligible: {partner_tiers: [gold, platinum], categories: [FIREWALLS]}
measure: quantity
payee: partner
tiers: {mode: marginal, bands: [{from: 0, rate: 25}]}
""",
    """\
code: DEMO-POINTS
name: Nexaline points, 1 per 10 EUR
kind: loyalty
currency: EUR
points_per_unit: 0.1
expires_after_days: 365
""",
    """\
code: DEMO-DEALREG
name: Registered-deal bonus, DACH networking
kind: rebate
currency: EUR
eligible: {territories: [DACH], categories: [NET], registered_deals_only: true}
measure: revenue
payee: partner
tiers: {mode: retroactive, bands: [{from: 0, rate: 0.02}]}
deal_protection_days: 120
""",
)
MAKER, CHECKER = "finance@demo.example", "finance2@demo.example"


@dataclass
class ProgramsSummary:
    """What the demo added for its programs: runs started and points entries posted."""

    programs: list[str] = field(default_factory=list)
    settled: str = ""
    accrued: str = ""
    runs: int = 0
    points_entries: int = 0
    closed: int = 0
    batch_id: int | None = None


def load_demo_programs(dates: DemoDates) -> ProgramsSummary:
    """Save the programs, run and approve what is missing, post points. Commits step by step
    (the runs' jobs commit their own transactions)."""
    maker, checker = actor_for(MAKER), actor_for(CHECKER)
    previous = _quarter(dates.start)
    current = _quarter(dates.quarter_start)
    summary = ProgramsSummary(settled=previous.label, accrued=current.label)
    programs = []
    for text in SPECS:
        program, _, _ = save_program(text, actor=maker)
        programs.append(program)
        summary.programs.append(program.code)
    db.session.commit()
    for program in programs[:2]:
        settlement = _run_once(program, previous, "settlement", maker, dates.today, summary)
        if settlement is not None and settlement.approved_at is None:
            approve_run(settlement, actor=checker)
            db.session.commit()
        _run_once(program, current, "accrual", maker, dates.today, summary)
    _close_and_batch(programs[:2], previous, maker, summary)
    loyalty = programs[2]
    month = dates.start
    while month <= dates.today:
        posted = post_earnings(loyalty, parse_period(month.strftime("%Y-%m")), actor=maker)
        db.session.commit()
        summary.points_entries += len(posted)
        month = add_months(month, 1)
    return summary


def _close_and_batch(programs, period: Period, maker, summary: ProgramsSummary) -> None:
    """Close the settled quarter and put its payout lines into a draft batch built by `maker`,
    so the road to payment stops at the second finance user's approval; what is closed or in
    a batch already stays as it is."""
    for program in programs:
        if active_closure(program.id, period) is None:
            close_period(program, period, actor=maker)
            summary.closed += 1
    load_demo_banking()
    try:
        built = build_batches(actor=maker, period=period)
    except PayablesError:  # nothing waiting, or every waiting line is held
        built = None
    if built is not None:
        batch = next((b for b in built.batches if b.currency == "EUR"), built.batches[0])
        summary.batch_id = batch.id
    db.session.commit()


def _quarter(day: date) -> Period:
    start = quarter_start(day)
    return parse_period(f"{start.year}-Q{(start.month - 1) // 3 + 1}")


def _run_once(
    program: Program, period: Period, kind: str, actor, today: date, summary: ProgramsSummary
) -> CalcRun | None:
    """The program's finished run of this kind and period; started and executed if none."""
    existing = db.session.scalars(
        select(CalcRun)
        .where(
            CalcRun.program_id == program.id,
            CalcRun.period_start == period.start,
            CalcRun.period_end == period.end,
            CalcRun.kind == kind,
        )
        .order_by(CalcRun.id.desc())
    ).first()
    if existing is not None:
        return existing if existing.status == "done" else None
    run = runs.start_run(program, period, kind=kind, actor=actor, on=today)
    run_id = run.id
    db.session.commit()
    jobs.execute_inline(run_id)
    summary.runs += 1
    return db.session.get(CalcRun, run_id)
