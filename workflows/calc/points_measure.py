"""A points contest's measure, set-based: the loyalty points each payee earned in the period.

What counts is the ledger's `earn` entries — what loyalty programs' sales earned, per partner
and sale day, returns and lower restatements as negative earn entries — whose day falls in the
period and on which the partner was eligible (the territory and tier effective on that day, the
same stretches the sale-line loaders join). Adjustments, contest awards, redemptions (holds,
releases, spends) and expiries are not earned from sales and never count. A run reads the
entries written before it started (`Scope.read_at`), so its standings and its drill-down agree.
A points run is always one shard: the ledger holds a few entries per partner and month, not
one per sales line.

This module reads the `points_entries` table only: it never imports the rewards workflows,
which sit above calculation runs.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    and_,
    cast,
    func,
    select,
)

from portal.models import PointsEntry
from workflows.engine import ContestMeasure, Payee, ProgramSpec

from .loaders import Scope, eligible_stretches, partners

points_entries = PointsEntry.__table__
COUNTED_KINDS = ("earn",)  # what a points contest ranks (docs/program-specs.md)


def measures_points(spec: ProgramSpec) -> bool:
    """A contest ranked by loyalty points earned."""
    return spec.contest is not None and spec.contest.measure == ContestMeasure.POINTS


class EarnedPoints:
    """The FROM and WHERE shared by a points contest's aggregate, tie days and drill-down."""

    def __init__(self, scope: Scope):
        self.scope = scope
        entry = points_entries.c
        grouped = scope.spec.payee == Payee.PARTNER_GROUP
        stop = scope.period.end + timedelta(days=1)
        stretches = eligible_stretches(scope.filters, scope.period.start, stop, grouped)
        source = points_entries
        if stretches is not None:
            source = source.join(
                stretches,
                and_(
                    stretches.c.partner_id == entry.partner_id,
                    entry.occurred_on >= stretches.c.start,
                    entry.occurred_on < stretches.c.end,
                ),
            )
            self.payee = stretches.c.group_id if grouped else entry.partner_id
        elif grouped:
            source = source.join(partners, partners.c.id == entry.partner_id)
            self.payee = partners.c.root_id
        else:
            self.payee = entry.partner_id
        self.source = source
        self.where: list[ColumnElement[bool]] = [
            entry.kind.in_(COUNTED_KINDS),
            entry.occurred_on >= scope.period.start,
            entry.occurred_on <= scope.period.end,
        ]
        if scope.read_at is not None:
            self.where.append(entry.created_at <= scope.read_at)

    def aggregate(self) -> Select:
        """One GROUP BY: (payee, net points, entries) of every payee with a counted entry."""
        return (
            select(
                self.payee.label("payee"),
                cast(func.sum(points_entries.c.points), BigInteger).label("points"),
                func.count().label("entries"),
            )
            .select_from(self.source)
            .where(*self.where)
            .group_by(self.payee)
        )

    def reached_days(self) -> Select:
        """(payee, day): the last day whose counted entries did not net to zero — the day the
        payee reached its final measure (ties go to the earlier one)."""
        daily = (
            select(self.payee.label("payee"), points_entries.c.occurred_on.label("day"))
            .select_from(self.source)
            .where(*self.where)
            .group_by(self.payee, points_entries.c.occurred_on)
            .having(cast(func.sum(points_entries.c.points), BigInteger) != 0)
            .subquery("changed")
        )
        return select(daily.c.payee, func.max(daily.c.day)).group_by(daily.c.payee)

    def contributing_entries(self, payee_id: int) -> Select:
        """The payee's counted entries, oldest first: what its measure adds up."""
        entry = points_entries.c
        return (
            select(entry.id, entry.occurred_on, entry.partner_id, entry.program_id, entry.points)
            .select_from(self.source)
            .where(*self.where, self.payee == payee_id)
            .order_by(entry.occurred_on, entry.id)
        )
