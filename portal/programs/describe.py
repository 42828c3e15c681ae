"""A program's rules in words, in the reader's language."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from workflows.engine import (
    Measure,
    Mode,
    Payee,
    ProgramSpec,
)

from ..calc.contest_words import rules_in_words
from ..labels import label

# The program editor's field reference: every spec field, in the order a spec is written.
SPEC_FIELDS = (
    ("code", _l("Unique code: 1 to 64 letters, digits, '.', '_' or '-'.")),
    ("name", _l("The name partners see.")),
    ("kind", _l("rebate, spif, loyalty, coop or contest.")),
    ("currency", _l("The program currency; sales convert to it at the rate of their sale date.")),
    (
        "period",
        _l(
            "Optional fixed period: {start: YYYY-MM-DD, end: YYYY-MM-DD} or a label such as "
            "2026-Q3."
        ),
    ),
    (
        "eligible",
        _l(
            "Optional filters: territories, partner_tiers, categories, skus (lists of codes; "
            "territories and categories include their subtrees) and registered_deals_only."
        ),
    ),
    ("measure", _l("revenue (the default) or quantity.")),
    ("growth", _l("true: only the increase over the previous period of equal length counts.")),
    ("payee", _l("partner (the default) or partner_group: paid at the group's top partner.")),
    (
        "tiers",
        _l(
            "{mode: retroactive or marginal, bands: [{from: 0, rate: 0.01}, …]}; a band applies "
            "from its threshold, inclusive."
        ),
    ),
    ("cap", _l("Optional maximum per payee and period, applied after the tiers.")),
    ("points_per_unit", _l("Loyalty: points per unit of the program currency.")),
    ("expires_after_days", _l("Loyalty: days after the sale date until the points expire.")),
    ("claim_required", _l("SPIF: partners claim their reward with an invoice.")),
    (
        "claim_approval_threshold",
        _l("SPIF with claims: claims above this amount need two different approvers."),
    ),
    (
        "deal_protection_days",
        _l(
            "With registered_deals_only: how long approved deal registrations this program "
            "covers are protected (1 to 730 days)."
        ),
    ),
    ("fund", _l("Co-op: the code of the earned MDF fund, in the program currency.")),
    (
        "accrual_rate",
        _l(
            "Co-op: the percentage of eligible revenue earned into the fund, 0 to 100 "
            "(2.5 = 2.5 %)."
        ),
    ),
    (
        "contest",
        _l(
            "Contest: {measure: revenue, units, growth or points, qualify: {threshold, top}, "
            "group_by: territory or tier, board_public, awards: [{from_rank, to_rank, "
            "partner_tiers, and one of trip: {seats, cost_per_seat, travel_on, "
            "pass_on_declined}, amount or points}]}."
        ),
    ),
)


def _number(value: Decimal) -> str:
    return format_decimal(value, format="#,##0.##########")


def _rate(spec: ProgramSpec, rate: Decimal) -> str:
    if spec.measure == Measure.QUANTITY:
        return _("%(amount)s %(currency)s per unit", amount=_number(rate), currency=spec.currency)
    return format_percent(rate, format="#,##0.###%")


def _eligibility(spec: ProgramSpec) -> list[str]:
    rules = spec.eligible
    lines = []
    if rules.territories:
        lines.append(
            _(
                "Partners in %(codes)s and every territory below.",
                codes=", ".join(rules.territories),
            )
        )
    if rules.partner_tiers:
        lines.append(
            _("Partners of tier %(tiers)s on the sale date.", tiers=", ".join(rules.partner_tiers))
        )
    if rules.categories or rules.skus:
        products = [*rules.categories, *rules.skus]
        lines.append(
            _(
                "Products in %(codes)s (categories include their subcategories).",
                codes=", ".join(products),
            )
        )
    if rules.registered_deals_only:
        lines.append(_("Only sales on registered deals."))
    if spec.deal_protection_days is not None:
        lines.append(
            _(
                "Deal registrations this program covers are protected for %(days)s days.",
                days=spec.deal_protection_days,
            )
        )
    return lines or [_("Every partner and every product.")]


def _contest_lines(spec: ProgramSpec) -> list[str]:
    """What a contest ranks, who qualifies, how ties are broken, and the awards."""
    words = rules_in_words(spec)
    return [*words.ranking, words.ties, *words.awards]


def describe_spec(spec: ProgramSpec) -> list[str]:
    """Sentences for the program page: what counts, who is paid, and how much."""
    kind = label(spec.kind, "program_kind")
    lines = [_("%(kind)s paid in %(currency)s.", kind=kind, currency=spec.currency)]
    if spec.period is not None:
        lines.append(
            _(
                "Period: %(start)s to %(end)s, both days included.",
                start=spec.period.start.isoformat(),
                end=spec.period.end.isoformat(),
            )
        )
    lines += _eligibility(spec)
    if spec.contest is not None:
        return lines + _contest_lines(spec)
    if spec.measure == Measure.QUANTITY:
        lines.append(_("Measure: units sold; returns reduce it."))
    else:
        lines.append(
            _(
                "Measure: revenue converted to %(currency)s at the rate of each sale date;"
                " returns reduce it.",
                currency=spec.currency,
            )
        )
    if spec.growth:
        lines.append(_("Only growth over the previous period of equal length counts."))
    if spec.payee == Payee.PARTNER_GROUP:
        lines.append(_("Volume adds up and is paid at the top-level partner of each group."))
    else:
        lines.append(_("Each partner earns on its own volume."))
    if spec.tiers is not None:
        if spec.tiers.mode == Mode.RETROACTIVE:
            lines.append(_("The whole measure earns the rate of the highest band reached:"))
        else:
            lines.append(_("Each slice of the measure earns its own band's rate:"))
        lines += [
            _("from %(threshold)s: %(rate)s", threshold=_number(b.from_), rate=_rate(spec, b.rate))
            for b in spec.tiers.bands
        ]
    if spec.fund is not None and spec.accrual_rate is not None:
        lines.append(
            _(
                "Earns %(rate)s %% of the eligible revenue into the co-op fund %(fund)s, posted"
                " when a settlement is approved.",
                rate=_number(spec.accrual_rate),
                fund=spec.fund,
            )
        )
    if spec.cap is not None:
        lines.append(
            _(
                "At most %(cap)s %(currency)s per payee.",
                cap=_number(spec.cap),
                currency=spec.currency,
            )
        )
    return lines
