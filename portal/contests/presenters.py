"""What the contest pages show beside the figures: group names, the progress chart, and what
a partner that is not ranked yet reads."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from workflows.engine import ContestMeasure, GroupBy

from ..dates import show_date
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


def unranked_sentence(contest: Contest) -> str:
    """Why an eligible partner has no rank yet: no ranking has run, or the latest one counted
    nothing of its own (no eligible sale, or no points earned, that did not net to zero)."""
    if contest.run is None:
        return _("Not ranked yet: the contest's first ranking is still to come.")
    day = show_date(contest.run.period_end)
    if contest.run_spec.contest.measure == ContestMeasure.POINTS:
        return _(
            "Not ranked yet: the ranking as of %(day)s found no points earned by your "
            "organisation in the contest.",
            day=day,
        )
    return _(
        "Not ranked yet: the ranking as of %(day)s found no eligible sale of your organisation.",
        day=day,
    )


def takes_part_unranked(contest: Contest, today: date) -> bool:
    """An open contest the partner may enter but has no rank in yet."""
    return contest.status(today) == "open" and (contest.own is None or contest.own.rank is None)
