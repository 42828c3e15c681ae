"""The partner dashboard's contest cards: one per open contest the partner takes part in —
ranked in its latest finished run, or eligible today and not ranked yet — read from the
contests' latest finished runs in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from workflows.engine.contest import awards_for

from ..calc.contest_position import engine_standing, gap_sentence, measure_text
from ..calc.contest_words import award_line
from ..security import Perm, can
from .presenters import takes_part_unranked, unranked_sentence
from .queries import OPEN, Contest, visible_contests


@dataclass(frozen=True)
class Card:
    contest: Contest
    rank: int | None  # None: not ranked yet
    measure: str | None
    qualified: bool
    gap_sentence: str
    days_left: int
    awards_now: list[str]  # what the partner would win if the contest ended now


def contest_cards(user, today: date) -> list[Card]:
    """Rank, measure, gap, days left and the awards of today's place, per open contest ("not
    ranked yet" and why, for one the partner is eligible for but has no rank in)."""
    if user.partner_id is None or not can(user, Perm.VIEW_CONTESTS):
        return []
    cards = []
    for contest in visible_contests(user, today=today):
        own = contest.own
        if contest.status(today) != OPEN:
            continue
        if takes_part_unranked(contest, today):
            cards.append(
                Card(
                    contest=contest,
                    rank=None,
                    measure=None,
                    qualified=False,
                    gap_sentence=unranked_sentence(contest),
                    days_left=contest.days_left(today),
                    awards_now=[],
                )
            )
            continue
        spec = contest.run_spec
        rules = spec.contest
        cards.append(
            Card(
                contest=contest,
                rank=own.rank,
                measure=measure_text(rules, own.measure, spec.currency),
                qualified=own.qualified,
                gap_sentence=gap_sentence(
                    rules,
                    own,
                    spec.currency,
                    ends_on=contest.ends_on,
                    as_of=contest.run.period_end,
                    today=today,
                ),
                days_left=contest.days_left(today),
                awards_now=[
                    award_line(award, spec.currency)
                    for award in awards_for(rules, engine_standing(own))
                ],
            )
        )
    return cards
