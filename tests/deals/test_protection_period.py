"""How long an approval protects: the default, or the longest period of a covering program."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.api import serializers
from portal.models import AuditEvent
from portal.programs.services import save_program
from workflows.deals.protection import DealFacts, ProgramTerms, best_program, covers
from workflows.deals.states import transition

DAY = date(2026, 8, 10)
FACTS = DealFacts(
    territory_path="/1/2/3/",  # WORLD / EMEA / DACH
    tier="gold",
    category_paths=("/10/11/",),  # NET / SWITCH
    skus=frozenset({"RTR-1"}),
)


def terms(code="P", days=120, **filters) -> ProgramTerms:
    return ProgramTerms(program_id=hash(code) % 1000, code=code, days=days, **filters)


@pytest.mark.parametrize(
    ("filters", "covered"),
    [
        ({}, True),  # no filter: every registration
        ({"territory_paths": ("/1/2/",)}, True),  # EMEA contains DACH
        ({"territory_paths": ("/1/2/3/",)}, True),  # the territory itself
        ({"territory_paths": ("/1/2/3/4/",)}, False),  # a child area does not contain DACH
        ({"territory_paths": ("/1/9/",)}, False),  # another region
        ({"territory_paths": ("/1/9/", "/1/2/")}, True),  # any of them
        ({"tiers": frozenset({"gold", "platinum"})}, True),
        ({"tiers": frozenset({"platinum"})}, False),
        ({"category_paths": ("/10/",)}, True),  # the deal's category is inside NET
        ({"category_paths": ("/10/11/12/",)}, True),  # a subcategory of the deal's overlaps
        ({"category_paths": ("/20/",)}, False),  # an unrelated category
        ({"sku_paths": (("RTR-1", "/10/"),)}, True),  # the deal names the product
        ({"sku_paths": (("SW-9", "/10/11/"),)}, True),  # the product sits in the deal's category
        ({"sku_paths": (("FW-1", "/20/"),)}, False),
        ({"first_day": DAY, "last_day": DAY}, True),  # the period's days are inclusive
        ({"first_day": DAY + timedelta(days=1), "last_day": DAY + timedelta(days=9)}, False),
        ({"first_day": DAY - timedelta(days=9), "last_day": DAY - timedelta(days=1)}, False),
        ({"tiers": frozenset({"gold"}), "category_paths": ("/20/",)}, False),  # all must hold
        # Categories and SKUs together admit either, as for sale lines.
        ({"category_paths": ("/20/",), "sku_paths": (("RTR-1", "/10/"),)}, True),
        ({"category_paths": ("/10/",), "sku_paths": (("FW-1", "/20/"),)}, True),
        ({"category_paths": ("/30/",), "sku_paths": (("FW-1", "/20/"),)}, False),
    ],
)
def test_what_a_program_covers(filters, covered):
    assert covers(terms(**filters), FACTS, DAY) is covered


def test_a_partner_without_territory_or_tier_is_covered_only_by_open_filters():
    facts = DealFacts(territory_path=None, tier=None, category_paths=(), skus=frozenset())
    assert covers(terms(), facts, DAY)
    assert not covers(terms(territory_paths=("/1/",)), facts, DAY)
    assert not covers(terms(tiers=frozenset({"gold"})), facts, DAY)
    assert not covers(terms(category_paths=("/10/",)), facts, DAY)


def test_the_longest_period_wins_and_ties_go_to_the_first_code():
    short, long_b, long_a = terms("SHORT", 60), terms("LONG-B", 180), terms("LONG-A", 180)
    assert best_program([short, long_b, long_a], FACTS, DAY) is long_a
    assert best_program([short], FACTS, DAY) is short
    elsewhere = terms("ELSEWHERE", 365, territory_paths=("/1/9/",))
    assert best_program([short, elsewhere], FACTS, DAY) is short
    assert best_program([], FACTS, DAY) is None


def program_spec(code, days, **eligible) -> str:
    filters = ", ".join(f"{key}: [{', '.join(values)}]" for key, values in eligible.items())
    return f"""
code: {code}
name: Program {code}
kind: rebate
currency: EUR
eligible: {{{filters}{", " if filters else ""}registered_deals_only: true}}
tiers: {{mode: retroactive, bands: [{{from: 0, rate: 0.01}}]}}
deal_protection_days: {days}
"""


def test_approval_takes_the_longest_covering_program(db, world, approved):
    save_program(program_spec("NET-DEALS", 120, categories=["NET"]), actor=world["finance"])
    save_program(program_spec("AMER-DEALS", 365, territories=["AMER"]), actor=world["finance"])
    save_program(program_spec("SEC-DEALS", 200, categories=["SEC"]), actor=world["finance"])

    deal = approved(categories=(world["switches"],))

    assert deal.protection_ends_on == date.today() + timedelta(days=120)
    assert deal.protection_program.code == "NET-DEALS"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "deal.approve")).one()
    assert event.after["protection_program_id"] == deal.protection_program_id


def test_without_a_covering_program_the_default_applies(app, world, approved):
    save_program(
        program_spec("GOLD-DEALS", 150, partner_tiers=["platinum"]), actor=world["finance"]
    )
    deal = approved()
    assert deal.protection_program is None
    assert deal.protection_ends_on == date.today() + timedelta(
        days=app.config["DEAL_PROTECTION_DAYS"]
    )


def test_a_new_version_without_the_period_stops_applying(world, approved):
    save_program(program_spec("NET-DEALS", 120, categories=["NET"]), actor=world["finance"])
    program, _, _ = save_program(
        program_spec("NET-DEALS", 120, categories=["NET"]).replace(
            "deal_protection_days: 120\n", ""
        ),
        actor=world["finance"],
    )
    assert program.current_version == 2
    assert approved().protection_program is None


def test_the_reviewer_sees_what_approving_gives_and_the_partner_sees_why(
    db, world, register, sign_in
):
    save_program(program_spec("NET-DEALS", 120, categories=["NET"]), actor=world["finance"])
    deal = register(world["acme_user"])
    db.session.commit()
    until = date.today() + timedelta(days=120)

    page = sign_in(world["dach_manager"]).get(f"/deals/{deal.id}").get_data(as_text=True)
    assert "Approving protects the registration for 120 days" in page
    assert "the protection period of the program Program NET-DEALS" in page

    transition(deal, "approve", world["dach_manager"])
    db.session.commit()
    partner_page = sign_in(world["acme_user"]).get(f"/deals/{deal.id}").get_data(as_text=True)
    assert "Protection period of the program Program NET-DEALS" in partner_page
    assert "Approving protects" not in partner_page  # partners do not approve
    exported = sign_in(world["dach_manager"]).get("/deals/export.csv").get_data(as_text=True)
    header, row = exported.splitlines()[:2]
    assert header.endswith(",protection_program_code")
    assert until.isoformat() in row and row.endswith(",NET-DEALS")
    assert serializers.deal(deal)["protection_program"] == "NET-DEALS"
