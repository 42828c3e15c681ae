"""A payee's place in a contest, explained for reading: its measure step by step (the run's own
explanation), the payees just above and below it, and what it takes to qualify.

Other partners' codes are shown only when the program says the board is public to
participants; otherwise a neighbour is its rank and measure. Numbers and dates are formatted
for the reader's locale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from workflows.calc import contests as contest_runs
from workflows.engine import N_, ContestMeasure, ContestRules, Refusal, Standing, spec_from_dict
from workflows.engine.contest import awards_for

from ..dates import show_date
from ..explain import sentences
from ..extensions import db
from ..formatting import amount_with_code, points, units
from ..models import CalcResult, ContestStanding, Partner, Program
from ..security import Perm, ensure, is_visible
from .contest_words import award_line


@dataclass(frozen=True)
class Neighbour:
    """The payee ranked next to the reader's: its rank, measure and (public boards) code."""

    rank: int
    measure: str
    code: str | None


@dataclass(frozen=True)
class Position:
    """What the contest page and card show for one payee."""

    program_code: str
    as_of: date
    rank: int
    measure: str
    qualified: bool
    gap: Decimal
    steps: list[str]
    above: Neighbour | None
    below: Neighbour | None
    gap_sentence: str
    awards_now: list[str]  # what it would win if the contest ended now


NO_PLACE = N_("%(partner)s has no place in %(program)s.")


class NotRanked(Refusal):
    """The payee has no place in the contest's standings (it sold nothing eligible yet)."""


def measure_text(rules: ContestRules, value: Decimal, currency: str) -> str:
    """A contest measure or gap for reading: "21,000.50 EUR" or "64 units"."""
    if rules.measure == ContestMeasure.UNITS:
        return units(value)
    if rules.measure == ContestMeasure.POINTS:
        return points(value)
    return amount_with_code(value, currency)


def gap_sentence(
    rules: ContestRules,
    standing: ContestStanding,
    currency: str,
    *,
    ends_on: date,
    as_of: date,
    today: date,
) -> str:
    """ "Sell 21,000.50 EUR more by 31 Dec 2027 to reach rank 20 as of today." (or "qualified")"""
    when = {"end": show_date(ends_on), "day": show_date(as_of)}
    if standing.qualified:
        if as_of == today:
            return _("Qualified at rank %(rank)s as of today.", rank=standing.rank)
        return _("Qualified at rank %(rank)s as of %(day)s.", rank=standing.rank, **when)
    to_rank = rules.top is not None and standing.rank > rules.top
    gap = measure_text(rules, standing.gap, currency)
    if rules.measure == ContestMeasure.POINTS:
        text = _points_gap(to_rank, as_of == today)
    elif to_rank and as_of == today:
        text = _("Sell %(gap)s more by %(end)s to reach rank %(rank)s as of today.")
    elif to_rank:
        text = _("Sell %(gap)s more by %(end)s to reach rank %(rank)s as of %(day)s.")
    elif as_of == today:
        text = _("Sell %(gap)s more by %(end)s to qualify as of today.")
    else:
        text = _("Sell %(gap)s more by %(end)s to qualify as of %(day)s.")
    return text % {"gap": gap, "rank": rules.top, **when}


def _points_gap(to_rank: bool, today: bool) -> str:
    """A points contest's gap is earned, not sold: "Earn 120 points more by …"."""
    if to_rank and today:
        return _("Earn %(gap)s more by %(end)s to reach rank %(rank)s as of today.")
    if to_rank:
        return _("Earn %(gap)s more by %(end)s to reach rank %(rank)s as of %(day)s.")
    if today:
        return _("Earn %(gap)s more by %(end)s to qualify as of today.")
    return _("Earn %(gap)s more by %(end)s to qualify as of %(day)s.")


def _neighbour(row, rules, currency, public: bool) -> Neighbour | None:
    if row is None:
        return None
    standing, code = row
    return Neighbour(
        standing.rank, measure_text(rules, standing.measure, currency), code if public else None
    )


def position(
    program: Program, partner: Partner, actor, *, as_of: date | None = None, today: date
) -> Position:
    """The partner's place in the contest's latest run (or the run through `as_of`)."""
    ensure(actor, Perm.VIEW_CALC_RESULTS)
    if not is_visible(partner, actor):  # told apart from an unranked partner by nobody
        raise NotRanked(NO_PLACE, partner=partner.code, program=program.code)
    run = contest_runs.latest_run(program.id, as_of)
    if run is None or run.program_version.spec.get("kind") != contest_runs.KIND:
        raise NotRanked(N_("%(program)s has no standings yet: start a run."), program=program.code)
    spec = spec_from_dict(run.program_version.spec)
    rules = spec.contest
    own = db.session.scalar(
        select(ContestStanding).where(
            ContestStanding.run_id == run.id, ContestStanding.payee_id == partner.id
        )
    )
    if own is None:
        raise NotRanked(NO_PLACE, partner=partner.code, program=program.code)
    near = {
        standing.rank: (standing, code)
        for standing, code in db.session.execute(
            select(ContestStanding, Partner.code)
            .join(Partner, Partner.id == ContestStanding.payee_id)
            .where(
                ContestStanding.run_id == run.id,
                ContestStanding.group_code == own.group_code,
                ContestStanding.rank.in_((own.rank - 1, own.rank + 1)),
            )
        )
    }
    result = db.session.scalar(
        select(CalcResult).where(CalcResult.run_id == run.id, CalcResult.payee_id == partner.id)
    )
    ends_on = spec.period.end if spec.period else run.period_end
    return Position(
        program_code=program.code,
        as_of=run.period_end,
        rank=own.rank,
        measure=measure_text(rules, own.measure, spec.currency),
        qualified=own.qualified,
        gap=own.gap,
        steps=sentences(result.explanation if result else [], spec.currency),
        above=_neighbour(near.get(own.rank - 1), rules, spec.currency, rules.board_public),
        below=_neighbour(near.get(own.rank + 1), rules, spec.currency, rules.board_public),
        gap_sentence=gap_sentence(
            rules, own, spec.currency, ends_on=ends_on, as_of=run.period_end, today=today
        ),
        awards_now=[
            award_line(award, spec.currency) for award in awards_for(rules, engine_standing(own))
        ],
    )


def engine_standing(row: ContestStanding) -> Standing:
    """A stored standing as the engine reads it (for `awards_for`)."""
    return Standing(
        code="",
        group=row.group_code,
        rank=row.rank,
        measure=row.measure,
        reached_on=row.reached_on,
        qualified=row.qualified,
        gap=row.gap,
        tier=row.tier,
    )
