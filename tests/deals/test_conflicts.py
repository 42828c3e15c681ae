"""Conflict detection at submission: set-based candidates, scored and explained."""

from decimal import Decimal

import pytest
from sqlalchemy import event, select

from portal.models import DealConflict
from workflows.deals import conflicts
from workflows.deals.states import transition


def found(db, deal):
    return db.session.scalars(
        select(DealConflict).where(DealConflict.deal_id == deal.id).order_by(DealConflict.id)
    ).all()


def test_conflicting_registration_of_another_partner_is_scored_and_explained(db, register, world):
    first = register(world["acme_user"], "ACME Corp.", domain="acme.com")
    second = register(
        world["beta_user"],
        "Acme Corporation",
        domain="eu.acme.com",
        categories=(world["switches"],),
    )
    (conflict,) = found(db, second)
    assert conflict.other_id == first.id and not conflict.same_partner
    assert conflict.score == Decimal("1.00")
    assert conflict.reasons == [
        {"code": "same_domain", "params": {"a": "acme.com", "b": "eu.acme.com"}},
        {"code": "name_similarity", "params": {"score": "1.00"}},
        {"code": "same_category", "params": {"category": "SWITCH"}},
        {"code": "same_country", "params": {"country": "DE"}},
    ]
    assert found(db, first) == []  # the earlier one shows it through the other direction


def test_same_partner_match_is_kept_as_a_warning(db, register, world):
    register(world["acme_user"], "ACME Corp.")
    again = register(world["acme_admin"], "ACME Corporation")
    (conflict,) = found(db, again)
    assert conflict.same_partner


def test_unrelated_customers_and_near_misses_are_not_conflicts(db, register, world):
    register(world["acme_user"], "Blue Ocean Logistics", domain="blueocean.example")
    assert (
        found(db, register(world["beta_user"], "Blue Sky Software", domain="bluesky.example")) == []
    )
    assert found(db, register(world["beta_user"], "Globex", domain="globex.example")) == []
    other_suffix = register(world["beta_user"], "Initech", domain="acme.co.uk")
    assert found(db, other_suffix) == []


def test_typo_in_name_is_found_through_country_and_category(db, register, world):
    register(world["acme_user"], "Microsoft", domain=None)
    (conflict,) = found(db, register(world["beta_user"], "Mikrosoft GmbH", domain=None))
    assert conflict.score >= Decimal("0.90")


def test_only_submitted_or_approved_registrations_are_candidates(db, register, world):
    draft = register(world["acme_user"], "ACME Corp.", submit=False)
    rejected = register(world["acme_user"], "ACME Corp.")
    transition(rejected, "reject", world["dach_manager"], reason="duplicate")
    approved = register(world["gamma_user"], "ACME Corp.", country="FR")
    transition(approved, "approve", world["fr_manager"])
    mine = register(world["beta_user"], "ACME Corp.")
    assert [c.other_id for c in found(db, mine)] == [approved.id]
    assert draft.id not in [c.other_id for c in found(db, mine)]


def test_resubmission_recomputes_conflicts(db, register, world):
    register(world["acme_user"], "ACME Corp.")
    second = register(world["beta_user"], "ACME Corp.")
    transition(second, "return", world["dach_manager"], note="details")
    transition(second, "resubmit", world["beta_user"])
    assert len(found(db, second)) == 1


def test_candidates_come_from_a_fixed_number_of_queries(app, db, register, world):
    for n in range(12):
        register(world["acme_user"], f"ACME Division {n}", domain=f"d{n}.acme.com")
    mine = register(world["beta_user"], "ACME", domain="acme.com", submit=False)
    statements = []

    def count(*args, **kwargs):
        statements.append(args[2])

    connection = db.session.connection()
    event.listen(connection, "before_cursor_execute", count)
    try:
        stored = conflicts.detect_conflicts(mine)
    finally:
        event.remove(connection, "before_cursor_execute", count)
    assert len(stored) == 12
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 6, selects


@pytest.mark.parametrize(
    ("name", "domain", "expected"),
    [("Acme", None, True), ("Other Name", "sales.acme.com", True), ("Other Name", None, False)],
)
def test_candidate_lookup_by_name_word_or_domain(db, register, world, name, domain, expected):
    theirs = register(
        world["gamma_user"], "ACME Corp.", country="FR", categories=(world["security"],)
    )
    mine = register(world["acme_user"], name, domain=domain, submit=False)
    ids = [c.id for c in conflicts.candidates(mine, [world["net"].path])]
    assert (theirs.id in ids) is expected
