"""Queries behind the calculation pages; result and payout lists go through visible_to."""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil
from typing import Any

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from workflows.calc.loaders import AMOUNT_SCALE, scaled
from workflows.calc.points_measure import EarnedPoints, measures_points
from workflows.calc.rates import RATE_SCALE
from workflows.calc.runs import run_lines, run_scope
from workflows.engine import HIGH_PRECISION, spec_from_dict
from workflows.engine.i18n import render_message

from .. import explain
from ..extensions import db
from ..inputs import page_number
from ..models import (
    CalcResult,
    CalcRun,
    CalcUnusableLine,
    ClosedPeriod,
    MdfEntry,
    MdfFund,
    Partner,
    PayoutLine,
    Product,
    Program,
    SaleLine,
)
from ..security import visible_to
from .history import successors, superseded_condition

UNUSABLE_SHOWN = 50


def runs_query(history: bool = False):
    """Runs newest first; without `history`, runs another finished run replaced are left out."""
    stmt = select(CalcRun).options(selectinload(CalcRun.program)).order_by(CalcRun.id.desc())
    return stmt if history else stmt.where(~superseded_condition())


def results_query(run: CalcRun, user):
    stmt = (
        select(CalcResult)
        .options(selectinload(CalcResult.payee))
        .where(CalcResult.run_id == run.id)
        .order_by(CalcResult.amount.desc(), CalcResult.payee_id)
    )
    return visible_to(stmt, user, CalcResult)


def rewards_query(user, history: bool = False):
    """Result lines of finished runs the user may see: partners their own, managers their scope.
    Without `history`, only the current run of each program, period and kind counts."""
    stmt = (
        select(CalcResult)
        .join(CalcRun, CalcRun.id == CalcResult.run_id)
        .options(
            selectinload(CalcResult.payee),
            selectinload(CalcResult.run).selectinload(CalcRun.program),
        )
        .where(CalcRun.status == "done")
        .order_by(CalcRun.id.desc(), CalcResult.payee_id)
    )
    if not history:
        stmt = stmt.where(~superseded_condition())
    return visible_to(stmt, user, CalcResult)


def unusable_lines(run: CalcRun) -> list[dict[str, Any]]:
    """The first lines the run could not use, with the reason in the reader's language."""
    rows = db.session.execute(
        select(CalcUnusableLine, SaleLine, Partner.code)
        .join(SaleLine, SaleLine.id == CalcUnusableLine.sale_line_id)
        .join(Partner, Partner.id == SaleLine.partner_id)
        .where(CalcUnusableLine.run_id == run.id)
        .order_by(SaleLine.sold_on, SaleLine.id)
        .limit(UNUSABLE_SHOWN)
    ).all()
    return [
        {
            "line": line,
            "partner_code": partner_code,
            "reason": render_message(unusable.template, unusable.params, gettext),
        }
        for unusable, line, partner_code in rows
    ]


def earned_rows(run: CalcRun, user) -> list[tuple[str, str, MdfEntry]]:
    """The MDF earned rows an approved co-op settlement posted: (partner code, fund code, row),
    the rows the reader may see."""
    stmt = (
        select(Partner.code, MdfFund.code, MdfEntry)
        .join(Partner, Partner.id == MdfEntry.partner_id)
        .join(MdfFund, MdfFund.id == MdfEntry.fund_id)
        .where(MdfEntry.run_id == run.id)
        .order_by(Partner.code, MdfEntry.id)
    )
    return [tuple(row) for row in db.session.execute(visible_to(stmt, user, MdfEntry))]


def per_unit(run: CalcRun) -> bool:
    """A quantity program's measures read as units and its rates as money per unit."""
    return run.program_version.spec.get("measure") == "quantity"


def explanation(result: CalcResult) -> list[str]:
    return explain.sentences(result.explanation, result.currency)


@dataclass
class Page:
    """Just what the pager macro needs, for queries db.paginate cannot page (plain rows)."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def page_of(items: list, per_page: int = 50) -> Page:
    """One page of an already computed list (the pager macro's shape)."""
    page = page_number()
    start = (page - 1) * per_page
    return Page(items[start : start + per_page], page, per_page, len(items))


def current_result(result: CalcResult, user) -> tuple[bool, CalcResult | None]:
    """Whether a later run superseded this result's run, and the same payee's result in the
    current run (None when the user may not see it or the payee no longer earns)."""
    if not successors([result.run_id]):
        return False, None
    newest = db.session.scalar(
        select(func.max(CalcRun.id)).where(
            CalcRun.program_id == result.run.program_id,
            CalcRun.period_start == result.run.period_start,
            CalcRun.period_end == result.run.period_end,
            CalcRun.kind == result.run.kind,
            CalcRun.status == "done",
        )
    )
    stmt = select(CalcResult).where(
        CalcResult.run_id == newest, CalcResult.payee_id == result.payee_id
    )
    return True, db.session.scalar(visible_to(stmt, user, CalcResult))


def contributing_lines(run: CalcRun, result: CalcResult, per_page: int = 50) -> Page:
    """The payee's eligible lines, re-selected with the run's own filters, one page at a time."""
    lines = run_lines(run)
    stmt = lines.contributing_lines(result.payee_id)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    page = page_number()
    rows = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    partners = _codes(Partner.code, Partner.id, {r.partner_id for r in rows})
    skus = _codes(Product.sku, Product.id, {r.product_id for r in rows})
    items = []
    for row in rows:
        amount = scaled(row.amount, AMOUNT_SCALE)
        # Only usable lines are selected, so each one has both rates.
        raw_line, raw_prog = lines.line_rates(row.currency, row.sold_on)
        rate_line, rate_prog = scaled(raw_line, RATE_SCALE), scaled(raw_prog, RATE_SCALE)
        items.append(
            {
                "id": row.id,
                "external_id": row.external_id,
                "sold_on": row.sold_on,
                "partner_code": partners.get(row.partner_id, ""),
                "sku": skus.get(row.product_id, ""),
                "quantity": scaled(row.quantity, AMOUNT_SCALE),
                "amount": amount,
                "currency": row.currency,
                "deal_ref": row.deal_ref,
                "rate": HIGH_PRECISION.divide(rate_line, rate_prog),
                "converted": HIGH_PRECISION.divide(amount * rate_line, rate_prog),
            }
        )
    return Page(items, page, per_page, total)


def counts_points(run: CalcRun) -> bool:
    """A points contest's run: its results add up ledger entries, not sales lines."""
    return measures_points(spec_from_dict(run.program_version.spec))


def contributing_entries(run: CalcRun, result: CalcResult, per_page: int = 50) -> Page:
    """A points contest payee's counted ledger entries, re-selected with the run's own filters."""
    stmt = EarnedPoints(run_scope(run.id)).contributing_entries(result.payee_id)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    page = page_number()
    rows = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    partners = _codes(Partner.code, Partner.id, {r.partner_id for r in rows})
    programs = _codes(Program.name, Program.id, {r.program_id for r in rows if r.program_id})
    items = [
        {
            "occurred_on": row.occurred_on,
            "partner_code": partners.get(row.partner_id, ""),
            "program": programs.get(row.program_id, ""),
            "points": row.points,
        }
        for row in rows
    ]
    return Page(items, page, per_page, total)


def _codes(code_column, id_column, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.session.execute(select(id_column, code_column).where(id_column.in_(ids))).all())


def payouts_query(user, program_id: int | None = None):
    stmt = (
        select(PayoutLine)
        .options(
            selectinload(PayoutLine.payee),
            selectinload(PayoutLine.program),
            selectinload(PayoutLine.fund),
        )
        .order_by(PayoutLine.id.desc())
    )
    if program_id:
        stmt = stmt.where(PayoutLine.program_id == program_id)
    return visible_to(stmt, user, PayoutLine)


def closures_query():
    return (
        select(ClosedPeriod)
        .options(selectinload(ClosedPeriod.program))
        .order_by(ClosedPeriod.id.desc())
    )


def program_choices() -> list[SelectChoice]:
    programs = db.session.scalars(select(Program).order_by(Program.code))
    return [SelectChoice(p.id, f"{p.code} · {p.name}") for p in programs]
