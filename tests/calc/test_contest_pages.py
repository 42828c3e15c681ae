"""The contest pages and the partner dashboard's contest card, as each role reads them: a
contest running today, ranked twice (so the board shows movement)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from portal.contests.board import DOWN, NEW, NONE, SAME, UP, Movement, movement
from portal.contests.queries import visible_contests
from portal.models import Program
from tests.calc.conftest import execute_inline, load_program
from tests.calc.test_scenarios import EMEA_VOLUME
from workflows.calc import runs
from workflows.engine import Period

CONTEST = """
code: CUP-NOW
name: Winter cup
kind: contest
currency: EUR
period: {start: START, end: END}
eligible: {territories: [DACH, FR], categories: [HW]}
contest:
  measure: revenue
  qualify: {top: 2}
  board_public: PUBLIC
  awards:
    - {from_rank: 1, to_rank: 1, trip: {seats: 2, cost_per_seat: 4800}}
    - {from_rank: 1, to_rank: 2, amount: 250}
    - {from_rank: 1, to_rank: 2, points: 100}
"""


@dataclass
class Cup:
    program: Program
    start: date
    end: date
    first_run_day: date


def build_cup(session, make, scenario, public=False) -> Cup:
    """A contest running today (ends in 20 days), ranked 10 days after it began and today."""
    today = date.today()
    start, end = today - timedelta(days=40), today + timedelta(days=20)
    s = scenario
    # As of the first ranking: BRANCH-2 (FR) 500, GOLDIE (DACH) 300; BRANCH-1 has sold nothing.
    make.sale(s.branch_2, s.switch, "500", sold_on=start + timedelta(days=2))
    make.sale(s.goldie, s.switch, "300", sold_on=start + timedelta(days=3))
    # Since: BRANCH-1 (DE-S) 1,000 and GOLDIE 900 more, so today GOLDIE 1,200 > BRANCH-1 > BRANCH-2.
    make.sale(s.branch_1, s.switch, "1000", sold_on=start + timedelta(days=15))
    make.sale(s.goldie, s.switch, "900", sold_on=start + timedelta(days=20))
    text = CONTEST.replace("START", start.isoformat()).replace("END", end.isoformat())
    program = load_program(text.replace("PUBLIC", "true" if public else "false"), s.finance)
    first = start + timedelta(days=10)
    for day in (first, today):
        run = runs.start_run(program, Period(start, day), actor=s.finance, on=day)
        assert execute_inline(run.id).status == "done"
    session.commit()
    return Cup(program, start, end, first)


@pytest.fixture
def cup(db, make, scenario) -> Cup:
    return build_cup(db.session, make, scenario)


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _row(html: str, code: str) -> str:
    return html.split(f'data-partner="{code}"')[1].split("</tr>")[0]


def test_a_partner_reads_its_rank_gap_and_neighbours_without_their_names(
    db, make, login, scenario, cup
):
    reader = make.user("partner_user", partner=scenario.branch_2)
    db.session.commit()
    client = login(reader)
    listing = _text(client.get("/contests"))
    assert "Winter cup" in listing and 'data-field="rank">3<' in listing
    html = _text(client.get(f"/contests/{cup.program.id}"))
    assert 'data-field="rank">3<' in html
    assert "500.00 EUR" in html  # its measure
    end = f"{cup.end.strftime('%b')} {cup.end.day}, {cup.end.year}"  # the medium date
    assert f"Sell 500.01 EUR more by {end} to reach rank 2 as of today." in html
    assert "21 days left" in html  # today and the twenty days after it
    above = html.split('data-neighbour="above"')[1].split("</tr>")[0]
    assert "<td>2</td>" in above and "1,000.00 EUR" in above
    assert "Partner above you" in above
    assert 'data-neighbour="below"' not in html  # the last of the board
    for other in ("BRANCH-1", "GOLDIE"):
        assert other not in html  # neither codes nor names ("BRANCH-1 Ltd")
    assert "Equal measures: the partner that reached its measure on the earlier day" in html
    assert "Nothing yet: only qualified partners win an award." in html
    assert 'id="explanation"' in html and "Contest measure:" in html
    chart = html.split("data-chart='")[1].split("'")[0]
    assert '"rank": [1, 3]' in chart and cup.first_run_day.isoformat() in chart
    assert "contest-chart" in html and "chart.umd.js" in html


def test_a_public_board_names_the_neighbours(db, make, login, scenario):
    cup = build_cup(db.session, make, scenario, public=True)
    reader = make.user("partner_user", partner=scenario.branch_2)
    db.session.commit()
    html = _text(login(reader).get(f"/contests/{cup.program.id}"))
    above = html.split('data-neighbour="above"')[1].split("</tr>")[0]
    assert "BRANCH-1" in above and "GOLDIE" not in html


def test_the_partner_dashboard_card_shows_rank_gap_days_and_award(db, make, login, scenario, cup):
    leader = make.user("partner_user", partner=scenario.goldie)
    db.session.commit()
    html = _text(login(leader).get("/dashboard"))
    card = html.split('data-contest="CUP-NOW"')[1].split('id="contest-cards"')[0]
    assert 'data-field="rank">1' in card and "qualified" in card
    assert "1,200.00 EUR" in card
    assert "21 days left" in card
    assert "Qualified at rank 1 as of today." in card
    assert "Ranks 1 to 1: 2 trip seats at 4,800 EUR each." in card
    assert f'href="/contests/{cup.program.id}"' in card


def test_a_partner_outside_the_contest_gets_a_404_and_an_empty_list(db, make, login, scenario, cup):
    # Sold nothing eligible, and today in the US: outside the contest's territories.
    outsider = make.user("partner_user", partner=scenario.mover)
    db.session.commit()
    client = login(outsider)
    assert client.get(f"/contests/{cup.program.id}").status_code == 404
    listing = _text(client.get("/contests"))
    assert "Winter cup" not in listing and "takes part in no contest yet" in listing
    assert 'id="contest-cards"' not in _text(client.get("/dashboard"))


@pytest.mark.parametrize("path", ["/contests/999999", "/contests/0", "/contests/2147483648"])
def test_guessed_ids_are_404(db, login, scenario, cup, path):
    assert login(scenario.finance).get(path).status_code == 404


def test_a_program_that_is_not_a_contest_is_404(db, login, scenario, cup):
    program = load_program(EMEA_VOLUME, scenario.finance)
    db.session.commit()
    assert login(scenario.finance).get(f"/contests/{program.id}").status_code == 404


def test_a_manager_sees_only_the_partners_of_their_territories_with_movement(
    db, make, login, scenario, cup
):
    manager = make.user("channel_manager", territories=[scenario.t["DACH"]])
    db.session.commit()
    client = login(manager)
    assert "Winter cup" in _text(client.get("/contests"))
    html = _text(client.get(f"/contests/{cup.program.id}"))
    assert "GOLDIE Ltd" in html and "BRANCH-1 Ltd" in html
    assert "BRANCH-2" not in html  # France is not theirs
    goldie, branch_1 = _row(html, "GOLDIE"), _row(html, "BRANCH-1")
    assert 'data-movement="up"' in goldie and "▲1" in goldie and "up 1 place" in goldie
    assert 'data-movement="new"' in branch_1
    assert 'data-field="gap">—' in goldie
    assert 'id="projected-cost"' not in html  # the cost is finance's
    assert "Equal measures: the partner that reached its measure on the earlier day" in html


def test_a_manager_of_no_contest_territory_sees_no_contest(db, make, login, scenario, cup):
    manager = make.user("channel_manager", territories=[scenario.t["US"]])
    db.session.commit()
    client = login(manager)
    assert "No contest covers your territories yet." in _text(client.get("/contests"))
    assert client.get(f"/contests/{cup.program.id}").status_code == 404


def test_finance_sees_the_whole_board_and_the_projected_cost(db, login, scenario, cup):
    html = _text(login(scenario.finance).get(f"/contests/{cup.program.id}"))
    branch_2 = _row(html, "BRANCH-2")
    assert 'data-movement="down"' in branch_2 and "▼2" in branch_2 and "down 2 places" in branch_2
    assert 'data-field="gap">500.01 EUR' in branch_2
    cost = html.split('id="projected-cost"')[1].split("</section>")[0]
    trip = cost.split('data-award="trip"')[1].split("</tr>")[0]
    assert "€9,600.00" in trip and "2 seats" in trip  # rank 1: two seats at 4,800
    amount = cost.split('data-award="amount"')[1].split("</tr>")[0]
    assert "€500.00" in amount  # ranks 1 and 2: 250 each
    points = cost.split('data-award="points"')[1].split("</tr>")[0]
    assert "200 points" in points and "€" not in points  # points are not money
    assert "€10,100.00" in cost.split('id="cost-total"')[1]


def test_the_list_shows_state_dates_and_days_left_per_role(db, make, login, scenario, cup):
    html = _text(login(scenario.finance).get("/contests"))
    row = html.split('data-contest="CUP-NOW"')[1].split("</tr>")[0]
    assert "open" in row and "21 days left" in row
    assert "Your rank" not in html


def test_an_administrator_sees_every_contest_and_board_but_not_the_cost(
    db, make, login, scenario, cup
):
    client = login(make.user("admin"))
    listing = _text(client.get("/contests"))
    assert 'href="/contests"' in listing and "Winter cup" in listing  # linked from the nav
    html = _text(client.get(f"/contests/{cup.program.id}"))
    assert all(f'data-partner="{code}"' in html for code in ("GOLDIE", "BRANCH-1", "BRANCH-2"))
    assert 'id="projected-cost"' not in html


def test_empty_states_say_what_comes_next(db, make, login, scenario):
    assert "program editor" in _text(login(scenario.finance).get("/contests"))


def test_an_applicant_may_not_open_contests(db, make, login, cup):
    applicant = make.user("applicant")
    db.session.commit()
    client = login(applicant)
    for path in ("/contests", f"/contests/{cup.program.id}"):
        response = client.get(path)
        assert response.status_code in (302, 403)  # sent to the application, or refused
        assert "Winter cup" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("rank", "before", "had_previous", "expected"),
    [
        (1, 3, True, Movement(UP, 2)),
        (4, 1, True, Movement(DOWN, 3)),
        (2, 2, True, Movement(SAME)),
        (2, None, True, Movement(NEW)),
        (2, None, False, Movement(NONE)),
    ],
)
def test_movement_compares_with_the_rank_in_the_previous_run(rank, before, had_previous, expected):
    assert movement(rank, before, had_previous) == expected


def test_days_left_count_today_and_end_at_zero(db, make, scenario, cup):
    (contest,) = visible_contests(scenario.finance, cup.program.id)
    assert contest.days_left(cup.end) == 1  # the last day still counts
    assert contest.days_left(cup.end - timedelta(days=1)) == 2
    assert contest.days_left(cup.end + timedelta(days=1)) == 0
    assert contest.status(cup.end) == "open" and contest.status(cup.end + timedelta(days=1)) == (
        "ended"
    )


@pytest.fixture
def page_cache(app):
    app.config["DASHBOARD_CACHE_SECONDS"] = 60
    yield
    app.config["DASHBOARD_CACHE_SECONDS"] = 0


def test_the_kept_dashboard_shows_the_new_rank_after_the_next_ranking(
    db, make, login, scenario, cup, page_cache, redis
):
    reader = make.user("partner_user", partner=scenario.branch_2)
    db.session.commit()
    client = login(reader)
    card = 'data-contest="CUP-NOW"'
    assert 'data-field="rank">3' in _text(client.get("/dashboard")).split(card)[1]
    assert redis.keys("portal:pages:dashboard:*")  # the page is kept
    make.sale(scenario.branch_2, scenario.switch, "1000", sold_on=date.today())
    db.session.commit()
    run = runs.start_run(cup.program, actor=scenario.finance, on=date.today())
    assert execute_inline(run.id).status == "done"
    db.session.commit()
    html = _text(client.get("/dashboard")).split(card)[1]
    assert 'data-field="rank">1' in html and "Qualified at rank 1 as of today." in html


# --- eligible partners take part before they are ranked ------------------------------------


def open_cup(
    scenario, code="CUP-NOW", *, ended=False, territories="DACH, FR", tiers="", payee="partner"
) -> Program:
    """A contest running today (or one that ended yesterday) that no ranking has run for."""
    today = date.today()
    start, end = today - timedelta(days=5), today + timedelta(days=20)
    if ended:
        start, end = today - timedelta(days=30), today - timedelta(days=1)
    text = CONTEST.replace("START", start.isoformat()).replace("END", end.isoformat())
    text = text.replace("PUBLIC", "false").replace("code: CUP-NOW", f"code: {code}")
    text = text.replace("[DACH, FR]", f"[{territories}]")
    if tiers:
        text = text.replace("categories: [HW]}", f"categories: [HW], partner_tiers: [{tiers}]}}")
    return load_program(
        text.replace("currency: EUR", f"currency: EUR\npayee: {payee}"), scenario.finance
    )


def test_an_eligible_partner_sees_an_open_contest_before_its_first_ranking(
    db, make, login, scenario
):
    program = open_cup(scenario)
    reader = make.user("partner_user", partner=scenario.goldie)  # DACH
    db.session.commit()
    client = login(reader)
    html = _text(client.get("/dashboard"))
    card = html.split('data-contest="CUP-NOW"')[1].split('id="contest-cards"')[0]
    assert 'data-field="rank">not ranked yet<' in card
    assert 'data-field="measure">—<' in card
    assert "the contest&#39;s first ranking is still to come." in card
    assert "no award yet" in card and "21 days left" in card
    assert f'href="/contests/{program.id}"' in card
    listing = _text(client.get("/contests"))
    row = listing.split('data-contest="CUP-NOW"')[1].split("</tr>")[0]
    assert 'data-field="rank">not ranked yet<' in row and "not ranked yet</span>" in row
    page = _text(client.get(f"/contests/{program.id}"))
    assert 'data-field="rank">not ranked yet<' in page
    assert "first ranking is still to come" in page
    assert "Ranks 1 to 1: 2 trip seats at 4,800 EUR each." in page  # what it may win
    assert "Nothing yet: only qualified partners win an award." in page
    assert 'id="neighbours"' not in page and 'id="explanation"' not in page


def test_an_eligible_partner_without_a_counted_sale_reads_why_it_has_no_rank(
    db, make, login, scenario, cup
):
    reader = make.user("partner_user", partner=scenario.group)  # DACH, no sale of its own
    db.session.commit()
    client = login(reader)
    today = date.today()
    day = f"{today.strftime('%b')} {today.day}, {today.year}"
    sentence = (
        f"Not ranked yet: the ranking as of {day} found no eligible sale of your organisation."
    )
    card = _text(client.get("/dashboard")).split('data-contest="CUP-NOW"')[1]
    assert 'data-field="rank">not ranked yet<' in card and sentence in card
    page = _text(client.get(f"/contests/{cup.program.id}"))
    assert sentence in page
    for other in ("BRANCH-1", "BRANCH-2", "GOLDIE", "500.00 EUR"):
        assert other not in page  # no standings of others reach an unranked partner


def test_eligibility_is_the_territory_and_tier_of_today_through_the_scoping_gate(
    db, make, scenario
):
    today = date.today()
    open_cup(scenario, "ANY")
    open_cup(scenario, "GOLD-ONLY", tiers="gold")
    open_cup(scenario, "FR-ONLY", territories="FR")
    open_cup(scenario, "GROUPS", payee="partner_group")
    open_cup(scenario, "ENDED", ended=True)
    users = {
        code: make.user("partner_user", partner=getattr(scenario, attr))
        for code, attr in [
            ("GOLDIE", "goldie"),  # DACH, silver since 2025-08-01
            ("GROUP", "group"),  # DACH, gold, a group's top-level partner
            ("BRANCH-2", "branch_2"),  # FR, silver, a branch
            ("MOVER", "mover"),  # moved to the US
        ]
    }

    def entered(code: str) -> set[str]:
        return {c.program.code for c in visible_contests(users[code], today=today)}

    assert entered("GOLDIE") == {"ANY", "GROUPS"}  # its own group's top-level partner
    assert entered("GROUP") == {"ANY", "GOLD-ONLY", "GROUPS"}
    assert entered("BRANCH-2") == {"ANY", "FR-ONLY"}
    assert entered("MOVER") == set()
    # Finance sees every contest, ended ones too, as before.
    assert {c.program.code for c in visible_contests(scenario.finance, today=today)} >= {
        "ANY",
        "ENDED",
    }
