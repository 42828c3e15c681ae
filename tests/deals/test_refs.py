"""deal_ref on sales lines: a line may only reference its own partner's registration."""

from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select

from workflows.deals.refs import (
    OTHER_PARTNER,
    deal_ref_owner_problems,
    deal_refs_of_other_partners,
    won_deal_refs,
)
from workflows.deals.states import transition
from workflows.engine.i18n import render_message


def test_reference_of_another_partner_is_a_problem(register, world):
    acme_deal = register(world["acme_user"])
    beta_deal = register(world["beta_user"], "Globex", domain=None)
    problems = deal_ref_owner_problems(
        {
            acme_deal.reference: {world["acme"].id, world["beta"].id},
            beta_deal.reference.lower(): [world["beta"].id],
            "DR-1999-000001": [world["acme"].id],  # unknown: allowed
            "": [world["acme"].id],
        }
    )
    assert [(p.deal_ref, p.partner_id, p.owner_partner_id) for p in problems] == [
        (acme_deal.reference, world["beta"].id, world["acme"].id)
    ]
    (problem,) = problems
    assert problem.template == OTHER_PARTNER
    assert (
        problem.render()
        == f"Deal {acme_deal.reference} is registered by partner ACME, not by BETA."
    )
    assert problem.render(lambda s: s.replace("Deal ", "Affaire ")).startswith("Affaire DR-")


def test_no_references_no_queries(db):
    assert deal_ref_owner_problems({}) == []


def test_won_deal_refs_lists_only_won_registrations(db, approved, world):
    won = approved()
    approved("Globex", domain=None)
    transition(won, "report_won", world["acme_user"], amount="10", won_on=won.decided_at.date())
    assert db.session.scalars(won_deal_refs()).all() == [won.reference]
    assert db.session.scalars(select(won_deal_refs().subquery())).all() == [won.reference]


def test_staged_import_check_lists_lines_with_another_partners_ref(db, register, world):
    """The shape the sales import's set-based checks use: a staging table of raw cells."""
    acme_deal = register(world["acme_user"])
    staged = Table(
        "staged_sales_for_test",
        MetaData(),
        Column("line", Integer),
        Column("partner_code", String(64)),
        Column("deal_ref", String(64)),
    )
    staged.create(db.session.connection())
    ref = acme_deal.reference
    db.session.execute(
        insert(staged),
        [
            {"line": 2, "partner_code": "ACME", "deal_ref": ref},
            {"line": 3, "partner_code": "BETA", "deal_ref": f" {ref.lower()} "},
            {"line": 4, "partner_code": "BETA", "deal_ref": None},
            {"line": 5, "partner_code": "BETA", "deal_ref": "DR-1999-000001"},
        ],
    )
    query = deal_refs_of_other_partners(staged.c.line, staged.c.partner_code, staged.c.deal_ref)
    rows = [dict(r._mapping) for r in db.session.execute(query.order_by(staged.c.line))]
    assert rows == [{"line": 3, "deal_ref": f" {ref.lower()} ", "owner": "ACME", "partner": "BETA"}]
    params = {k: v for k, v in rows[0].items() if k != "line"}
    assert "is registered by partner ACME, not by BETA" in render_message(OTHER_PARTNER, params)
