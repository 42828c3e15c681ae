"""Contest programs in the pure engine: spec rules, ranking, qualification and gaps at their
boundaries (threshold, top N, both, groups, ties, growth)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from workflows.engine import (
    ContestMeasure,
    ContestRules,
    Entry,
    GroupBy,
    PayeeAggregate,
    SpecError,
    calculate_payee,
    parse_spec,
    reference_standings,
    spec_from_dict,
    spec_hash,
    spec_to_dict,
)
from workflows.engine.contest import awards_for, neighbours, order_key

SPEC = """
code: TRIP-2027
name: Lisbon trip
kind: contest
currency: EUR
period: {start: 2027-01-01, end: 2027-12-31}
eligible: {territories: [EMEA, AMER]}
contest:
  measure: growth
  qualify: {threshold: 50000, top: 20}
  group_by: territory
  board_public: true
  awards:
    - {from_rank: 1, to_rank: 20, trip: {seats: 1, cost_per_seat: "4800.00"}}
    - {from_rank: 1, to_rank: 20, partner_tiers: [platinum], trip: {seats: 1, cost_per_seat: 4800}}
    - {from_rank: 1, to_rank: 3, amount: 1000}
    - {from_rank: 1, to_rank: 1, points: 5000}
"""


def test_a_contest_spec_reads_and_writes_back_identically():
    spec = parse_spec(SPEC)
    rules = spec.contest
    assert rules.measure == ContestMeasure.GROWTH
    assert (rules.threshold, rules.top, rules.group_by) == (Decimal(50000), 20, GroupBy.TERRITORY)
    assert rules.board_public is True
    assert [a.kind for a in rules.awards] == ["trip", "trip", "amount", "points"]
    assert rules.awards[0].cost() == Decimal(4800)
    again = spec_from_dict(spec_to_dict(spec))
    assert again == spec and spec_hash(again) == spec_hash(spec)


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        ("qualify: {threshold: 50000, top: 20}", "contest.qualify", "Give a threshold"),
        ("top: 20}", "contest.qualify.top", "Must be greater than zero"),
        ("measure: growth", "contest.measure", "Unknown value"),
        ("from_rank: 1, to_rank: 3,", "contest.awards[2].to_rank", "Must not be below"),
        ("amount: 1000", "contest.awards[2]", "exactly one of"),
        ("group_by: territory", "contest.group_by", "needs eligible.territories"),
    ],
)
def test_bad_contest_rules_are_listed_at_their_field(change, path, message):
    replacements = {
        "qualify: {threshold: 50000, top: 20}": "qualify: {}",
        "top: 20}": "top: 0}",
        "measure: growth": "measure: smiles",
        "from_rank: 1, to_rank: 3,": "from_rank: 3, to_rank: 1,",
        "amount: 1000": "amount: 1000, points: 3",
        "group_by: territory": "group_by: territory\n",
    }
    text = SPEC.replace(change, replacements[change])
    if change == "group_by: territory":
        text = text.replace("eligible: {territories: [EMEA, AMER]}", "")
    with pytest.raises(SpecError) as caught:
        parse_spec(text)
    found = {p.path: p.render() for p in caught.value.problems}
    assert path in found and message in found[path], found


def test_contest_programs_refuse_fields_of_other_kinds():
    with pytest.raises(SpecError) as caught:
        parse_spec(SPEC + "cap: 100\ngrowth: true\n")
    assert {p.path for p in caught.value.problems} == {"cap", "growth"}
    with pytest.raises(SpecError) as caught:
        parse_spec(SPEC.split("contest:")[0])
    assert [p.path for p in caught.value.problems] == ["contest"]


def test_the_kind_measures_growth_and_earns_nothing_by_itself():
    spec = parse_spec(SPEC)
    result = calculate_payee(
        spec, PayeeAggregate("P1", Decimal("80000.50"), previous_measure=Decimal("100.50"))
    )
    assert result.measure == Decimal("79900.00")
    assert result.amount == Decimal("0.00")
    assert "Growth over the previous period" in result.explanation[1].render()
    declined = calculate_payee(spec, PayeeAggregate("P2", Decimal(5), previous_measure=Decimal(9)))
    assert declined.measure == Decimal(0)


def rules(**given) -> ContestRules:
    return ContestRules(measure=given.pop("measure", ContestMeasure.REVENUE), **given)


def e(code, measure, day=date(2027, 3, 1), group="", tier=None) -> Entry:
    return Entry(code, Decimal(measure), day, group, tier)


def table(standings):
    return [(s.code, s.rank, str(s.measure), s.qualified, str(s.gap)) for s in standings]


def test_threshold_only_qualifies_everyone_at_or_over_it():
    entries = [e("A", "100.00"), e("B", "99.99"), e("C", "150"), e("D", "0")]
    got = table(reference_standings(rules(threshold=Decimal(100)), "EUR", entries))
    assert got == [
        ("C", 1, "150", True, "0"),
        ("A", 2, "100.00", True, "0"),
        ("B", 3, "99.99", False, "0.01"),
        ("D", 4, "0", False, "100.00"),
    ]


def test_top_n_only_qualifies_the_first_n_and_the_gap_passes_rank_n_by_one_step():
    entries = [e("A", "300"), e("B", "200"), e("C", "200", date(2027, 3, 2)), e("D", "50.5")]
    got = table(reference_standings(rules(top=2), "EUR", entries))
    assert got == [
        ("A", 1, "300", True, "0"),
        ("B", 2, "200", True, "0"),
        ("C", 3, "200", False, "0.01"),  # equal but later: one cent more to pass B
        ("D", 4, "50.5", False, "149.51"),
    ]


def test_a_zero_or_negative_measure_never_qualifies_even_with_room_in_the_top():
    entries = [e("A", "10"), e("B", "0"), e("C", "-5")]
    got = table(reference_standings(rules(top=5), "JPY", entries))
    assert got == [("A", 1, "10", True, "0"), ("B", 2, "0", False, "1"), ("C", 3, "-5", False, "6")]


def test_both_rules_take_the_larger_gap():
    entries = [e("A", "500"), e("B", "120"), e("C", "80"), e("D", "40")]
    got = table(reference_standings(rules(threshold=Decimal(100), top=2), "EUR", entries))
    assert got == [
        ("A", 1, "500", True, "0"),
        ("B", 2, "120", True, "0"),
        ("C", 3, "80", False, "40.01"),  # passing B (120.01) is more than reaching 100
        ("D", 4, "40", False, "80.01"),
    ]
    # Top 3 among those over 100: only two are over it, so rank 3 still misses the threshold.
    got = table(reference_standings(rules(threshold=Decimal(100), top=3), "EUR", entries))
    assert got[2] == ("C", 3, "80", False, "20.00")


def test_groups_rank_separately_and_the_top_n_applies_in_each():
    entries = [
        e("A", "500", group="EMEA"),
        e("B", "400", group="EMEA"),
        e("C", "100", group="AMER"),
        e("D", "90", group="AMER"),
    ]
    standings = reference_standings(rules(top=1, group_by=GroupBy.TERRITORY), "EUR", entries)
    got = [(s.group, *row) for s, row in zip(standings, table(standings), strict=True)]
    assert got == [
        ("AMER", "C", 1, "100", True, "0"),
        ("AMER", "D", 2, "90", False, "10.01"),
        ("EMEA", "A", 1, "500", True, "0"),
        ("EMEA", "B", 2, "400", False, "100.01"),
    ]


def test_ties_go_to_the_earlier_day_then_the_partner_code_never_to_chance():
    entries = [
        e("ZED", "100", date(2027, 3, 1)),
        e("ABE", "100", date(2027, 3, 2)),
        e("MID", "100", date(2027, 3, 1)),
        e("NONE", "100", None),
    ]
    got = [s.code for s in reference_standings(rules(top=1), "EUR", entries)]
    assert got == ["MID", "ZED", "ABE", "NONE"]
    assert sorted(entries, key=order_key)[0].code == "MID"


def test_units_count_in_whole_steps():
    entries = [e("A", "12"), e("B", "10")]
    got = table(reference_standings(rules(measure=ContestMeasure.UNITS, top=1), "EUR", entries))
    assert got[1] == ("B", 2, "10", False, "3")


def test_awards_if_it_ended_now_and_the_neighbours_of_a_place():
    spec = parse_spec(SPEC)
    entries = [e("A", "90000", tier="platinum"), e("B", "60000", tier="gold"), e("C", "100")]
    standings = reference_standings(spec.contest, "EUR", entries)
    won = awards_for(spec.contest, standings[0])
    assert [(a.kind, a.seats, a.amount, a.points) for a in won] == [
        ("trip", 1, None, None),
        ("trip", 1, None, None),
        ("amount", None, Decimal(1000), None),
        ("points", None, None, 5000),
    ]
    assert [a.kind for a in awards_for(spec.contest, standings[1])] == ["trip", "amount"]
    assert awards_for(spec.contest, standings[2]) == []  # under the threshold
    above, own, below = neighbours(standings, "B")
    assert (above.code, own.rank, below.code) == ("A", 2, "C")
    assert neighbours(standings, "A")[0] is None


def test_a_gap_of_converted_revenue_is_rounded_up_to_a_whole_cent():
    entries = [e("A", "99.0000000001"), e("B", "250.1234567891")]
    got = table(reference_standings(rules(threshold=Decimal(100), top=1), "EUR", entries))
    assert got[1] == ("A", 2, "99.0000000001", False, "151.14")  # 151.1334567890 rounded up
    got = table(reference_standings(rules(threshold=Decimal(100)), "JPY", entries))
    assert got[1][4] == "1"  # 0.9999999999 yen more: one whole yen


def test_a_points_contest_measures_whole_points_and_steps_by_one_point():
    spec = parse_spec(SPEC.replace("measure: growth", "measure: points"))
    assert spec.contest.measure == ContestMeasure.POINTS and spec.contest.measure.whole
    assert spec.contest.step("EUR") == Decimal(1) and spec.contest.step("JPY") == Decimal(1)
    assert spec_from_dict(spec_to_dict(spec)) == spec
    result = calculate_payee(spec, PayeeAggregate("7", Decimal(1250)))
    assert (result.measure, result.amount) == (Decimal(1250), Decimal("0.00"))
    assert [(step.template[:30], step.params) for step in result.explanation] == [
        ("Loyalty points earned in the p", {"points": 1250}),
        ("Contest measure: %(points)s po", {"points": 1250}),
    ]
    with pytest.raises(ValueError, match="not whole"):
        calculate_payee(spec, PayeeAggregate("7", Decimal("0.5")))
    # The gap of a points contest is whole points: past the payee ranked N by one point.
    rules = ContestRules(measure=ContestMeasure.POINTS, top=1)
    standings = reference_standings(
        rules,
        "EUR",
        [Entry("A", Decimal(900), date(2027, 3, 1)), Entry("B", Decimal(400), date(2027, 2, 1))],
    )
    assert [(s.code, s.rank, s.gap) for s in standings] == [
        ("A", 1, Decimal(0)),
        ("B", 2, Decimal(501)),
    ]
