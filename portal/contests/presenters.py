"""What the contest pages show beside the figures: group names and the progress chart."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from workflows.engine import ContestMeasure, GroupBy

from ..extensions import db
from ..labels import label
from ..models import Territory
from .queries import Contest, Point


def group_names(contest: Contest, codes: set[str]) -> dict[str, str]:
    """Group code → what the reader sees: the territory's name or the tier's label; the group
    of partners outside every group (they moved out after selling) says so."""
    rules = contest.run_spec.contest
    names = {"": _("Outside every group")}
    if rules.group_by == GroupBy.TERRITORY:
        found = select(Territory.code, Territory.name).where(Territory.code.in_(codes))
        names.update(dict(db.session.execute(found).all()))
    elif rules.group_by == GroupBy.TIER:
        names.update({code: label(code, "tier") for code in codes if code})
    return names


def chart_data(contest: Contest, points: list[Point]) -> dict:
    """The partner's measure and rank per finished run, for dashboards.js (days as ISO keys,
    numbers as plain strings; the script shows them in the reader's locale)."""
    spec = contest.run_spec
    unit = _("units") if spec.contest.measure == ContestMeasure.UNITS else spec.currency
    return {
        "kind": "contest",
        "labels": [point.day.isoformat() for point in points],
        "measure": [str(point.measure) for point in points],
        "rank": [point.rank for point in points],
        "names": {
            "measure": _("Measure (%(unit)s)", unit=unit),
            "rank": _("Rank"),
        },
    }
