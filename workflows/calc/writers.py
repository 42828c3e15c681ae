"""Bulk writes out: a shard's result, partial and unusable lines, a settlement's payout lines."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import delete, insert

from portal.extensions import db
from portal.foundation import planner_stats
from portal.models import CalcPartial, CalcResult, CalcUnusableLine, PayoutLine

from .compute import ShardOutcome, explanation_json


def replace_shard_results(run_id: int, shard: int, outcome: ShardOutcome) -> None:
    """Delete whatever an earlier attempt of this shard wrote, then insert its result lines (a
    run of one shard) or its partial rows (a line-range shard) and its unusable lines, in bulk."""
    for model in (CalcResult, CalcPartial, CalcUnusableLine):
        db.session.execute(delete(model).where(model.run_id == run_id, model.shard == shard))
    if outcome.partials is None:
        insert_results(run_id, shard, outcome)
    elif outcome.partials:
        _insert_partials(run_id, shard, outcome.partials)
    planner_stats.wrote(db.session, "calc_unusable_lines", len(outcome.unusable))
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


PARTIAL_COLUMNS = ("payee_id", "is_current", "currency", "bucket", "total", "line_count")


def _insert_partials(run_id: int, shard: int, rows: Sequence[tuple]) -> None:
    """A shard's partial rows (some ten thousand) in the caller's transaction: COPY on
    PostgreSQL, a bulk INSERT elsewhere."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        db.session.execute(
            insert(CalcPartial),
            [
                {"run_id": run_id, "shard": shard, **dict(zip(PARTIAL_COLUMNS, row, strict=True))}
                for row in rows
            ],
        )
        return
    columns = ", ".join(("run_id", "shard", *PARTIAL_COLUMNS))
    statement = f"COPY {CalcPartial.__tablename__} ({columns}) FROM STDIN"
    raw = connection.connection.dbapi_connection
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        copy.set_types(["int4", "int4", "int4", "int4", "text", "int4", "int8", "int4"])
        for row in rows:
            copy.write_row((run_id, shard, *row))


def insert_results(run_id: int, shard: int, outcome: ShardOutcome) -> None:
    """The outcome's result lines, in bulk (shard 0 for the fan-in of a line-range run)."""
    planner_stats.wrote(db.session, "calc_results", len(outcome.results))
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


def insert_payout_lines(rows: Sequence[dict]) -> None:
    """Payout lines are only ever added: corrections are new adjustment or clawback lines."""
    if rows:
        db.session.execute(insert(PayoutLine), list(rows))
        planner_stats.wrote(db.session, "payout_lines", len(rows))


def amount_text(amount: Decimal, places: int) -> str:
    """An exact amount with the currency's decimal places, for exports."""
    return format(amount.quantize(Decimal(1).scaleb(-places)), "f")
