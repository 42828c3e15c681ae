"""From grouped rows to payee results: the pure engine between the loaders and the writers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
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

from .loaders import AMOUNT_SCALE, EligibleLines, LineRange, Scope, scaled
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
    """Everything one shard writes: results in payee order (or a line-range shard's partial
    rows), line counts, unusable lines."""

    currency: str
    results: list[PayeeResult]
    previous_measures: dict[str, Decimal | None]
    line_counts: dict[str, int]
    unusable_count: int
    unusable: list[UnusableLine] = field(default_factory=list)
    # A line-range shard's grouped rows (EligibleLines.aggregate), for the fan-in to add up.
    partials: list[tuple] | None = None

    @property
    def payee_count(self) -> int:
        if self.partials is None:
            return len(self.results)
        return len({row[0] for row in self.partials})


@dataclass
class _PayeeSums:
    """Exact integer sums of one payee's rows, per period (current or previous)."""

    revenue: dict[bool, dict[tuple[str, int, int], int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    quantity: dict[bool, int] = field(default_factory=lambda: defaultdict(int))
    lines: int = 0


class _Rates:
    """The rates of each (currency, bucket) of aggregate rows, looked up once: a few dozen pairs
    over thousands of rows."""

    def __init__(self, lines: EligibleLines):
        self.lines = lines
        self.known: dict[tuple[str, int], tuple[int, int] | None] = {}

    def __call__(self, currency: str, bucket: int) -> tuple[int, int] | None:
        key = (currency, bucket)
        if key not in self.known:
            self.known[key] = self.lines.bucket_rates(currency, bucket)
        return self.known[key]


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
    rates = _Rates(lines)
    for payee, is_current, currency, bucket, total, count in rows:
        current = bool(is_current)
        if revenue:
            pair = rates(currency, int(bucket))
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


def unusable_in(lines: EligibleLines, rows: Iterable[Sequence[Any]]) -> int:
    """How many of the rows' lines have no FX rate (a line-range shard's count)."""
    if lines.scope.spec.measure != Measure.REVENUE:
        return 0
    rates = _Rates(lines)
    return sum(
        int(count)
        for _p, _c, currency, bucket, _t, count in rows
        if rates(currency, int(bucket)) is None
    )


def compute_shard(
    session,
    scope: Scope,
    line_range: LineRange | None = None,
    *,
    unusable_cap: int = 200,
    work_mem: str | None = None,
) -> ShardOutcome:
    """One GROUP BY over the shard's lines and (only when some lines had no FX rate) a capped
    list of those lines. A run of one shard (no range) applies the tiers itself; a line-range
    shard keeps its grouped rows as partials for the fan-in (`reduce_partials`)."""
    if session.get_bind().dialect.name == "postgresql":
        if work_mem:
            # Room to hash-aggregate in memory instead of sorting on disk; this transaction only.
            session.execute(select(func.set_config("work_mem", work_mem, True)))
        if line_range is not None:
            # The shards are the parallelism: each reads its range in one process, so two
            # workers' shards use two cores rather than both queueing for the same ones.
            setting = func.set_config("max_parallel_workers_per_gather", "0", True)
            session.execute(select(setting))
    lines = EligibleLines(scope)
    if measures_points(scope.spec):
        return _points_outcome(session, scope)
    rows = session.execute(lines.aggregate(line_range)).all()
    if line_range is None:
        outcome = _outcome(scope, *aggregates_from_rows(lines, rows))
    else:
        outcome = ShardOutcome(
            currency=scope.spec.currency,
            results=[],
            previous_measures={},
            line_counts={},
            unusable_count=unusable_in(lines, rows),
            partials=[tuple(row) for row in rows],
        )
    if outcome.unusable_count:
        stmt = lines.unusable_lines(line_range).limit(unusable_cap)
        listed = [
            UnusableLine(line_id, NO_FX_RATE, {"currency": missing, "date": _iso(sold_on)})
            for line_id, sold_on, missing in session.execute(stmt)
        ]
        outcome = replace(outcome, unusable=listed)
    return outcome


def reduce_partials(scope: Scope, rows: Iterable[Sequence[Any]]) -> ShardOutcome:
    """The fan-in of a line-range run: the shards' partial rows added up per (payee, period,
    currency, bucket), then the tiers once per payee. Unusable lines were counted and listed by
    the shards."""
    lines = EligibleLines(scope)
    aggregates, line_counts, _unusable = aggregates_from_rows(lines, rows)
    return _outcome(scope, aggregates, line_counts, 0)


def _outcome(
    scope: Scope, aggregates: list[PayeeAggregate], line_counts: dict[str, int], unusable: int
) -> ShardOutcome:
    return ShardOutcome(
        currency=scope.spec.currency,
        results=calculate_all(scope.spec, aggregates),
        previous_measures={a.payee_key: a.previous_measure for a in aggregates},
        line_counts=line_counts,
        unusable_count=unusable,
    )


def _points_outcome(session, scope: Scope) -> ShardOutcome:
    """A points contest's run (always one shard): one GROUP BY over the ledger's counted
    entries; every entry is usable (points need no FX rate). The line count is the number of
    entries."""
    rows = session.execute(EarnedPoints(scope).aggregate()).all()
    aggregates = [
        PayeeAggregate(payee_key=str(payee), measure=Decimal(int(points)))
        for payee, points, _entries in rows
    ]
    return _outcome(
        scope, aggregates, {str(payee): int(entries) for payee, _points, entries in rows}, 0
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
