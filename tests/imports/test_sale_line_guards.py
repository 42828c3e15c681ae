"""Sales lines name partners and products without a foreign-key check on every line; deleting
(or renumbering) a partner or product that lines still name is refused instead, on both
databases, while one no line names can go."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DatabaseError

from portal.models import Partner, PartnerTerritory, PartnerTier, Product, SaleLine


@pytest.fixture
def shop(make):
    world = make.territory("WORLD")
    category = make.category("HW")
    return lambda code: (make.partner(code, world), make.product(f"SKU-{code}", category))


def bare(db, partner) -> None:
    """The partner without its territory and tier history, which name it by foreign key."""
    for table in (PartnerTerritory, PartnerTier):
        db.session.execute(delete(table).where(table.partner_id == partner.id))


def test_a_partner_or_product_named_by_sales_lines_cannot_be_deleted(db, make, shop):
    partner, product = shop("SOLD")
    idle_partner, idle_product = shop("IDLE")
    make.sale(partner, product, "100.00")
    bare(db, partner)
    for statement in (
        delete(Partner).where(Partner.id == partner.id),
        delete(Product).where(Product.id == product.id),
        update(Partner).where(Partner.id == partner.id).values(id=partner.id + 1000),
        update(Product).where(Product.id == product.id).values(id=product.id + 1000),
    ):
        with pytest.raises(DatabaseError, match="still named by sales lines"):
            with db.session.begin_nested():
                db.session.execute(statement)
    assert db.session.get(Partner, partner.id) is not None
    # what no line names is not held back
    bare(db, idle_partner)
    db.session.execute(delete(Partner).where(Partner.id == idle_partner.id))
    db.session.execute(delete(Product).where(Product.id == idle_product.id))
    assert db.session.scalars(select(Partner.code)).all() == ["SOLD"]
    assert db.session.scalars(select(Product.sku)).all() == ["SKU-SOLD"]


def test_once_its_lines_are_gone_a_partner_can_be(db, make, shop):
    partner, product = shop("GONE")
    make.sale(partner, product, "5.00")
    db.session.execute(delete(SaleLine).where(SaleLine.partner_id == partner.id))
    bare(db, partner)
    db.session.execute(delete(Partner).where(Partner.id == partner.id))
    db.session.execute(delete(Product).where(Product.id == product.id))
    assert db.session.scalars(select(Partner.code)).all() == []
