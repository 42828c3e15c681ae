"""A trip award may say when the trip sets out and whether declined seats pass on."""

from __future__ import annotations

from datetime import date

import pytest

from workflows.engine import SpecError, parse_spec, spec_from_dict, spec_hash, spec_to_dict

SPEC = """
code: ALPS
name: Alpine retreat
kind: contest
currency: EUR
period: {start: 2026-01-01, end: 2026-03-31}
contest:
  measure: revenue
  qualify: {top: 3}
  awards:
    - from_rank: 1
      to_rank: 3
      trip: {seats: 2, cost_per_seat: 4800, travel_on: 2026-06-10, pass_on_declined: true}
"""


def problems(text: str) -> dict[str, str]:
    with pytest.raises(SpecError) as caught:
        parse_spec(text)
    return {p.path: p.render() for p in caught.value.problems}


def test_the_trip_date_and_pass_on_read_and_write_back_identically():
    spec = parse_spec(SPEC)
    (award,) = spec.contest.awards
    assert (award.travel_on, award.pass_on_declined) == (date(2026, 6, 10), True)
    stored = spec_to_dict(spec)
    assert stored["contest"]["awards"][0]["trip"] == {
        "seats": 2,
        "cost_per_seat": "4800",
        "travel_on": "2026-06-10",
        "pass_on_declined": True,
    }
    again = spec_from_dict(stored)
    assert again == spec and spec_hash(again) == spec_hash(spec)


def test_a_trip_without_them_keeps_its_stored_form_and_hash():
    spec = parse_spec(SPEC.replace(", travel_on: 2026-06-10, pass_on_declined: true", ""))
    (award,) = spec.contest.awards
    assert (award.travel_on, award.pass_on_declined) == (None, False)
    assert spec_to_dict(spec)["contest"]["awards"][0]["trip"] == {
        "seats": 2,
        "cost_per_seat": "4800",
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("travel_on: 2026-03-31", "The trip must set out after the contest ends (2026-03-31)."),
        ("travel_on: 2025-12-24", "The trip must set out after the contest ends (2026-03-31)."),
        ("travel_on: 2026-02-30", "2026-02-30"),
        ("travel_on: soon", "YYYY-MM-DD"),
        ("pass_on_declined: maybe", "Must be true or false."),
        ("pass_on_declined: 1", "Must be true or false."),
    ],
)
def test_bad_trip_dates_and_flags_are_listed_at_their_field(change, message):
    name = change.split(":")[0]
    text = SPEC.replace(
        "travel_on: 2026-06-10" if name == "travel_on" else "pass_on_declined: true", change
    )
    found = problems(text)
    path = f"contest.awards[0].trip.{name}"
    assert path in found and message in found[path], found


def test_an_unknown_trip_field_is_named():
    found = problems(SPEC.replace("seats: 2,", "seats: 2, hotel: Ritz,"))
    assert found == {"contest.awards[0].trip.hotel": "Unknown field."}
