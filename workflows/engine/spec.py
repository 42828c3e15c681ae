"""Program specs: YAML or JSON text becomes an immutable ProgramSpec, or every problem is listed."""

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from workflows.engine.contest_rules import Award, ContestMeasure, ContestRules, GroupBy
from workflows.engine.i18n import N_
from workflows.engine.kinds import KINDS
from workflows.engine.loading import DocumentError, load_document
from workflows.engine.spec_checks import FIELDS, INVALID, Checker, canonical_decimal
from workflows.engine.spec_types import (
    Eligibility,
    FundFacts,
    KnownCodes,
    Measure,
    Payee,
    Problem,
    ProgramSpec,
    SpecError,
    Tiers,
)
from workflows.engine.tiers import Band, Mode

__all__ = [
    "Band",
    "Eligibility",
    "FundFacts",
    "KnownCodes",
    "Measure",
    "Mode",
    "Payee",
    "Problem",
    "ProgramSpec",
    "SpecError",
    "Tiers",
    "canonical_json",
    "parse_spec",
    "spec_from_dict",
    "spec_hash",
    "spec_to_dict",
    "validate_references",
]

_UNKNOWN_CODE = {
    "territories": N_("Unknown territory code %(code)s."),
    "partner_tiers": N_("Unknown partner tier %(code)s."),
    "categories": N_("Unknown product category code %(code)s."),
    "skus": N_("Unknown SKU %(code)s."),
}


def parse_spec(
    text: str, *, fmt: str | None = None, known: KnownCodes | None = None
) -> ProgramSpec:
    """Read one program from YAML or JSON text, numbers exact; SpecError lists every problem."""
    try:
        data = load_document(text, fmt)
    except DocumentError as exc:
        problem = Problem(
            "",
            N_("The spec is not valid %(format)s: %(error)s"),
            {"format": exc.format, "error": exc.detail},
        )
        raise SpecError([problem]) from None
    return spec_from_dict(data, known=known)


def spec_from_dict(data: Any, *, known: KnownCodes | None = None) -> ProgramSpec:
    """Validate plain data (loaded, or stored by spec_to_dict); with known, check references too."""
    checker = Checker()
    root = checker.mapping(data, "", tuple(FIELDS))
    if root is None:
        raise SpecError(checker.problems)
    parsed = {
        name: checker.field(root, "", name, parse, default)
        for name, (parse, default) in FIELDS.items()
    }
    valid = {name: value for name, value in parsed.items() if value is not INVALID}
    given = frozenset(name for name in FIELDS if root.get(name) is not None)
    _check_kind_rules(checker, valid, given)
    if known is not None and isinstance(valid.get("eligible"), Eligibility):
        checker.problems.extend(_reference_problems(valid["eligible"], known))
    if known is not None and valid.get("fund") is not None:
        checker.problems.extend(_fund_problems(valid["fund"], valid.get("currency"), known))
    if checker.problems:
        raise SpecError(checker.problems)
    return ProgramSpec(**valid)


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _check_kind_rules(checker: Checker, valid: Mapping[str, Any], given: frozenset[str]) -> None:
    """Each kind declares the fields it needs and the ones it fixes; claims need claim_required."""
    kind = valid.get("kind")
    calculator = KINDS.get(kind) if isinstance(kind, str) else None
    if calculator is not None:
        for name in sorted(calculator.required_fields - given):
            checker.add(name, N_("Required for %(kind)s programs."), kind=kind)
        for name, expected in calculator.fixed_fields.items():
            if name not in valid or valid[name] == expected:
                continue
            if expected is None:
                checker.add(name, N_("Not used by %(kind)s programs."), kind=kind)
            else:
                checker.add(
                    name,
                    N_("Must be %(expected)s for %(kind)s programs."),
                    expected=_shown(expected),
                    kind=kind,
                )
        # A field another kind needs is not used by this kind unless it says otherwise.
        owned = frozenset().union(*(other.required_fields for other in KINDS.values()))
        for name in sorted(owned - calculator.required_fields - set(calculator.fixed_fields)):
            if name in given:
                checker.add(name, N_("Not used by %(kind)s programs."), kind=kind)
    threshold_flagged = any(p.path == "claim_approval_threshold" for p in checker.problems)
    if (
        valid.get("claim_approval_threshold") is not None
        and valid.get("claim_required") is False
        and not threshold_flagged
    ):
        checker.add(
            "claim_approval_threshold",
            N_("Only used when claim_required is true."),
        )
    _check_deal_protection(checker, valid)
    _check_contest(checker, valid)


def _check_contest(checker: Checker, valid: Mapping[str, Any]) -> None:
    """Territory groups are the eligible territory subtrees, so they must be named; a trip
    sets out after the contest has ended (its winners are known only then)."""
    rules = valid.get("contest")
    eligible = valid.get("eligible")
    if not isinstance(rules, ContestRules) or not isinstance(eligible, Eligibility):
        return
    period = valid.get("period")
    for index, award in enumerate(rules.awards):
        if award.travel_on is not None and period is not None and award.travel_on <= period.end:
            checker.add(
                f"contest.awards[{index}].trip.travel_on",
                N_("The trip must set out after the contest ends (%(end)s)."),
                end=period.end,
            )
    if rules.group_by == GroupBy.TERRITORY and not eligible.territories:
        checker.add(
            "contest.group_by",
            N_("Ranking per territory needs eligible.territories: each one is a group."),
        )
    if rules.measure == ContestMeasure.POINTS:
        # Ledger entries name a partner and a day, not a product or a deal.
        for name in ("categories", "skus", "registered_deals_only"):
            if getattr(eligible, name):
                checker.add(
                    f"eligible.{name}",
                    N_(
                        "A points contest ranks loyalty points, which name no product or deal: "
                        "only territories and partner tiers decide who takes part."
                    ),
                )


MAX_PROTECTION_DAYS = 730


def _check_deal_protection(checker: Checker, valid: Mapping[str, Any]) -> None:
    """Protection days belong to programs that reward registered deals, up to two years."""
    days = valid.get("deal_protection_days")
    eligible = valid.get("eligible")
    if days is None:
        return
    if days > MAX_PROTECTION_DAYS:
        checker.add("deal_protection_days", N_("At most %(days)s days."), days=MAX_PROTECTION_DAYS)
    if isinstance(eligible, Eligibility) and not eligible.registered_deals_only:
        checker.add(
            "deal_protection_days",
            N_("Only used when eligible.registered_deals_only is true."),
        )


def _reference_problems(eligible: Eligibility, known: KnownCodes) -> list[Problem]:
    problems = []
    for name, template in _UNKNOWN_CODE.items():
        known_codes = getattr(known, name)
        for code in getattr(eligible, name):
            if code not in known_codes:
                problems.append(Problem(f"eligible.{name}", template, {"code": code}))
    return problems


def _fund_problems(code: str, currency: object, known: KnownCodes) -> list[Problem]:
    """The MDF fund a co-op program earns into: it exists, is earned, in the program currency."""
    facts = known.funds.get(code)
    if facts is None:
        return [Problem("fund", N_("Unknown MDF fund %(code)s."), {"code": code})]
    problems = []
    if not facts.earned:
        problems.append(
            Problem(
                "fund",
                N_("%(code)s is not an earned fund: co-op programs earn into earned funds only."),
                {"code": code},
            )
        )
    if isinstance(currency, str) and facts.currency != currency:
        problems.append(
            Problem(
                "fund",
                N_("%(code)s is in %(fund_currency)s; the program pays in %(currency)s."),
                {"code": code, "fund_currency": facts.currency, "currency": currency},
            )
        )
    return problems


def validate_references(spec: ProgramSpec, known: KnownCodes) -> list[Problem]:
    """Every territory, tier, category and SKU the spec names must exist among the known codes,
    and a co-op program's fund must be an earned fund in the program's currency."""
    problems = _reference_problems(spec.eligible, known)
    if spec.fund is not None:
        problems += _fund_problems(spec.fund, spec.currency, known)
    return problems


def _number(value: Any) -> str | None:
    return None if value is None else format(canonical_decimal(value), "f")


def spec_to_dict(spec: ProgramSpec) -> dict[str, Any]:
    """Canonical plain form for stored versions: every field (deal_protection_days, fund and
    accrual_rate only when set; contest only for contests), Decimals as strings, dates ISO."""
    eligible = spec.eligible
    tiers: Tiers | None = spec.tiers
    return {
        "code": spec.code,
        "name": spec.name,
        "kind": spec.kind,
        "currency": spec.currency,
        "period": None
        if spec.period is None
        else {"start": spec.period.start.isoformat(), "end": spec.period.end.isoformat()},
        "eligible": {
            "territories": sorted(eligible.territories),
            "partner_tiers": sorted(eligible.partner_tiers),
            "categories": sorted(eligible.categories),
            "skus": sorted(eligible.skus),
            "registered_deals_only": eligible.registered_deals_only,
        },
        "measure": str(spec.measure),
        "growth": spec.growth,
        "payee": str(spec.payee),
        "tiers": None
        if tiers is None
        else {
            "mode": str(tiers.mode),
            "bands": [{"from": _number(b.from_), "rate": _number(b.rate)} for b in tiers.bands],
        },
        "cap": _number(spec.cap),
        "points_per_unit": _number(spec.points_per_unit),
        "expires_after_days": spec.expires_after_days,
        "claim_required": spec.claim_required,
        "claim_approval_threshold": _number(spec.claim_approval_threshold),
        # Added after the first versions were stored: kept out when unset, so that those
        # versions keep their canonical form and hash.
        **(
            {"deal_protection_days": spec.deal_protection_days}
            if spec.deal_protection_days is not None
            else {}
        ),
        **({"fund": spec.fund} if spec.fund is not None else {}),
        **({"accrual_rate": _number(spec.accrual_rate)} if spec.accrual_rate is not None else {}),
        **({"contest": _contest_to_dict(spec.contest)} if spec.contest is not None else {}),
    }


def _award_to_dict(award: Award) -> dict[str, Any]:
    prize: dict[str, Any]
    if award.seats is not None:
        trip: dict[str, Any] = {"seats": award.seats, "cost_per_seat": _number(award.cost_per_seat)}
        # Added after the first contests were stored: kept out when unset (same hash as before).
        if award.travel_on is not None:
            trip["travel_on"] = award.travel_on.isoformat()
        if award.pass_on_declined:
            trip["pass_on_declined"] = True
        prize = {"trip": trip}
    elif award.amount is not None:
        prize = {"amount": _number(award.amount)}
    else:
        prize = {"points": award.points}
    return {
        "from_rank": award.from_rank,
        "to_rank": award.to_rank,
        "partner_tiers": sorted(award.partner_tiers),
        **prize,
    }


def _contest_to_dict(rules: ContestRules) -> dict[str, Any]:
    return {
        "measure": str(rules.measure),
        "qualify": {"threshold": _number(rules.threshold), "top": rules.top},
        "group_by": None if rules.group_by is None else str(rules.group_by),
        "awards": [_award_to_dict(award) for award in rules.awards],
        "board_public": rules.board_public,
    }


def canonical_json(spec: ProgramSpec) -> str:
    """The one JSON text of a spec: sorted keys, no spaces, UTF-8 characters kept."""
    return json.dumps(spec_to_dict(spec), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def spec_hash(spec: ProgramSpec) -> str:
    """SHA-256 of the canonical JSON: equal specs, however written, hash alike."""
    return hashlib.sha256(canonical_json(spec).encode("utf-8")).hexdigest()
