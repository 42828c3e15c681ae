"""Field-by-field spec validation that keeps going, so one pass reports every problem."""

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal, DecimalException, localcontext
from typing import Any

from workflows.engine.contest_rules import (
    Award,
    AwardKind,
    ContestMeasure,
    ContestRules,
    GroupBy,
)
from workflows.engine.currencies import is_currency
from workflows.engine.i18n import N_
from workflows.engine.kinds import KINDS
from workflows.engine.money import EXACT
from workflows.engine.periods import Period, PeriodError, parse_day, parse_period
from workflows.engine.spec_types import Eligibility, Measure, Payee, Problem, Tiers
from workflows.engine.tiers import Band, Mode

INVALID: Any = object()
REQUIRED: Any = object()
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_NUMBER_TEXT = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_WHOLE_TEXT = re.compile(r"[-+]?[0-9]+")
MAX_NUMBER_DIGITS = 14
MAX_NUMBER = 10**MAX_NUMBER_DIGITS  # what a money column holds, rounded down to a power of ten
MAX_DAYS = 36_600  # a hundred years: day counts beyond it are typing mistakes


def canonical_decimal(value: Decimal) -> Decimal:
    """Equal numbers get one form (0.0350 → 0.035, 1E+5 → 100000), so equal specs hash alike."""
    with localcontext(EXACT):
        reduced = value.normalize()
        if int(reduced.as_tuple().exponent) > 0:
            reduced = reduced.quantize(Decimal(1))
    return reduced.copy_abs() if reduced.is_zero() else reduced


def join(path: str, name: str) -> str:
    """Path of a field inside a mapping: tiers + mode → tiers.mode."""
    return f"{path}.{name}" if path else name


class Checker:
    """Parses raw values into typed ones, recording a Problem (and returning INVALID) on failure."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: str, template: str, **params: Any) -> Any:
        self.problems.append(Problem(path, template, params))
        return INVALID

    def mapping(self, raw: Any, path: str, allowed: Sequence[str]) -> Mapping[Any, Any] | None:
        if not isinstance(raw, Mapping):
            self.add(path, N_("Must be a mapping of fields."))
            return None
        for key in raw:
            if key not in allowed:
                self.add(join(path, str(key)), N_("Unknown field."))
        return raw

    def field(
        self, raw: Mapping[Any, Any], path: str, name: str, parse: "Parse", default: Any
    ) -> Any:
        value = raw.get(name)  # null counts as absent, so canonical dicts read back
        if value is None:
            if default is REQUIRED:
                return self.add(join(path, name), N_("This field is required."))
            return default
        return parse(self, value, join(path, name))

    def text(self, raw: Any, path: str) -> Any:
        if not isinstance(raw, str) or not raw.strip():
            return self.add(path, N_("Must be non-empty text."))
        if "\x00" in raw:  # "\0" in YAML, "\u0000" in JSON: no database stores it in text
            return self.add(path, N_("Must not contain NUL characters."))
        return raw.strip()

    def choice(self, raw: Any, path: str, choices: Sequence[str]) -> Any:
        value = self.text(raw, path)
        if value is not INVALID and value not in choices:
            return self.add(
                path,
                N_("Unknown value %(value)s; expected one of %(choices)s."),
                value=value,
                choices=", ".join(choices),
            )
        return value

    def boolean(self, raw: Any, path: str) -> Any:
        return raw if isinstance(raw, bool) else self.add(path, N_("Must be true or false."))

    def number(self, raw: Any, path: str) -> Any:
        if isinstance(raw, float):
            return self.add(path, N_("Must be an exact decimal number, not a binary float."))
        if isinstance(raw, str) and _NUMBER_TEXT.fullmatch(raw.strip()):
            raw = Decimal(raw.strip())
        elif isinstance(raw, int) and not isinstance(raw, bool):
            raw = Decimal(raw)
        if not isinstance(raw, Decimal) or not raw.is_finite():
            return self.add(path, N_("Must be a number."))
        if raw and raw.adjusted() >= MAX_NUMBER_DIGITS:
            # Amounts, thresholds and rates beyond this do not fit the money columns a run
            # writes (64-bit counts of 1/10,000): refused here, not when a run overflows.
            return self.add(path, N_("Must be less than %(limit)s."), limit=f"{MAX_NUMBER:,}")
        try:
            return canonical_decimal(raw)
        except DecimalException:
            return self.add(path, N_("Must have at most 50 significant digits."))

    def non_negative(self, raw: Any, path: str) -> Any:
        value = self.number(raw, path)
        if value is not INVALID and value < 0:
            return self.add(path, N_("Must not be negative."))
        return value

    def positive(self, raw: Any, path: str) -> Any:
        value = self.number(raw, path)
        if value is not INVALID and value <= 0:
            return self.add(path, N_("Must be greater than zero."))
        return value

    def positive_whole(self, raw: Any, path: str) -> Any:
        """A number of days, 1 to MAX_DAYS (checked before int(): 10**5000 is refused, and
        never becomes a date far beyond the calendar)."""
        if isinstance(raw, str) and _WHOLE_TEXT.fullmatch(raw.strip()):
            raw = Decimal(raw.strip())
        if isinstance(raw, Decimal) and raw.is_finite() and raw == raw.to_integral_value():
            raw = int(raw) if raw <= MAX_DAYS else MAX_DAYS + 1
        if isinstance(raw, bool) or not isinstance(raw, int):
            return self.add(path, N_("Must be a whole number."))
        if raw > MAX_DAYS:
            return self.add(path, N_("At most %(days)s days."), days=MAX_DAYS)
        return raw if raw > 0 else self.add(path, N_("Must be greater than zero."))

    def day(self, raw: Any, path: str) -> Any:
        if isinstance(raw, date) and not isinstance(raw, datetime):
            return raw
        if not isinstance(raw, str):
            return self.add(path, N_("Must be a date in the form YYYY-MM-DD."))
        try:
            return parse_day(raw.strip())
        except PeriodError as exc:
            return self.add(path, exc.template, **exc.params)

    def codes(self, raw: Any, path: str) -> Any:
        if not isinstance(raw, list | tuple):
            return self.add(path, N_("Must be a list of codes."))
        codes: set[str] = set()
        valid = True
        for index, item in enumerate(raw):
            if isinstance(item, int) and not isinstance(item, bool):
                item = str(item)  # an unquoted numeric SKU in YAML
            if isinstance(item, str) and "\x00" in item:
                self.add(f"{path}[{index}]", N_("Must not contain NUL characters."))
                valid = False
            elif isinstance(item, str) and item.strip():
                codes.add(item.strip())
            else:
                self.add(f"{path}[{index}]", N_("Must be a non-empty code."))
                valid = False
        return tuple(sorted(codes)) if valid else INVALID


Parse = Callable[[Checker, Any, str], Any]


def _choice_of(choices: Sequence[str] | Callable[[], Sequence[str]]) -> Parse:
    def parse(checker: Checker, raw: Any, path: str) -> Any:
        return checker.choice(raw, path, choices() if callable(choices) else choices)

    return parse


def _code(c: Checker, raw: Any, path: str) -> Any:
    value = c.text(raw, path)
    if value is not INVALID and not _CODE.fullmatch(value):
        return c.add(
            path,
            N_("Use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit."),
        )
    return value


def _currency(c: Checker, raw: Any, path: str) -> Any:
    value = c.text(raw, path)
    if value is not INVALID and not is_currency(value):
        return c.add(path, N_("Unknown currency code %(value)s."), value=value)
    return value


def _period(c: Checker, raw: Any, path: str) -> Any:
    try:
        if isinstance(raw, str):
            return parse_period(raw)
        bounds = c.mapping(raw, path, ("start", "end"))
        if bounds is None:
            return INVALID
        start = c.field(bounds, path, "start", Checker.day, REQUIRED)
        end = c.field(bounds, path, "end", Checker.day, REQUIRED)
        return INVALID if INVALID in (start, end) else Period(start, end)
    except PeriodError as exc:
        return c.add(path, exc.template, **exc.params)


_ELIGIBLE_CODES = ("territories", "partner_tiers", "categories", "skus")


def _eligible(c: Checker, raw: Any, path: str) -> Any:
    filters = c.mapping(raw, path, (*_ELIGIBLE_CODES, "registered_deals_only"))
    if filters is None:
        return INVALID
    values = {name: c.field(filters, path, name, Checker.codes, ()) for name in _ELIGIBLE_CODES}
    values["registered_deals_only"] = c.field(
        filters, path, "registered_deals_only", Checker.boolean, False
    )
    return INVALID if any(v is INVALID for v in values.values()) else Eligibility(**values)


def _bands(c: Checker, raw: Any, path: str) -> Any:
    if not isinstance(raw, list | tuple):
        return c.add(path, N_("Must be a list of bands."))
    if not raw:
        return c.add(path, N_("At least one band is required."))
    bands: list[Band] = []
    highest: Decimal | None = None
    for index, item in enumerate(raw):
        band_path = f"{path}[{index}]"
        band = c.mapping(item, band_path, ("from", "rate"))
        if band is None:
            continue
        start = c.field(band, band_path, "from", Checker.non_negative, REQUIRED)
        rate = c.field(band, band_path, "rate", Checker.non_negative, REQUIRED)
        if start is not INVALID and highest is not None and start <= highest:
            template = (
                N_("Overlaps an earlier band that also starts at %(value)s.")
                if start == highest
                else N_("Bands must ascend by 'from': %(value)s comes after %(previous)s.")
            )
            start = c.add(join(band_path, "from"), template, value=start, previous=highest)
        elif start is not INVALID:
            highest = start
        if start is not INVALID and rate is not INVALID:
            bands.append(Band(start, rate))
    return tuple(bands) if len(bands) == len(raw) else INVALID


def _tiers(c: Checker, raw: Any, path: str) -> Any:
    tiers = c.mapping(raw, path, ("mode", "bands"))
    if tiers is None:
        return INVALID
    mode = c.field(tiers, path, "mode", _choice_of(list(Mode)), REQUIRED)
    bands = c.field(tiers, path, "bands", _bands, REQUIRED)
    return INVALID if INVALID in (mode, bands) else Tiers(Mode(mode), bands)


def _measure(c: Checker, raw: Any, path: str) -> Any:
    value = c.choice(raw, path, list(Measure))
    return value if value is INVALID else Measure(value)


def _payee(c: Checker, raw: Any, path: str) -> Any:
    value = c.choice(raw, path, list(Payee))
    return value if value is INVALID else Payee(value)


MAX_PERCENT = Decimal(100)
PERCENT_PLACES = 8  # a percentage as a fraction keeps 10 decimal places, what a rate column holds


def _percent(c: Checker, raw: Any, path: str) -> Any:
    """A percentage from 0 to 100, exact, with at most PERCENT_PLACES decimal places."""
    value = c.non_negative(raw, path)
    if value is INVALID:
        return value
    if value > MAX_PERCENT:
        return c.add(path, N_("Must be a percentage from 0 to 100."))
    if -int(value.as_tuple().exponent) > PERCENT_PLACES:
        return c.add(
            path, N_("Must have at most %(places)s decimal places."), places=PERCENT_PLACES
        )
    return value


MAX_RANK = 100_000


def _rank(c: Checker, raw: Any, path: str) -> Any:
    """A rank or a count of places, 1 to MAX_RANK."""
    value = c.positive_whole(raw, path)
    if value is not INVALID and value > MAX_RANK:
        return c.add(path, N_("At most %(limit)s."), limit=MAX_RANK)
    return value


_TRIP_FIELDS = ("seats", "cost_per_seat", "travel_on", "pass_on_declined")
_AWARD_FIELDS = ("from_rank", "to_rank", "trip", "amount", "points", "partner_tiers")


def _award(c: Checker, raw: Any, path: str) -> Any:
    award = c.mapping(raw, path, _AWARD_FIELDS)
    if award is None:
        return INVALID
    first = c.field(award, path, "from_rank", _rank, REQUIRED)
    last = c.field(award, path, "to_rank", _rank, REQUIRED)
    tiers = c.field(award, path, "partner_tiers", Checker.codes, ())
    if INVALID not in (first, last) and last < first:
        last = c.add(
            join(path, "to_rank"), N_("Must not be below from_rank (%(value)s)."), value=first
        )
    prizes = [name for name in ("trip", "amount", "points") if award.get(name) is not None]
    if len(prizes) != 1:
        return c.add(path, N_("Give exactly one of trip, amount or points."))
    values: dict[str, Any] = {"kind": AwardKind(prizes[0])}
    if prizes[0] == "trip":
        trip = c.mapping(award["trip"], join(path, "trip"), _TRIP_FIELDS)
        if trip is None:
            return INVALID
        trip_path = join(path, "trip")
        values["seats"] = c.field(trip, trip_path, "seats", _rank, REQUIRED)
        values["cost_per_seat"] = c.field(
            trip, trip_path, "cost_per_seat", Checker.non_negative, REQUIRED
        )
        values["travel_on"] = c.field(trip, trip_path, "travel_on", Checker.day, None)
        values["pass_on_declined"] = c.field(
            trip, trip_path, "pass_on_declined", Checker.boolean, False
        )
    elif prizes[0] == "amount":
        values["amount"] = c.field(award, path, "amount", Checker.positive, REQUIRED)
    else:
        values["points"] = c.field(award, path, "points", Checker.positive_whole, REQUIRED)
    if INVALID in (first, last, tiers, *values.values()):
        return INVALID
    return Award(first, last, partner_tiers=tiers, **values)


def _awards(c: Checker, raw: Any, path: str) -> Any:
    if not isinstance(raw, list | tuple):
        return c.add(path, N_("Must be a list of awards."))
    awards = [_award(c, item, f"{path}[{index}]") for index, item in enumerate(raw)]
    return INVALID if INVALID in awards else tuple(awards)


def _qualify(c: Checker, raw: Any, path: str) -> Any:
    rule = c.mapping(raw, path, ("threshold", "top"))
    if rule is None:
        return INVALID
    threshold = c.field(rule, path, "threshold", Checker.positive, None)
    top = c.field(rule, path, "top", _rank, None)
    if threshold is None and top is None:
        return c.add(path, N_("Give a threshold, a top number of places, or both."))
    return INVALID if INVALID in (threshold, top) else (threshold, top)


def _contest(c: Checker, raw: Any, path: str) -> Any:
    rules = c.mapping(raw, path, ("measure", "qualify", "group_by", "awards", "board_public"))
    if rules is None:
        return INVALID
    measure = c.field(rules, path, "measure", _choice_of(list(ContestMeasure)), REQUIRED)
    qualify = c.field(rules, path, "qualify", _qualify, REQUIRED)
    group_by = c.field(rules, path, "group_by", _choice_of(list(GroupBy)), None)
    awards = c.field(rules, path, "awards", _awards, ())
    public = c.field(rules, path, "board_public", Checker.boolean, False)
    if INVALID in (measure, qualify, group_by, awards, public):
        return INVALID
    return ContestRules(
        measure=ContestMeasure(measure),
        threshold=qualify[0],
        top=qualify[1],
        group_by=None if group_by is None else GroupBy(group_by),
        awards=awards,
        board_public=public,
    )


# Every ProgramSpec field: how to parse it and its default (REQUIRED: no default).
FIELDS: dict[str, tuple[Parse, Any]] = {
    "code": (_code, REQUIRED),
    "name": (Checker.text, REQUIRED),
    "kind": (_choice_of(lambda: sorted(KINDS)), REQUIRED),
    "currency": (_currency, REQUIRED),
    "period": (_period, None),
    "eligible": (_eligible, Eligibility()),
    "measure": (_measure, Measure.REVENUE),
    "growth": (Checker.boolean, False),
    "payee": (_payee, Payee.PARTNER),
    "tiers": (_tiers, None),
    "cap": (Checker.positive, None),
    "points_per_unit": (Checker.positive, None),
    "expires_after_days": (Checker.positive_whole, None),
    "claim_required": (Checker.boolean, False),
    "claim_approval_threshold": (Checker.positive, None),
    "deal_protection_days": (Checker.positive_whole, None),
    "fund": (_code, None),
    "accrual_rate": (_percent, None),
    "contest": (_contest, None),
}
