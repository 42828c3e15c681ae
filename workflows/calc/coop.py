"""Co-op runs: the MDF fund a co-op program earns into, and the earned rows its approved
settlements post instead of payout lines.

A settlement of a co-op program earns, per (partner, fund), its settled amount minus what
earlier approved settlements of that period, and of every settled period within it, already
earned: the netting of the payout path (workflows/engine/settling.py), on MDF ledger rows that
name their run. Each day's earnings therefore reach the fund once, whatever the order of runs
and approvals. A negative difference (restated sales) is taken back only from money the
partner still has available; approval is refused otherwise, so a fund never goes below zero.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from portal.extensions import db
from portal.models import CalcResult, CalcRun, MdfEntry, MdfFund, Partner, utcnow
from workflows.engine import N_, Period, ProgramSpec, round_money
from workflows.engine.coop import KIND
from workflows.engine.settling import payout_differences
from workflows.mdf import ledger
from workflows.mdf.funds import ensure_open

from .errors import CalcError

__all__ = ["KIND", "check_run", "earned_rows_for", "post_earnings"]


def _fund(spec: ProgramSpec) -> MdfFund:
    """The program's fund; validation checked it when the version was saved, and a fund is
    never deleted nor changes kind or currency, so this guards a broken spec only."""
    fund = db.session.scalar(select(MdfFund).where(MdfFund.code == spec.fund))
    if fund is None or fund.kind != "earned" or fund.currency != spec.currency:
        raise CalcError(
            N_("%(program)s does not name an earned fund in %(currency)s."),
            program=spec.code,
            currency=spec.currency,
        )
    return fund


def _refuse_outside_fund(fund: MdfFund, period: Period) -> None:
    if period.start < fund.starts_on or period.end > fund.ends_on:
        raise CalcError(
            N_(
                "%(period)s is not within the dates of fund %(fund)s (%(start)s to %(end)s): "
                "co-op money is earned by sales between them."
            ),
            period=period.label,
            fund=fund.code,
            start=fund.starts_on,
            end=fund.ends_on,
        )


def check_run(spec: ProgramSpec, period: Period) -> None:
    """A co-op run covers days within its fund's dates."""
    _refuse_outside_fund(_fund(spec), period)


def _earned_before(run: CalcRun) -> list[tuple[tuple[int, int], Decimal]]:
    """Earned rows of the program's settlements of this period and of periods within it."""
    return [
        ((partner_id, fund_id), amount)
        for partner_id, fund_id, amount in db.session.execute(
            select(MdfEntry.partner_id, MdfEntry.fund_id, MdfEntry.amount)
            .join(CalcRun, CalcRun.id == MdfEntry.run_id)
            .where(
                MdfEntry.kind == "earned",
                CalcRun.program_id == run.program_id,
                CalcRun.period_start >= run.period_start,
                CalcRun.period_end <= run.period_end,
            )
        )
    ]


def earned_rows_for(run: CalcRun, fund: MdfFund) -> list[tuple[int, int, Decimal, str]]:
    """(partner, fund, amount, settlement | adjustment | clawback) to post for the run."""
    settled = {
        (payee_id, fund.id): amount
        for payee_id, amount in db.session.execute(
            select(CalcResult.payee_id, CalcResult.amount).where(CalcResult.run_id == run.id)
        )
    }
    return [
        (partner_id, fund_id, difference, kind)
        for (partner_id, fund_id), difference, kind in payout_differences(
            settled, _earned_before(run)
        )
    ]


def _refuse_overdrawn(fund: MdfFund, partner_id: int, difference: Decimal) -> None:
    available = ledger.available(fund.id, ledger.partner_holder(partner_id))
    if available + difference < 0:
        partner = db.session.get(Partner, partner_id)
        raise CalcError(
            N_(
                "Restated sales lower %(partner)s's co-op earnings in %(fund)s by %(amount)s "
                "%(currency)s, but only %(available)s %(currency)s of them is still available; "
                "approve this settlement when the partner's requests leave enough."
            ),
            partner=partner.code,
            fund=fund.code,
            amount=round_money(-difference, fund.currency),
            available=round_money(available, fund.currency),
            currency=fund.currency,
        )


def post_earnings(run: CalcRun, spec: ProgramSpec, actor, *, on: date | None = None) -> list[dict]:
    """Post the run's earned rows (the caller holds the program's and the run's locks)."""
    fund = _fund(spec)
    period = Period(run.period_start, run.period_end)
    _refuse_outside_fund(fund, period)
    rows = earned_rows_for(run, fund)
    day = on or utcnow().date()
    # Locked in id order, so two approvals never wait on each other's funds.
    ids = sorted({fund.id} | {row[1] for row in rows})
    funds = {fund_id: ledger.lock_fund(fund_id) for fund_id in ids}
    for fund_id in funds:
        ensure_open(funds[fund_id], day)  # a closed fund takes no more money (PastDeadline)
    posted = []
    for partner_id, fund_id, difference, kind in rows:
        if difference < 0:
            _refuse_overdrawn(funds[fund_id], partner_id, difference)
        entry = ledger.post(
            funds[fund_id],
            ledger.partner_holder(partner_id),
            "earned",
            difference,
            actor=actor,
            run_id=run.id,
        )
        posted.append(
            {
                "entry_id": entry.id,
                "fund_id": fund_id,
                "partner_id": partner_id,
                "currency": funds[fund_id].currency,
                "amount": difference,
                "kind": kind,
            }
        )
    return posted
