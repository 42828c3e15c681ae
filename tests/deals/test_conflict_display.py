"""What a reviewer reads about a possible conflict, and what the partner reads once it is settled:
who and when, the reasons in words, and whether approval is possible before the click."""

from datetime import timedelta

from flask_babel import force_locale

from portal.deals.services import describe_reasons
from workflows.deals.states import transition

from ..conftest import csrf_token


def test_reasons_read_as_words_with_the_similarity_as_a_percentage(app):
    reasons = [
        {"code": "same_domain", "params": {"a": "eu.acme.com", "b": "shop.acme.com"}},
        {"code": "name_similarity", "params": {"score": "0.94"}},
        {"code": "same_category", "params": {"category": "Networking"}},
        {"code": "same_country", "params": {"country": "FR"}},
    ]
    with app.test_request_context(), force_locale("en"):
        assert describe_reasons(reasons) == [
            "same web or e-mail domain (acme.com)",
            "name 94% similar",
            "same category (Networking)",
            "same country (France)",
        ]
        assert describe_reasons([{"code": "name_similarity", "params": {"score": "1.00"}}]) == [
            "same name"
        ]
        with force_locale("fr"):
            words = describe_reasons(reasons)
            assert "94\N{NO-BREAK SPACE}%" in words[1]
            assert "France" in words[3]


def test_reviewer_sees_when_the_other_was_registered_its_state_and_protection(
    db, approved, register, sign_in, world
):
    first = approved("ACME Corp.", domain="acme.com")
    first.submitted_at -= timedelta(days=3)
    db.session.flush()
    second = register(world["beta_user"], "ACME Corp", domain="acme.com")
    page = sign_in(world["emea_manager"]).get(f"/deals/{second.id}").get_data(as_text=True)
    table = page[page.index('id="conflicts"') :]
    assert first.reference in table and "approved" in table
    assert (first.submitted_at.date()).strftime("%b %-d, %Y") in table
    assert first.protection_ends_on.strftime("%b %-d, %Y") in table
    assert first.protection_ends_on.isoformat() not in page


def test_match_outside_the_territories_names_the_territory_and_its_managers_only(
    db, register, sign_in, world, make
):
    world["fr_manager"].name = "Fred Fournier"
    world["t"]["FR"].name = "France"
    rival = register(world["gamma_user"], "ACME Corp.", domain="acme.com", country="FR")
    deal = register(world["acme_user"], "ACME Corp.", domain="acme.com")
    page = sign_in(world["dach_manager"]).get(f"/deals/{deal.id}").get_data(as_text=True)
    table = page[page.index('id="conflicts"') :]
    assert "Territory France, managed by " in table
    assert "Fred Fournier" in table
    assert "submitted" in table  # its state
    assert rival.reference not in page and "GAMMA" not in page
    assert rival.partner.name not in page and "gil@gamma.example" not in page


def test_approval_is_not_offered_when_another_registration_holds_the_customer(
    db, approved, register, sign_in, world
):
    holder = approved("ACME Corp.", domain="acme.com")
    deal = register(world["beta_user"], "ACME GmbH", domain="acme.com")
    page = sign_in(world["dach_manager"]).get(f"/deals/{deal.id}").get_data(as_text=True)
    assert f'action="/deals/{deal.id}/approve"' not in page
    assert f'action="/deals/{deal.id}/reject"' in page  # the other decisions stay
    refusal = page[page.index('id="approval-refusal"') :][:600]
    assert f"Approval is not possible: {holder.reference} of {holder.partner.name}" in refusal
    assert holder.protection_ends_on.strftime("%b %-d, %Y") in refusal


def test_refusal_for_a_holder_outside_the_territories_does_not_name_it(
    db, register, sign_in, world
):
    world["t"]["FR"].name = "France"
    world["fr_manager"].name = "Fred Fournier"
    holder = register(world["gamma_user"], "ACME Corp.", domain="acme.com", country="FR")
    transition(holder, "approve", world["fr_manager"])
    deal = register(world["acme_user"], "ACME Corp.", domain="acme.com")
    page = sign_in(world["dach_manager"]).get(f"/deals/{deal.id}").get_data(as_text=True)
    assert f'action="/deals/{deal.id}/approve"' not in page
    refusal = page[page.index('id="approval-refusal"') :][:600]
    assert "a registration in France (managed by " in refusal and "Fred Fournier" in refusal
    assert holder.reference not in page and holder.partner.name not in page


def test_approval_is_offered_when_nothing_holds_the_customer(db, register, sign_in, world):
    deal = register(world["acme_user"], "ACME Corp.", domain="acme.com")
    page = sign_in(world["dach_manager"]).get(f"/deals/{deal.id}").get_data(as_text=True)
    assert f'action="/deals/{deal.id}/approve"' in page and "approval-refusal" not in page


def test_partner_no_longer_reads_pending_once_the_manager_decided(db, register, sign_in, world):
    register(world["acme_user"], "ACME Corp.", domain="acme.com")
    deal = register(world["beta_user"], "Acme Corporation", domain="eu.acme.com")
    partner = sign_in(world["beta_user"])
    pending = "The channel manager takes it into account when deciding."
    assert pending in partner.get(f"/deals/{deal.id}").get_data(as_text=True)
    manager = sign_in(world["dach_manager"])
    token = csrf_token(manager, f"/deals/{deal.id}")
    manager.post(
        f"/deals/{deal.id}/reject",
        data={"reject-reason": "duplicate", "reject-note": "", "csrf_token": token},
    )
    db.session.refresh(deal)
    assert deal.state == "rejected"
    page = partner.get(f"/deals/{deal.id}").get_data(as_text=True)
    assert pending not in page
    assert "the channel manager took it into account when deciding" in page
    listing = partner.get("/deals").get_data(as_text=True)
    assert "possible conflict" not in listing


def test_an_approval_refused_anyway_gives_the_protection_end_in_the_readers_format(
    db, approved, register, sign_in, world
):
    holder = approved("ACME Corp.", domain="acme.com")
    deal = register(world["beta_user"], "ACME GmbH", domain="acme.com")
    manager = sign_in(world["dach_manager"])
    token = csrf_token(manager, f"/deals/{deal.id}")  # a page loaded before the holder's approval
    response = manager.post(f"/deals/{deal.id}/approve", data={"csrf_token": token})
    page = manager.get(response.headers["Location"]).get_data(as_text=True)
    until = holder.protection_ends_on
    assert f"already protects this customer in NET until {until.strftime('%b %-d, %Y')}" in page
    assert until.isoformat() not in page
    db.session.refresh(deal)
    assert deal.state == "submitted"


def test_a_reviewer_who_submitted_it_is_told_why_there_is_no_decision(db, register, sign_in, world):
    deal = register(world["acme_user"], "ACME Corp.", domain="acme.com")
    deal.submitted_by_id = world["dach_manager"].id  # registered on the partner's behalf
    db.session.flush()
    page = sign_in(world["dach_manager"]).get(f"/deals/{deal.id}").get_data(as_text=True)
    assert f'action="/deals/{deal.id}/approve"' not in page
    refusal = page[page.index('id="approval-refusal"') :][:400]
    assert "You submitted or requested this yourself" in refusal
    other = sign_in(world["emea_manager"]).get(f"/deals/{deal.id}").get_data(as_text=True)
    assert f'action="/deals/{deal.id}/approve"' in other and "approval-refusal" not in other
