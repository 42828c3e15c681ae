"""Contest awards in words, for the program page and a partner's position."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _

from workflows.engine import Award, AwardKind

from ..labels import label


def _number(value: Decimal) -> str:
    return format_decimal(value, format="#,##0.##########")


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
