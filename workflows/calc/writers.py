"""Bulk writes out: a shard's result and unusable lines, a settlement's payout lines."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import delete, insert

from portal.extensions import db
from portal.foundation import planner_stats
from portal.models import CalcResult, CalcUnusableLine, PayoutLine

from .compute import ShardOutcome, explanation_json


def replace_shard_results(run_id: int, shard: int, outcome: ShardOutcome) -> None:
    """Delete whatever an earlier attempt of this shard wrote, then insert its lines in bulk."""
    for model in (CalcResult, CalcUnusableLine):
        db.session.execute(delete(model).where(model.run_id == run_id, model.shard == shard))
    planner_stats.wrote(db.session, "calc_results", len(outcome.results))
    planner_stats.wrote(db.session, "calc_unusable_lines", len(outcome.unusable))
    if outcome.results:
        db.session.execute(
            insert(CalcResult),
            [
                {
                    "run_id": run_id,
                    "shard": shard,
                    "payee_id": int(result.payee_key),
                    "measure": result.measure,
                    "previous_measure": outcome.previous_measures.get(result.payee_key),
                    "band_from": result.band_from,
                    "rate": result.rate,
                    "raw_amount": result.raw_amount,
                    "capped": result.capped,
                    "amount": result.amount,
                    "currency": outcome.currency,
                    "line_count": outcome.line_counts.get(result.payee_key, 0),
                    "explanation": explanation_json(result.explanation),
                }
                for result in outcome.results
            ],
        )
    if outcome.unusable:
        db.session.execute(
            insert(CalcUnusableLine),
            [
                {
                    "run_id": run_id,
                    "shard": shard,
                    "sale_line_id": line.sale_line_id,
                    "template": line.template,
                    "params": line.params,
                }
                for line in outcome.unusable
            ],
        )


def insert_payout_lines(rows: Sequence[dict]) -> None:
    """Payout lines are only ever added: corrections are new adjustment or clawback lines."""
    if rows:
        db.session.execute(insert(PayoutLine), list(rows))
        planner_stats.wrote(db.session, "payout_lines", len(rows))


def amount_text(amount: Decimal, places: int) -> str:
    """An exact amount with the currency's decimal places, for exports."""
    return format(amount.quantize(Decimal(1).scaleb(-places)), "f")
