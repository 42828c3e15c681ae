"""Objects as the API shows them: plain JSON, money as exact decimal strings."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from workflows.engine.i18n import render_message
from workflows.payables.balances import ProgramBalance
from workflows.rewards.ledger import Balance

from ..models import (
    CalcResult,
    CalcRun,
    Claim,
    DealRegistration,
    Partner,
    PointsEntry,
    Program,
    Territory,
)


def decimal_text(value: Decimal | None) -> str | None:
    """Plain positional notation (never 1E+3), so clients parse it exactly."""
    return None if value is None else format(value, "f")


def iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def partner(p: Partner, assignment: tuple[str | None, str | None] = (None, None)) -> dict:
    territory_name, tier = assignment
    return {
        "id": p.id,
        "code": p.code,
        "name": p.name,
        "country": p.country,
        "currency": p.currency,
        "parent_id": p.parent_id,
        "territory": territory_name or None,
        "tier": tier or None,
    }


def territory(t: Territory) -> dict:
    return {"id": t.id, "code": t.code, "name": t.name, "parent_id": t.parent_id, "depth": t.depth}


def deal(d: DealRegistration) -> dict[str, Any]:
    return {
        "id": d.id,
        "reference": d.reference,
        "partner_id": d.partner_id,
        "state": d.state,
        "customer_name": d.customer_name,
        "domain": d.domain,
        "country": d.country,
        "estimated_value": decimal_text(d.estimated_value),
        "currency": d.currency,
        "expected_close_on": iso(d.expected_close_on),
        "notes": d.notes,
        "categories": sorted(c.code for c in d.categories),
        "products": sorted(p.sku for p in d.products),
        "submitted_at": iso(d.submitted_at),
        "decided_at": iso(d.decided_at),
        "rejection_reason": d.rejection_reason,
        "decision_note": d.decision_note,
        "protection_ends_on": iso(d.protection_ends_on),
        "protection_program": d.protection_program.code if d.protection_program else None,
        "created_at": iso(d.created_at),
        "updated_at": iso(d.updated_at),
    }


def program(p: Program, spec: dict) -> dict[str, Any]:
    return {
        "id": p.id,
        "code": p.code,
        "name": p.name,
        "kind": p.kind,
        "current_version": p.current_version,
        "spec": spec,
        "created_at": iso(p.created_at),
        "updated_at": iso(p.updated_at),
    }


def calc_run(run: CalcRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "program_id": run.program_id,
        "program_code": run.program.code,
        "kind": run.kind,
        "status": run.status,
        "percent": run.percent,
        "shards_total": run.shards_total,
        "shards_done": run.shards_done,
        "period": run.period_label,
        "period_start": iso(run.period_start),
        "period_end": iso(run.period_end),
        "currency": run.currency,
        "payee_count": run.payee_count,
        "total_amount": decimal_text(run.total_amount),
        "unusable_count": run.unusable_count,
        "error": run.error,
        "created_at": iso(run.created_at),
        "started_at": iso(run.started_at),
        "finished_at": iso(run.finished_at),
    }


def calc_result(r: CalcResult) -> dict[str, Any]:
    return {
        "id": r.id,
        "run_id": r.run_id,
        "payee_id": r.payee_id,
        "payee_code": r.payee.code,
        "measure": decimal_text(r.measure),
        "rate": decimal_text(r.rate),
        "amount": decimal_text(r.amount),
        "currency": r.currency,
        "capped": r.capped,
        "line_count": r.line_count,
    }


def partner_reward(r: CalcResult) -> dict[str, Any]:
    run = r.run
    return {
        "id": r.id,
        "run_id": r.run_id,
        "program_code": run.program.code,
        "period": run.period_label,
        "kind": run.kind,
        "approved": run.approved_at is not None,
        "measure": decimal_text(r.measure),
        "band_from": decimal_text(r.band_from),
        "rate": decimal_text(r.rate),
        "amount": decimal_text(r.amount),
        "currency": r.currency,
        "capped": r.capped,
        "line_count": r.line_count,
        "explanation": [render_message(s["template"], s["params"]) for s in r.explanation],
    }


def points_balance(partner_id: int, balance: Balance) -> dict[str, Any]:
    return {
        "partner_id": partner_id,
        "as_of": iso(balance.as_of),
        "available": balance.available,
        "held": balance.held,
        "expiring": balance.expiring,
    }


def points_entry(entry: PointsEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "partner_id": entry.partner_id,
        "program_id": entry.program_id,
        "kind": entry.kind,
        "points": entry.points,
        "occurred_on": iso(entry.occurred_on),
        "expires_on": iso(entry.expires_on),
        "source": entry.source,
    }


def claim(c: Claim) -> dict[str, Any]:
    return {
        "id": c.id,
        "partner_id": c.partner_id,
        "program_id": c.program_id,
        "period": c.period_label,
        "sale_reference": c.sale_reference,
        "sold_on": iso(c.sold_on),
        "amount": decimal_text(c.amount),
        "currency": c.currency,
        "status": c.status,
        "invoice_name": c.invoice_name,
        "reason": c.reason,
        "created_at": iso(c.created_at),
        "approved_at": iso(c.approved_at),
    }


def money_balances(partner_id: int, balances: list[ProgramBalance]) -> dict[str, Any]:
    return {
        "partner_id": partner_id,
        "balances": [
            {
                "program_id": b.program_id,
                "program_code": b.program_code,
                "currency": b.currency,
                "accrued": decimal_text(b.accrued),
                "approved": decimal_text(b.approved),
                "paid": decimal_text(b.paid),
            }
            for b in balances
        ],
    }
