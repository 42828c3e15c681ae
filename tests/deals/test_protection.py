"""Only one approved registration per end customer and category, and how it is released."""

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.models import DealClaim, DealRegistration
from workflows.deals.errors import AlreadyProtected
from workflows.deals.expiry import expire_deals
from workflows.deals.states import transition

from .conftest import build_world, deal_input


def test_second_approval_for_same_customer_and_category_is_refused(approved, register, world):
    first = approved()
    second = register(world["beta_user"], "Acme Corporation", domain="acme.de")
    with pytest.raises(AlreadyProtected) as refused:
        transition(second, "approve", world["dach_manager"])
    assert refused.value.reference == first.reference
    assert second.state == "submitted"


@pytest.mark.parametrize(
    ("name", "domain", "category", "refused"),
    [
        ("Acme Corporation", None, "net", True),  # same name key
        ("Totally Different", "shop.acme.com", "net", True),  # same domain root
        ("ACME", None, "switches", True),  # child category overlaps the parent
        ("ACME", None, "security", False),  # another category
        ("Globex", "globex.example", "net", False),  # another customer
    ],
)
def test_what_counts_as_the_same_customer_and_category(
    approved, register, world, name, domain, category, refused
):
    approved("ACME Corp.", domain="acme.com")
    other = register(world["beta_user"], name, domain=domain, categories=(world[category],))
    if refused:
        with pytest.raises(AlreadyProtected):
            transition(other, "approve", world["dach_manager"])
    else:
        transition(other, "approve", world["dach_manager"])
        assert other.state == "approved"


def test_parent_category_is_refused_when_a_child_is_protected(approved, register, world):
    approved(categories=(world["switches"],))
    other = register(world["beta_user"], "ACME", categories=(world["net"],))
    with pytest.raises(AlreadyProtected):
        transition(other, "approve", world["dach_manager"])


def test_product_categories_count_too(approved, register, world):
    approved(categories=(), products=(world["router"],))
    other = register(world["beta_user"], "ACME", categories=(world["net"],))
    with pytest.raises(AlreadyProtected):
        transition(other, "approve", world["dach_manager"])


@pytest.mark.parametrize(
    ("event", "data"),
    [
        ("withdraw", {"reason": "customer went elsewhere"}),
        ("report_lost", {"reason": "price"}),
        ("expire", {}),
    ],
)
def test_released_when_the_first_is_withdrawn_lost_or_expires(
    approved, register, world, event, data
):
    first = approved()
    second = register(world["beta_user"], "ACME")
    actor = None if event == "expire" else world["acme_user"]
    transition(first, event, actor, **data)
    transition(second, "approve", world["dach_manager"])
    assert second.state == "approved"


def test_won_deal_keeps_the_customer_until_its_protection_ends(db, approved, register, world):
    first = approved()
    transition(first, "report_won", world["acme_user"], amount="1000", won_on=date.today())
    second = register(world["beta_user"], "ACME")
    with pytest.raises(AlreadyProtected):
        transition(second, "approve", world["dach_manager"])
    outcome = expire_deals(first.protection_ends_on + timedelta(days=1))
    assert outcome.released_won == 2
    assert first.state == "won"
    transition(second, "approve", world["dach_manager"])
    assert second.state == "approved"


@pytest.mark.postgres
def test_concurrent_approvals_for_the_same_customer_let_exactly_one_through(
    app, committed_db, make_committed, monkeypatch
):
    """Two managers approve conflicting registrations at the same moment, in two connections."""
    monkeypatch.setattr("portal.models.users.PASSWORD_METHOD", "pbkdf2:sha256:1000")
    w = build_world(make_committed)
    from portal.deals.services import save_deal

    ids = [
        save_deal(
            deal_input("ACME Corp.", categories=(w["net"],)), actor=w["acme_user"], submit=True
        ).id,
        save_deal(
            deal_input("ACME GmbH", domain=None, categories=(w["switches"],)),
            actor=w["beta_user"],
            submit=True,
        ).id,
    ]
    managers = [w["dach_manager"].id, w["emea_manager"].id]
    committed_db.session.commit()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(deal_id, manager_id):
        with app.app_context():
            session = committed_db.session
            try:
                from portal.models import User

                deal = session.get(DealRegistration, deal_id)
                manager = session.get(User, manager_id)
                barrier.wait(timeout=10)
                transition(deal, "approve", manager)
                session.commit()
                outcomes.append("approved")
            except AlreadyProtected:
                session.rollback()
                outcomes.append("refused")
            finally:
                session.remove()

    threads = [
        threading.Thread(target=approve, args=pair) for pair in zip(ids, managers, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["approved", "refused"]
    states = committed_db.session.scalars(
        select(DealRegistration.state).where(DealRegistration.id.in_(ids))
    ).all()
    assert sorted(states) == ["approved", "submitted"]
    holders = committed_db.session.scalars(select(DealClaim.deal_id).distinct()).all()
    assert len(holders) == 1
