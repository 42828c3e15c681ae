"""From grouped rows to payee results: the pure engine between the loaders and the writers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from workflows.engine import (
    N_,
    ExplanationStep,
    Measure,
    PayeeAggregate,
    PayeeResult,
    calculate_all,
    measure_from_quantities,
    measure_from_scaled,
)

from .loaders import AMOUNT_SCALE, EligibleLines, Scope, scaled
from .points_measure import EarnedPoints, measures_points
from .rates import RATE_SCALE

NO_FX_RATE = N_("No FX rate for %(currency)s on or before %(date)s.")


@dataclass(frozen=True)
class UnusableLine:
    """An eligible line that could not be used, and why (a translatable template + params)."""

    sale_line_id: int
    template: str
    params: dict[str, Any]


@dataclass(frozen=True)
class ShardOutcome:
    """Everything one shard writes: results in payee order, line counts, unusable lines."""

    currency: str
    results: list[PayeeResult]
    previous_measures: dict[str, Decimal | None]
    line_counts: dict[str, int]
    unusable_count: int
    unusable: list[UnusableLine] = field(default_factory=list)


@dataclass
class _PayeeSums:
    """Exact integer sums of one payee's rows, per period (current or previous)."""

    revenue: dict[bool, dict[tuple[str, int, int], int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    quantity: dict[bool, int] = field(default_factory=lambda: defaultdict(int))
    lines: int = 0


def aggregates_from_rows(
    lines: EligibleLines, rows: Iterable[Sequence[Any]]
) -> tuple[list[PayeeAggregate], dict[str, int], int]:
    """Rows of EligibleLines.aggregate → one PayeeAggregate per payee with a usable line
    (current period, or previous for growth), usable line counts, and the unusable line count.
    Sums stay exact integers until the engine turns each payee's into a measure."""
    spec = lines.scope.spec
    revenue = spec.measure == Measure.REVENUE
    sums: dict[str, _PayeeSums] = defaultdict(_PayeeSums)
    unusable = 0
    # A few dozen (currency, bucket) pairs over thousands of rows: look each one up once.
    rates: dict[tuple[str, int], tuple[int, int] | None] = {}
    for payee, is_current, currency, bucket, total, count in rows:
        current = bool(is_current)
        if revenue:
            key = (currency, int(bucket))
            if key not in rates:
                rates[key] = lines.bucket_rates(currency, int(bucket))
            pair = rates[key]
            if pair is None:
                unusable += int(count)
                continue
            entry = sums[str(payee)]
            entry.revenue[current][(currency, *pair)] += int(total)
        else:
            entry = sums[str(payee)]
            entry.quantity[current] += int(total)
        if current:
            entry.lines += int(count)

    def measure(entry: _PayeeSums, current: bool) -> Decimal:
        if revenue:
            return measure_from_scaled(entry.revenue.get(current, {}), AMOUNT_SCALE, RATE_SCALE)
        return measure_from_quantities([scaled(entry.quantity.get(current, 0), AMOUNT_SCALE)])

    aggregates = [
        PayeeAggregate(
            payee_key=payee,
            measure=measure(entry, True),
            previous_measure=measure(entry, False) if spec.growth else None,
        )
        for payee, entry in sums.items()
    ]
    return aggregates, {payee: entry.lines for payee, entry in sums.items()}, unusable


def compute_shard(
    session,
    scope: Scope,
    shard: int = 0,
    shards: int = 1,
    *,
    unusable_cap: int = 200,
    work_mem: str | None = None,
) -> ShardOutcome:
    """One GROUP BY over the shard's lines, the tier math per payee, and (only when some lines
    had no FX rate) a capped list of those lines."""
    if work_mem and session.get_bind().dialect.name == "postgresql":
        # Room to hash-aggregate in memory instead of sorting on disk; this transaction only.
        session.execute(select(func.set_config("work_mem", work_mem, True)))
    lines = EligibleLines(scope)
    partner_ids = None
    if shards > 1:
        partner_ids = session.execute(lines.shard_partners(shard, shards)).scalars().all()
    if measures_points(scope.spec):
        return _points_outcome(session, scope, partner_ids)
    rows = session.execute(lines.aggregate(partner_ids)).all()
    aggregates, line_counts, unusable_count = aggregates_from_rows(lines, rows)
    results = calculate_all(scope.spec, aggregates)
    listed: list[UnusableLine] = []
    if unusable_count:
        stmt = lines.unusable_lines(partner_ids).limit(unusable_cap)
        listed = [
            UnusableLine(line_id, NO_FX_RATE, {"currency": missing, "date": _iso(sold_on)})
            for line_id, sold_on, missing in session.execute(stmt)
        ]
    return ShardOutcome(
        currency=scope.spec.currency,
        results=results,
        previous_measures={a.payee_key: a.previous_measure for a in aggregates},
        line_counts=line_counts,
        unusable_count=unusable_count,
        unusable=listed,
    )


def _points_outcome(session, scope: Scope, partner_ids: Sequence[int] | None) -> ShardOutcome:
    """A points contest's shard: one GROUP BY over the ledger's counted entries; every entry
    is usable (points need no FX rate). The line count is the number of entries."""
    rows = session.execute(EarnedPoints(scope).aggregate(partner_ids)).all()
    aggregates = [
        PayeeAggregate(payee_key=str(payee), measure=Decimal(int(points)))
        for payee, points, _entries in rows
    ]
    return ShardOutcome(
        currency=scope.spec.currency,
        results=calculate_all(scope.spec, aggregates),
        previous_measures={a.payee_key: None for a in aggregates},
        line_counts={str(payee): int(entries) for payee, _points, entries in rows},
        unusable_count=0,
    )


def _iso(day: date | str) -> str:
    return day if isinstance(day, str) else day.isoformat()


def explanation_json(steps: Iterable[ExplanationStep]) -> list[dict[str, Any]]:
    """Template + params per step; Decimals as the plain strings the sentence would show."""
    return [
        {
            "template": step.template,
            "params": {
                key: format(value, "f") if isinstance(value, Decimal) else value
                for key, value in step.params.items()
            },
        }
        for step in steps
    ]
