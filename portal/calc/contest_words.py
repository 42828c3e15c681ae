"""Contest rules and awards in words, for the program page, the contest pages and a partner's
position."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _

from workflows.engine import Award, AwardKind, ContestMeasure, GroupBy, ProgramSpec

from ..formatting import amount_with_code, points, units
from ..labels import label


def _number(value: Decimal) -> str:
    return format_decimal(value, format="#,##0.##########")


def _threshold(spec: ProgramSpec) -> str:
    """The qualifying threshold with what it counts: "5,000 EUR", "40 units", "300 points"."""
    measure, value = spec.contest.measure, spec.contest.threshold
    if measure == ContestMeasure.UNITS:
        return units(value)
    if measure == ContestMeasure.POINTS:
        return points(value)
    return amount_with_code(value, spec.currency, whole=True)


def award_line(award: Award, currency: str) -> str:
    """One award in words: its rank band, tiers and prize."""
    if award.kind == AwardKind.TRIP:
        prize = ngettext(
            "%(num)s trip seat at %(cost)s %(currency)s each",
            "%(num)s trip seats at %(cost)s %(currency)s each",
            award.seats,
            cost=_number(award.cost_per_seat),
            currency=currency,
        )
    elif award.kind == AwardKind.AMOUNT:
        prize = _("%(amount)s %(currency)s", amount=_number(award.amount), currency=currency)
    else:
        prize = ngettext("%(num)s point", "%(num)s points", award.points)
    if award.partner_tiers:
        return _(
            "Ranks %(first)s to %(last)s, tier %(tiers)s: %(prize)s.",
            first=award.from_rank,
            last=award.to_rank,
            tiers=", ".join(label(t, "tier") for t in award.partner_tiers),
            prize=prize,
        )
    return _(
        "Ranks %(first)s to %(last)s: %(prize)s.",
        first=award.from_rank,
        last=award.to_rank,
        prize=prize,
    )


@dataclass(frozen=True)
class RulesInWords:
    """A contest's rules as sentences: what ranks and who qualifies, the tie rule, the awards."""

    ranking: list[str]
    ties: str
    awards: list[str]


def tie_rule() -> str:
    """The documented order of equal measures, as the program and contest pages state it."""
    return _(
        "Equal measures: the partner that reached its measure on the earlier day ranks "
        "higher, then the lower partner code; never chance."
    )


def rules_in_words(spec: ProgramSpec) -> RulesInWords:
    """What a contest ranks, who qualifies, how ties are broken, and the awards."""
    rules = spec.contest
    measures = {
        ContestMeasure.REVENUE: _(
            "Ranked by revenue converted to %(currency)s; returns reduce it.",
            currency=spec.currency,
        ),
        ContestMeasure.UNITS: _("Ranked by units sold; returns reduce them."),
        ContestMeasure.GROWTH: _(
            "Ranked by revenue growth over the previous period of equal length, never below zero."
        ),
        ContestMeasure.POINTS: _(
            "Ranked by loyalty points earned in the period; returns reduce them, and "
            "adjustments, awards, redemptions and expiries do not count."
        ),
    }
    lines = [measures[rules.measure]]
    if rules.group_by == GroupBy.TERRITORY:
        lines.append(_("Each eligible territory ranks its partners separately."))
    elif rules.group_by == GroupBy.TIER:
        lines.append(_("Each partner tier ranks its partners separately."))
    if rules.threshold is not None and rules.top is not None:
        lines.append(
            _(
                "Qualify: the top %(top)s among those with at least %(threshold)s.",
                top=rules.top,
                threshold=_threshold(spec),
            )
        )
    elif rules.top is not None:
        lines.append(_("Qualify: the top %(top)s.", top=rules.top))
    else:
        lines.append(_("Qualify: at least %(threshold)s.", threshold=_threshold(spec)))
    awards = [award_line(award, spec.currency) for award in rules.awards]
    return RulesInWords(ranking=lines, ties=tie_rule(), awards=awards)
