"""Posting points: loyalty earnings from sales, discretionary adjustments and expiry."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, select

from portal.audit.services import record_event
from portal.extensions import db
from portal.models import Partner, PointsEntry, Program, utcnow
from portal.security import Perm, ensure
from workflows.calc.loaders import (
    AMOUNT_SCALE,
    RATE_SCALE,
    EligibleLines,
    make_scope,
    raw,
    sale_lines,
    scaled,
)
from workflows.calc.runs import version_of
from workflows.engine import N_, Period, last_usable_day, points_for_line, spec_from_dict

from . import ledger
from .errors import RewardsError

ADJUSTMENT_EXPIRY = timedelta(days=365)


def adjust(partner: Partner, points: int, *, actor, reason: str, on: date | None = None):
    """A discretionary entry (positive: a lot expiring in a year; negative: consumed FIFO)."""
    ensure(actor, Perm.ADJUST_POINTS)
    if not (reason or "").strip():
        raise RewardsError(N_("Give a reason for the adjustment."))
    if points == 0:
        raise RewardsError(N_("An adjustment must add or remove at least one point."))
    on = on or utcnow().date()
    ledger.lock_partner(partner.id)
    count = db.session.scalar(
        select(func.count()).where(
            PointsEntry.partner_id == partner.id, PointsEntry.kind == "adjust"
        )
    )
    entry = ledger.post(
        partner.id,
        "adjust",
        points,
        on=on,
        source=f"adjust:{partner.id}:{count}",
        actor=actor,
        expires_on=on + ADJUSTMENT_EXPIRY if points > 0 else None,
        reason=reason.strip(),
    )
    record_event(actor, "points.adjust", entry, after={"partner": partner.code, "points": points})
    return entry


def expire_all(as_of: date, *, actor=None) -> list[PointsEntry]:
    """The scheduled job's code: expire every lot whose last usable day is before `as_of`."""
    if actor is not None:
        ensure(actor, Perm.ADJUST_POINTS)
    posted = []
    for partner_id in ledger.expiry_candidates(as_of):
        posted.extend(ledger.expire_partner(partner_id, as_of, actor))
    if posted:
        record_event(
            actor,
            "points.expire",
            None,
            after={"as_of": as_of.isoformat(), "entries": len(posted)},
        )
    return posted


def desired_earnings(program: Program, period: Period) -> tuple[dict[tuple[int, date], int], int]:
    """Points per (payee, sold_on) (trunc per usable eligible line, negative for returns) and
    the program's expires_after_days."""
    spec = spec_from_dict(version_of(program).spec)
    if spec.kind != "loyalty":
        raise RewardsError(N_("%(program)s is not a loyalty program."), program=program.code)
    scope = make_scope(db.session, spec, period, base_currency=current_app.config["BASE_CURRENCY"])
    lines = EligibleLines(scope)
    stmt = (
        select(
            lines.payee,
            sale_lines.c.sold_on,
            raw(sale_lines.c.amount),
            lines.rate_line,
            lines.rate_prog,
        )
        .select_from(lines.source)
        .where(*lines.where, sale_lines.c.sold_on >= period.start)
        .order_by(sale_lines.c.id)
    )
    totals: dict[tuple[int, date], int] = defaultdict(int)
    for payee, sold_on, amount, rate_line, rate_prog in db.session.execute(stmt):
        if rate_line is None or rate_prog is None:
            continue  # listed by the program's calculation runs, never counted as zero
        totals[(int(payee), sold_on)] += points_for_line(
            scaled(amount, AMOUNT_SCALE),
            spec.points_per_unit,
            rate_line=scaled(rate_line, RATE_SCALE),
            rate_prog=scaled(rate_prog, RATE_SCALE),
        )
    return dict(totals), spec.expires_after_days


def post_earnings(program: Program, period: Period, *, actor) -> list[PointsEntry]:
    """Post, per (partner, sold_on), the difference between what the sales earn now and what is
    already posted: re-running posts nothing; late lines and returns post the difference."""
    ensure(actor, Perm.RUN_CALCULATIONS)
    wanted, expiry_days = desired_earnings(program, period)
    posted_rows = db.session.execute(
        select(
            PointsEntry.partner_id,
            PointsEntry.occurred_on,
            func.sum(PointsEntry.points),
            func.count(),
        )
        .where(
            PointsEntry.program_id == program.id,
            PointsEntry.kind == "earn",
            PointsEntry.occurred_on.between(period.start, period.end),
        )
        .group_by(PointsEntry.partner_id, PointsEntry.occurred_on)
    ).all()
    posted = {(p, d): (int(total), int(count)) for p, d, total, count in posted_rows}
    created = []
    for partner_id, day in sorted(wanted.keys() | posted.keys()):
        have, count = posted.get((partner_id, day), (0, 0))
        delta = wanted.get((partner_id, day), 0) - have
        if delta == 0:
            continue
        ledger.lock_partner(partner_id)
        created.append(
            ledger.post(
                partner_id,
                "earn",
                delta,
                on=day,
                source=f"earn:{program.id}:{partner_id}:{day.isoformat()}:{count}",
                actor=actor,
                program_id=program.id,
                expires_on=last_usable_day(day, expiry_days) if delta > 0 else None,
            )
        )
    record_event(
        actor,
        "points.post",
        program,
        after={"period": period.label, "entries": len(created)},
    )
    return created
