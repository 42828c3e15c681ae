"""Program specs: exact numbers, every problem reported at once, canonical form and hash."""

import dataclasses
import json
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from tests.engine.builders import BASE_LOYALTY, D, bands, make_spec, spec_data
from workflows.engine import (
    Band,
    KnownCodes,
    Measure,
    Mode,
    Payee,
    Period,
    ProgramSpec,
    SpecError,
    canonical_json,
    parse_spec,
    spec_from_dict,
    spec_hash,
    spec_to_dict,
    validate_references,
)
from workflows.engine.spec_checks import FIELDS

PRODUCT_EXAMPLE = """\
code: EMEA-VOL-Q3
name: EMEA volume rebate
kind: rebate                 # rebate | spif | loyalty
currency: USD
period: {start: 2026-07-01, end: 2026-09-30}
eligible: {territories: [EMEA], partner_tiers: [gold, platinum], categories: [NET],
           registered_deals_only: false}
measure: revenue             # revenue | quantity
growth: false
payee: partner_group         # partner | partner_group
tiers: {mode: retroactive, bands: [{from: 0, rate: 0}, {from: 100000, rate: 0.02},
        {from: 250000, rate: 0.035}]}
cap: 50000
"""


def problems_of(data=None, *, text=None, known=None):
    with pytest.raises(SpecError) as caught:
        if text is not None:
            parse_spec(text, known=known)
        else:
            spec_from_dict(data, known=known)
    return [(p.path, p.render()) for p in caught.value.problems]


def test_product_example_parses_exactly():
    spec = parse_spec(PRODUCT_EXAMPLE)
    assert spec.code == "EMEA-VOL-Q3"
    assert spec.kind == "rebate"
    assert spec.period == Period(date(2026, 7, 1), date(2026, 9, 30))
    assert spec.eligible.territories == ("EMEA",)
    assert spec.eligible.partner_tiers == ("gold", "platinum")
    assert spec.payee is Payee.PARTNER_GROUP
    assert spec.measure is Measure.REVENUE
    assert spec.tiers is not None and spec.tiers.mode is Mode.RETROACTIVE
    assert spec.tiers.bands[2] == Band(Decimal("250000"), Decimal("0.035"))
    assert spec.cap == Decimal("50000")


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        pytest.param("0.035", "0.035", id="rate-0.035"),
        pytest.param("0.1", "0.1", id="rate-0.1"),
        pytest.param("0.0350", "0.035", id="trailing-zero-canonical"),
        pytest.param("1_000.5", "1000.5", id="yaml-underscore"),
        pytest.param(
            "12345678901234.1234567890123456789",
            "12345678901234.1234567890123456789",
            id="beyond-float-precision",
        ),
        pytest.param('"0.035"', "0.035", id="quoted-number"),
        pytest.param("010", "10", id="leading-zero-is-decimal-not-octal"),
    ],
)
def test_yaml_numbers_are_exact_decimals(written, expected):
    spec = parse_spec(PRODUCT_EXAMPLE.replace("rate: 0.035", f"rate: {written}"))
    rate = spec.tiers.bands[2].rate
    assert isinstance(rate, Decimal)
    assert str(rate) == expected


def test_json_numbers_are_exact_and_equal_to_yaml():
    stored = canonical_json(parse_spec(PRODUCT_EXAMPLE))
    text = stored.replace('"from":"250000"', '"from":2.5e5').replace('"0.035"', "0.035")
    assert '"rate":0.035' in text and '"from":2.5e5' in text
    spec = parse_spec(text)
    assert spec.tiers.bands[2] == Band(Decimal("250000"), Decimal("0.035"))
    assert str(spec.tiers.bands[2].rate) == "0.035"
    assert spec_hash(spec) == spec_hash(parse_spec(PRODUCT_EXAMPLE))


def test_canonical_dict_round_trips_and_hash_ignores_spelling():
    for spec in (
        parse_spec(PRODUCT_EXAMPLE),
        make_spec(BASE_LOYALTY),
        make_spec(
            kind="spif", measure="quantity", claim_required=True, claim_approval_threshold="500"
        ),
    ):
        stored = json.loads(canonical_json(spec))
        assert spec_from_dict(stored) == spec
        assert spec_hash(spec_from_dict(stored)) == spec_hash(spec)
    respelled = PRODUCT_EXAMPLE.replace("cap: 50000", "cap: 5.0E+4").replace(
        "[EMEA]", "[EMEA, EMEA]"
    )
    assert spec_hash(parse_spec(respelled)) == spec_hash(parse_spec(PRODUCT_EXAMPLE))
    changed = PRODUCT_EXAMPLE.replace("rate: 0.035", "rate: 0.036")
    assert spec_hash(parse_spec(changed)) != spec_hash(parse_spec(PRODUCT_EXAMPLE))


def test_deal_protection_problems_are_listed_together():
    with pytest.raises(SpecError) as raised:
        make_spec(deal_protection_days=1000)
    assert {(p.path, p.render()) for p in raised.value.problems} == {
        ("deal_protection_days", "At most 730 days."),
        ("deal_protection_days", "Only used when eligible.registered_deals_only is true."),
    }


def test_deal_protection_days_is_stored_only_when_set():
    """Versions stored before the field existed keep their canonical form and hash."""
    without = parse_spec(PRODUCT_EXAMPLE)
    assert without.deal_protection_days is None
    assert "deal_protection_days" not in spec_to_dict(without)
    protected = make_spec(eligible={"registered_deals_only": True}, deal_protection_days="730")
    assert protected.deal_protection_days == 730
    stored = json.loads(canonical_json(protected))
    assert stored["deal_protection_days"] == 730
    assert spec_from_dict(stored) == protected
    assert spec_hash(protected) != spec_hash(replace(protected, deal_protection_days=None))


def test_every_spec_field_has_a_parser():
    assert set(FIELDS) == {f.name for f in dataclasses.fields(ProgramSpec)}


def test_all_problems_reported_together():
    data = spec_data(
        kind="bonus",
        colour="red",
        tiers=bands("retroactive", ("0", "0"), ("250000", "0.035"), ("100000", "0.02")),
    )
    assert problems_of(data) == [
        ("colour", "Unknown field."),
        ("kind", "Unknown value bonus; expected one of contest, coop, loyalty, rebate, spif."),
        ("tiers.bands[2].from", "Bands must ascend by 'from': 100000 comes after 250000."),
    ]


BAD = [
    ("missing-code", {"code": None}, "code", "This field is required."),
    ("code-with-space", {"code": "EMEA VOL"}, "code", "Use 1 to 64 letters"),
    ("empty-name", {"name": "  "}, "name", "Must be non-empty text."),
    ("unknown-kind", {"kind": "bonus"}, "kind", "Unknown value bonus"),
    ("unknown-measure", {"measure": "volume"}, "measure", "expected one of revenue, quantity"),
    ("unknown-payee", {"payee": "group"}, "payee", "expected one of partner, partner_group"),
    ("unknown-mode", {"tiers": bands("stepped", ("0", "0.1"))}, "tiers.mode", "Unknown value"),
    ("unknown-currency", {"currency": "XXX"}, "currency", "Unknown currency code XXX."),
    ("lowercase-currency", {"currency": "usd"}, "currency", "Unknown currency code usd."),
    ("bitcoin", {"currency": "BTC"}, "currency", "Unknown currency code BTC."),
    ("test-currency", {"currency": "XTS"}, "currency", "Unknown currency code XTS."),
    ("gold", {"currency": "XAU"}, "currency", "Unknown currency code XAU."),
    ("currency-not-text", {"currency": 840}, "currency", "Must be non-empty text."),
    ("cap-zero", {"cap": 0}, "cap", "Must be greater than zero."),
    ("cap-negative", {"cap": "-5"}, "cap", "Must be greater than zero."),
    ("cap-not-number", {"cap": "lots"}, "cap", "Must be a number."),
    ("cap-nan", {"cap": "NaN"}, "cap", "Must be a number."),
    ("cap-float", {"cap": 0.1}, "cap", "not a binary float"),
    ("growth-not-bool", {"growth": "yes"}, "growth", "Must be true or false."),
    ("unknown-nested", {"eligible": {"regions": ["EMEA"]}}, "eligible.regions", "Unknown field."),
    (
        "codes-not-list",
        {"eligible": {"territories": "EMEA"}},
        "eligible.territories",
        "Must be a list of codes.",
    ),
    ("empty-code", {"eligible": {"skus": ["A-1", ""]}}, "eligible.skus[1]", "non-empty code"),
    (
        "deals-only-not-bool",
        {"eligible": {"registered_deals_only": "no"}},
        "eligible.registered_deals_only",
        "Must be true or false.",
    ),
    ("tiers-not-mapping", {"tiers": [1, 2]}, "tiers", "Must be a mapping of fields."),
    ("bands-missing", {"tiers": {"mode": "marginal"}}, "tiers.bands", "This field is required."),
    ("bands-empty", {"tiers": bands("marginal")}, "tiers.bands", "At least one band is required."),
    (
        "bands-unsorted",
        {"tiers": bands("marginal", ("100", "0.1"), ("50", "0.2"))},
        "tiers.bands[1].from",
        "Bands must ascend by 'from': 50 comes after 100.",
    ),
    (
        "bands-duplicate-from",
        {"tiers": bands("marginal", ("0", "0.1"), ("0", "0.2"))},
        "tiers.bands[1].from",
        "Overlaps an earlier band that also starts at 0.",
    ),
    (
        "band-negative-from",
        {"tiers": bands("marginal", ("-1", "0.1"))},
        "tiers.bands[0].from",
        "Must not be negative.",
    ),
    (
        "band-negative-rate",
        {"tiers": bands("marginal", ("0", "-0.1"))},
        "tiers.bands[0].rate",
        "Must not be negative.",
    ),
    (
        "band-missing-rate",
        {"tiers": {"mode": "marginal", "bands": [{"from": "0"}]}},
        "tiers.bands[0].rate",
        "This field is required.",
    ),
    (
        "band-unknown-field",
        {"tiers": {"mode": "marginal", "bands": [{"from": 0, "rat": 1}]}},
        "tiers.bands[0].rat",
        "Unknown field.",
    ),
    (
        "band-not-mapping",
        {"tiers": {"mode": "marginal", "bands": [5]}},
        "tiers.bands[0]",
        "Must be a mapping of fields.",
    ),
    (
        "period-end-before-start",
        {"period": {"start": "2026-09-30", "end": "2026-07-01"}},
        "period",
        "The period ends on 2026-07-01, before it starts on 2026-09-30.",
    ),
    (
        "period-bad-date",
        {"period": {"start": "2026-02-30", "end": "2026-03-31"}},
        "period.start",
        "2026-02-30 is not a valid calendar date.",
    ),
    ("period-missing-end", {"period": {"start": "2026-07-01"}}, "period.end", "required"),
    ("period-bad-label", {"period": "2026-Q5"}, "period", "quarters are Q1 to Q4"),
    ("rebate-without-tiers", {"tiers": None}, "tiers", "Required for rebate programs."),
    (
        "rebate-with-points",
        {"points_per_unit": 1},
        "points_per_unit",
        "Not used by rebate programs.",
    ),
    (
        "rebate-with-claims",
        {"claim_required": True},
        "claim_required",
        "Must be false for rebate programs.",
    ),
    (
        "spif-threshold-without-claims",
        {"kind": "spif", "claim_approval_threshold": 100},
        "claim_approval_threshold",
        "Only used when claim_required is true.",
    ),
    (
        "expiry-fraction",
        {"expires_after_days": "1.5"},
        "expires_after_days",
        "Must be a whole number.",
    ),
    (
        "protection-without-registered-deals",
        {"deal_protection_days": 120},
        "deal_protection_days",
        "Only used when eligible.registered_deals_only is true.",
    ),
    (
        "protection-over-two-years",
        {"deal_protection_days": 731, "eligible": {"registered_deals_only": True}},
        "deal_protection_days",
        "At most 730 days.",
    ),
    (
        "protection-zero",
        {"deal_protection_days": 0, "eligible": {"registered_deals_only": True}},
        "deal_protection_days",
        "Must be greater than zero.",
    ),
    (
        "protection-fraction",
        {"deal_protection_days": "90.5", "eligible": {"registered_deals_only": True}},
        "deal_protection_days",
        "Must be a whole number.",
    ),
]


@pytest.mark.parametrize(
    ("changes", "path", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD]
)
def test_each_problem_has_path_and_message(changes, path, message):
    data = spec_data(**{k: v for k, v in changes.items() if v is not None})
    for name in [k for k, v in changes.items() if v is None]:
        data.pop(name)
    found = problems_of(data)
    assert any(p == path and message in m for p, m in found), found


LOYALTY_BAD = [
    (
        "no-points-per-unit",
        {"points_per_unit": None},
        "points_per_unit",
        "Required for loyalty programs.",
    ),
    (
        "no-expiry",
        {"expires_after_days": None},
        "expires_after_days",
        "Required for loyalty programs.",
    ),
    ("zero-points", {"points_per_unit": "0"}, "points_per_unit", "Must be greater than zero."),
    ("zero-expiry", {"expires_after_days": 0}, "expires_after_days", "Must be greater than zero."),
    (
        "with-tiers",
        {"tiers": bands("retroactive", ("0", "1"))},
        "tiers",
        "Not used by loyalty programs.",
    ),
    ("with-cap", {"cap": "10"}, "cap", "Not used by loyalty programs."),
    ("with-growth", {"growth": True}, "growth", "Must be false for loyalty programs."),
    (
        "quantity-measure",
        {"measure": "quantity"},
        "measure",
        "Must be revenue for loyalty programs.",
    ),
]


@pytest.mark.parametrize(
    ("changes", "path", "message"), [b[1:] for b in LOYALTY_BAD], ids=[b[0] for b in LOYALTY_BAD]
)
def test_loyalty_rules(changes, path, message):
    data = spec_data(BASE_LOYALTY)
    for name, value in changes.items():
        if value is None:
            data.pop(name)
        else:
            data[name] = value
    assert (path, message) in problems_of(data)


@pytest.mark.parametrize(
    ("text", "path", "message"),
    [
        pytest.param("- just\n- a list\n", "", "Must be a mapping of fields.", id="not-a-mapping"),
        pytest.param("", "", "Must be a mapping of fields.", id="empty"),
        pytest.param("code: [unclosed\n", "", "The spec is not valid YAML", id="yaml-syntax"),
        pytest.param("code: A\ncode: B\n", "", "found duplicate key 'code'", id="yaml-duplicate"),
        pytest.param(
            '{"code": "A", "code": "B"}', "", "The spec is not valid JSON", id="json-duplicate"
        ),
        pytest.param('{"code": "A"', "", "The spec is not valid JSON", id="json-syntax"),
    ],
)
def test_unreadable_documents(text, path, message):
    found = problems_of(text=text)
    assert len(found) == 1
    assert found[0][0] == path and message in found[0][1], found


@pytest.mark.parametrize(
    ("replacement", "path", "message"),
    [
        pytest.param("cap: .inf", "cap", "Must be a number.", id="yaml-infinity"),
        pytest.param("cap: .nan", "cap", "Must be a number.", id="yaml-nan"),
        pytest.param("cap: 1:30", "cap", "Must be a number.", id="yaml-sexagesimal"),
        pytest.param("cap: 0x1F", "cap", "Must be a number.", id="yaml-hex"),
    ],
)
def test_yaml_number_surprises_are_rejected(replacement, path, message):
    assert (path, message) in problems_of(text=PRODUCT_EXAMPLE.replace("cap: 50000", replacement))


def test_flow_mapping_that_is_not_json_is_read_as_yaml():
    flow = (
        "{code: A-1, name: Flow, kind: spif, currency: EUR,"
        " tiers: {mode: marginal, bands: [{from: 0, rate: 0.5}]}}"
    )
    assert parse_spec(flow).tiers.bands[0].rate == Decimal("0.5")


def test_json_nan_is_rejected_not_a_float():
    data = spec_to_dict(parse_spec(PRODUCT_EXAMPLE))
    text = json.dumps(data).replace('"cap": "50000"', '"cap": NaN')
    assert ("cap", "Must be a number.") in problems_of(text=text)


def test_yaml_norway_and_yes_stay_codes():
    text = PRODUCT_EXAMPLE.replace("territories: [EMEA]", "territories: [NO, ON, 2040]")
    assert parse_spec(text).eligible.territories == ("2040", "NO", "ON")


def test_period_may_be_a_label_and_dates_may_be_quoted():
    labelled = parse_spec(
        PRODUCT_EXAMPLE.replace("period: {start: 2026-07-01, end: 2026-09-30}", "period: 2026-Q3")
    )
    quoted = parse_spec(
        PRODUCT_EXAMPLE.replace(
            "{start: 2026-07-01, end: 2026-09-30}", "{start: '2026-07-01', end: '2026-09-30'}"
        )
    )
    assert labelled == quoted == parse_spec(PRODUCT_EXAMPLE)


def test_defaults_for_optional_fields():
    spec = make_spec(period=None, measure=None, payee=None)
    assert spec.period is None
    assert spec.measure is Measure.REVENUE
    assert spec.payee is Payee.PARTNER
    assert spec.growth is False
    assert spec.cap is None
    assert spec.eligible.territories == ()


KNOWN = KnownCodes(
    territories={"EMEA", "DACH"},
    partner_tiers={"gold", "platinum"},
    categories={"NET"},
    skus={"SKU-1"},
)


def test_validate_references_lists_every_unknown_code():
    spec = make_spec(
        eligible={
            "territories": ["EMEA", "MARS"],
            "partner_tiers": ["gold", "tin"],
            "categories": ["NET", "FOOD"],
            "skus": ["SKU-1", "SKU-9"],
        }
    )
    assert [(p.path, p.render()) for p in validate_references(spec, KNOWN)] == [
        ("eligible.territories", "Unknown territory code MARS."),
        ("eligible.partner_tiers", "Unknown partner tier tin."),
        ("eligible.categories", "Unknown product category code FOOD."),
        ("eligible.skus", "Unknown SKU SKU-9."),
    ]
    assert validate_references(parse_spec(PRODUCT_EXAMPLE), KNOWN) == []


def test_reference_problems_join_structural_ones():
    text = PRODUCT_EXAMPLE.replace("[EMEA]", "[ATLANTIS]").replace("cap: 50000", "cap: -1")
    assert problems_of(text=text, known=KNOWN) == [
        ("cap", "Must be greater than zero."),
        ("eligible.territories", "Unknown territory code ATLANTIS."),
    ]


def test_problems_render_through_gettext():
    with pytest.raises(SpecError) as caught:
        spec_from_dict(spec_data(currency="XXX"))
    (problem,) = caught.value.problems
    german = {"Unknown currency code %(value)s.": "Unbekannter Währungscode %(value)s."}
    assert problem.render(lambda s: german.get(s, s)) == "Unbekannter Währungscode XXX."
    assert problem.params == {"value": "XXX"}
    assert "currency: Unknown currency code XXX." in str(caught.value)


def test_spec_is_immutable():
    spec = parse_spec(PRODUCT_EXAMPLE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.cap = D("1")  # type: ignore[misc]
