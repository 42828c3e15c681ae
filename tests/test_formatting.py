"""Numbers a reader sees: money, intermediates, rates, quantities and thresholds in English and
German, explanation sentences without raw decimals, and exact plain CSV cells."""

from __future__ import annotations

import re
from decimal import Decimal as D

import pytest
from flask_babel import force_locale

from portal import explain, formatting
from workflows.calc.compute import explanation_json
from workflows.engine import PayeeAggregate, calculate_payee
from workflows.engine.numbers import plain_decimal
from workflows.engine.spec import parse_spec

NBSP = "\xa0"
RAW_DIGITS = re.compile(r"\d[.,]\d{5,}|0000\b")


@pytest.fixture
def reader(app):
    """Format as a reader of `language` would see it."""
    contexts = []

    def read(language: str):
        ctx = app.test_request_context("/")
        ctx.push()
        contexts.append(ctx)
        locale = force_locale(language)
        locale.__enter__()
        contexts.append(locale)

    yield read
    for ctx in reversed(contexts):
        if hasattr(ctx, "pop"):
            ctx.pop()
        else:
            ctx.__exit__(None, None, None)


@pytest.mark.parametrize(
    ("language", "call", "expected"),
    [
        ("en", lambda: formatting.money(D("4118.508"), "EUR"), "€4,118.51"),
        ("de", lambda: formatting.money(D("4118.508"), "EUR"), f"4.118,51{NBSP}€"),
        ("en", lambda: formatting.money(D("2.675"), "USD"), "$2.68"),  # half-up, not even
        ("en", lambda: formatting.money(D("0.5"), "JPY"), "¥1"),
        ("en", lambda: formatting.money(D("100000"), "EUR", whole=True), "€100,000"),
        ("de", lambda: formatting.money(D("100000"), "EUR", whole=True), f"100.000{NBSP}€"),
        ("en", lambda: formatting.money(D("100000.5"), "EUR", whole=True), "€100,000.50"),
        ("en", lambda: formatting.money_precise(D("4118.508000000000"), "EUR"), "€4,118.508"),
        ("en", lambda: formatting.money_precise(D("1600.0000000000"), "EUR"), "€1,600.00"),
        ("en", lambda: formatting.money_precise(D("1.23456789"), "EUR"), "€1.2346"),
        (
            "en",
            lambda: formatting.money_with_rounding(D("4118.508"), "EUR"),
            "€4,118.51 (€4,118.508 before rounding)",
        ),
        ("en", lambda: formatting.money_with_rounding(D("1600.0000"), "EUR"), "€1,600.00"),
        ("en", lambda: formatting.percent(D("0.035")), "3.5%"),
        ("en", lambda: formatting.percent(D("0.02")), "2%"),
        ("de", lambda: formatting.percent(D("0.035")), f"3,5{NBSP}%"),
        ("en", lambda: formatting.rate(D("25"), "EUR", per_unit=True), "€25.00 per unit"),
        ("en", lambda: formatting.rate(D("0.125"), "EUR", per_unit=True), "€0.125 per unit"),
        ("en", lambda: formatting.rate(D("0.03"), "EUR"), "3%"),
        ("en", lambda: formatting.units(D("64.0000000000")), "64 units"),
        ("en", lambda: formatting.units(D("1")), "1 unit"),
        ("en", lambda: formatting.units(D("2.5000")), "2.5 units"),
        ("en", lambda: formatting.quantity(D("1234.0000")), "1,234"),
        ("de", lambda: formatting.quantity(D("1234.5000")), "1.234,5"),
        ("en", lambda: formatting.measure(D("455921.994"), "EUR"), "€455,921.99"),
        ("en", lambda: formatting.threshold(D("400000"), "EUR"), "€400,000"),
        ("en", lambda: formatting.threshold(D("10"), "EUR", per_unit=True), "10 units"),
        ("en", lambda: formatting.amount_number(D("205925.4000000000"), "EUR"), "205,925.40"),
        ("de", lambda: formatting.amount_number(D("205925.4"), "EUR"), "205.925,40"),
        ("en", lambda: formatting.amount_number(D("50000"), "EUR", whole=True), "50,000"),
        ("en", lambda: formatting.amount_number(D("1.5"), "KWD", precise=True), "1.500"),
    ],
)
def test_numbers_read_in_the_readers_locale(reader, language, call, expected):
    reader(language)
    assert call() == expected


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (D("205925.4000000000"), None, "205925.4"),
        (D("0.0350000000"), None, "0.035"),
        (D("100.0000000000"), None, "100"),
        (D("1E+3"), None, "1000"),
        (D("0E-10"), None, "0"),
        (D("4118.51"), 2, "4118.51"),
        (D("1600"), 2, "1600.00"),
        (D("1600.0000"), 2, "1600.00"),
        (D("1235"), 0, "1235"),
        (D("12.3456"), 2, "12.3456"),  # never rounds an exact value away
        (None, 2, ""),
    ],
)
def test_csv_cells_are_exact_plain_decimals(value, places, expected):
    assert plain_decimal(value, places) == expected


REBATE = """
code: R
name: Rebate
kind: rebate
currency: %(currency)s
period: 2026-Q4
payee: partner
measure: %(measure)s
growth: %(growth)s
tiers: {mode: %(mode)s, bands: [{from: 0, rate: %(low)s}, {from: 100000, rate: %(high)s}]}
%(cap)s
"""


def _steps(measure, currency="EUR", mode="retroactive", kind="revenue", **extra):
    fields = {
        "currency": currency,
        "measure": kind,
        "growth": "true" if "previous" in extra else "false",
        "mode": mode,
        "low": extra.get("low", "0.01"),
        "high": extra.get("high", "0.02"),
        "cap": f"cap: {extra['cap']}" if "cap" in extra else "",
    }
    spec = parse_spec(REBATE % fields)
    aggregate = PayeeAggregate("P", D(measure), previous_measure=extra.get("previous"))
    return explanation_json(calculate_payee(spec, aggregate).explanation)


CASES = {
    "retroactive": dict(measure="205925.4000000000"),
    "marginal": dict(measure="205925.4037000000", mode="marginal", high="0.035"),
    "capped": dict(measure="305925.4000000000", cap="5000"),
    "growth": dict(measure="250000.0000000000", previous=D("110000.5000000000")),
    "quantity": dict(measure="64.0000000000", kind="quantity", low="25", high="27.5"),
    "yen": dict(measure="20592540.0000000000", currency="JPY", high="0.0175"),
    "below": dict(measure="-120.0000000000"),
}


@pytest.mark.parametrize("language", ["en", "de", "fr"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_no_explanation_sentence_shows_raw_decimals(reader, language, case):
    params = dict(CASES[case])
    currency = params.get("currency", "EUR")
    reader(language)
    sentences = explain.sentences(_steps(**params), currency)
    assert sentences
    for sentence in sentences:
        assert not RAW_DIGITS.search(sentence), sentence
        assert "%(" not in sentence


def test_a_retroactive_rebate_reads_like_a_statement(reader):
    reader("en")
    sentences = explain.sentences(_steps(**CASES["retroactive"]), "EUR")
    assert sentences == [
        "Eligible revenue in the period: 205,925.40 EUR.",
        "Band from €100,000 reached; the whole measure earns its rate:"
        " €205,925.40 × 2% = €4,118.51 (€4,118.508 before rounding).",
        "Rounded half-up once to 2 decimal places: 4,118.51 EUR.",
    ]


def test_a_per_unit_spif_reads_in_units_and_money_per_unit(reader):
    reader("en")
    sentences = explain.sentences(_steps(**CASES["quantity"]), "EUR")
    assert sentences[0] == "Eligible quantity in the period: 64 units."
    assert "64 units × €25.00 per unit = €1,600.00" in sentences[1]


def test_the_cap_and_the_amount_before_it(reader):
    reader("en")
    sentences = explain.sentences(_steps(**CASES["capped"]), "EUR")
    assert "= €6,118.508." in sentences[1]  # the cap, not rounding, replaced it
    assert sentences[2] == "Capped at 5,000 EUR (calculated 6,118.508)."


def test_german_explanations_use_german_numbers(reader):
    reader("de")
    sentences = explain.sentences(_steps(**CASES["retroactive"]), "EUR")
    assert "205.925,40 EUR" in sentences[0]
    assert f"× 2{NBSP}% = 4.118,51{NBSP}€" in sentences[1]


CONTEST = """
code: C
name: Contest
kind: contest
currency: EUR
period: {start: 2027-01-01, end: 2027-12-31}
contest:
  measure: %(measure)s
  qualify: {threshold: 50000}
"""


def _contest_steps(measure, current, previous=None):
    spec = parse_spec(CONTEST % {"measure": measure})
    aggregate = PayeeAggregate("P", D(current), previous_measure=previous)
    return explanation_json(calculate_payee(spec, aggregate).explanation)


def test_a_revenue_contest_reads_every_amount_with_the_currency_code(reader):
    reader("en")
    sentences = explain.sentences(_contest_steps("revenue", "205925.4000000000"), "EUR")
    assert sentences == [
        "Eligible revenue in the period: 205,925.40 EUR.",
        "Contest measure: 205,925.40 EUR; the standings rank it against the others.",
    ]


def test_a_growth_contest_reads_every_amount_with_the_currency_code(reader):
    reader("de")
    steps = _contest_steps("growth", "250000.0000000000", D("110000.5000000000"))
    sentences = explain.sentences(steps, "EUR")
    assert "€" not in "".join(sentences)
    assert "250.000,00 EUR - 110.000,50 EUR" in sentences[1]
    assert sentences[-1].startswith("Wettbewerbswert: 139.999,50 EUR;")


def test_a_rebate_keeps_the_currency_sign_in_its_tier_step(reader):
    reader("en")
    sentences = explain.sentences(_steps(**CASES["growth"]), "EUR")
    assert "€250,000.00 - €110,000.50" in sentences[1]
