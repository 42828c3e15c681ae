"""Duplicate detection: the pure comparison table-driven, then what submission stores."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.models import ApplicationDuplicate, PartnerProfile
from workflows.onboarding.duplicates import (
    Company,
    compare,
    domain_root,
    normalise_domain,
    normalise_tax_id,
)
from workflows.onboarding.states import transition


def company(name, tax_id="", country="DE", website=None) -> Company:
    root = domain_root(normalise_domain(website)) if website else None
    return Company(name, normalise_tax_id(tax_id, country) or None, root, tax_id)


@pytest.mark.parametrize(
    ("tax_id", "country", "key"),
    [
        ("DE 123.456.789", "DE", "DE:123456789"),
        ("123456789", "DE", "DE:123456789"),
        ("de-123-456-789", "DE", "DE:123456789"),
        ("EL 094014201", "GR", "GR:094014201"),
        ("FR 12 345678901", "FR", "FR:12345678901"),
        ("12 345678901", "FR", "FR:12345678901"),
        ("  ", "FR", ""),
        ("DE", "DE", "DE:DE"),
        ("B12345678", "ES", "ES:B12345678"),
    ],
)
def test_tax_ids_are_normalised(tax_id, country, key):
    assert normalise_tax_id(tax_id, country) == key


CASES = [
    # (new, other, expected reason codes)
    (company("Acme Widgets GmbH"), company("ACME Widgets Ltd."), {"similar_name"}),
    (company("Société Générale S.A."), company("societe generale"), {"similar_name"}),
    (company("The Acme Company, Inc."), company("Acme"), {"similar_name"}),
    (company("Acme Widgest"), company("Acme Widgets"), {"similar_name"}),
    (company("Acme"), company("Acme Widgets"), set()),
    (company("Globex"), company("Initech"), set()),
    (company("One", "DE123456789"), company("Two", "123 456 789"), {"same_tax_id"}),
    (company("One", "123456789", "DE"), company("Two", "123456789", "AT"), set()),
    (
        company("One", website="https://shop.acme.com/x"),
        company("Two", website="acme.com"),
        {"same_domain"},
    ),
    (
        company("One", website="eu.acme.com"),
        company("Two", website="www.acme.com"),
        {"same_domain"},
    ),
    (company("One", website="acme.com"), company("Two", website="acme.co.uk"), set()),
    (
        company("One", website="shop.acme.co.uk"),
        company("Two", website="acme.co.uk"),
        {"same_domain"},
    ),
    (company("One", website="gmail.com"), company("Two", website="gmail.com"), set()),
    (
        company("Acme GmbH", "DE111", website="acme.de"),
        company("ACME", "DE 111", website="www.acme.de"),
        {"same_tax_id", "same_domain", "similar_name"},
    ),
]


@pytest.mark.parametrize(("new", "other", "codes"), CASES)
def test_what_counts_as_a_duplicate(new, other, codes):
    assert {reason.code for reason in compare(new, other)} == codes


def test_reasons_say_why(rctx):
    reasons = compare(company("Acme Widgets GmbH", "DE1"), company("ACME Widgets Ltd.", "DE 1"))
    assert [r.as_dict() for r in reasons] == [
        {"code": "same_tax_id", "params": {"tax_id": "DE 1"}},
        {"code": "similar_name", "params": {"name": "ACME Widgets Ltd.", "score": "1.00"}},
    ]


def _duplicates(db, application):
    return list(
        db.session.scalars(
            select(ApplicationDuplicate).where(
                ApplicationDuplicate.application_id == application.id
            )
        )
    )


def test_submission_flags_partners_by_name_tax_id_and_domain(db, make, world, submitted):
    by_name = make.partner("NORD", world["t"]["DACH"])
    by_name.name = "NORDLICHT SYSTEMS AG"
    other = make.partner("OTHER", world["t"]["FR"], country="FR")
    db.session.add(
        PartnerProfile(
            partner_id=other.id,
            website="nordlicht.example",
            domain_root="nordlicht.example",
            tax_id="x",
            tax_key="DE:123456789",
            address="",
            business_type="",
        )
    )
    make.partner("UNRELATED", world["t"]["FR"], country="FR")
    db.session.flush()
    application = submitted()
    found = {d.partner_id: {r["code"] for r in d.reasons} for d in _duplicates(db, application)}
    assert found == {by_name.id: {"similar_name"}, other.id: {"same_tax_id", "same_domain"}}


def test_open_applications_flag_each_other_but_decided_ones_do_not(db, world, submitted):
    first = submitted()
    second = submitted(email="other@nordlicht.example", company_name="Nordlicht Systems")
    assert [d.other_application_id for d in _duplicates(db, second)] == [first.id]
    assert [d.other_application_id for d in _duplicates(db, first)] == [second.id]
    transition(first, "reject", world["dach_manager"], reason="Duplicate")
    third = submitted(email="third@nordlicht.example", website="https://nordlicht.example")
    assert [d.other_application_id for d in _duplicates(db, third)] == [second.id]


def test_a_different_company_is_not_flagged(db, world, submitted):
    submitted()
    other = submitted(
        email="x@globex.example",
        company_name="Globex Corporation",
        website="globex.example",
        tax_id="DE 999",
    )
    assert _duplicates(db, other) == []
