"""Exact money on every database, hierarchy paths, effective dates."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import StatementError

from portal.models import SaleLine
from portal.models.trees import CycleError, compute_paths
from portal.models.types import InexactValueError


def test_sum_of_amounts_is_exact(db, make):
    t = make.territory("WORLD")
    partner = make.partner("P1", t)
    product = make.product("SKU", make.category("CAT"))
    for _ in range(10):
        make.sale(partner, product, "0.1")
    make.sale(partner, product, "-0.0001")
    total = db.session.scalar(select(func.sum(SaleLine.amount)))
    assert total == Decimal("0.9999") and isinstance(total, Decimal)


def test_floats_and_excess_precision_are_refused(db, make):
    t = make.territory("WORLD")
    partner = make.partner("P1", t)
    product = make.product("SKU", make.category("CAT"))
    line = make.sale(partner, product, "1")
    line.amount = 0.1
    with pytest.raises(StatementError, match="floats are never accepted"):
        db.session.flush()
    db.session.rollback()


def test_scaled_decimal_rejects_more_decimals_than_its_scale():
    from portal.models.types import Amount

    with pytest.raises(InexactValueError):
        Amount.process_bind_param(Decimal("1.00001"), None)
    assert Amount.process_bind_param(Decimal("-12.3400"), None) == -123400
    assert Amount.process_result_value(-123400, None) == Decimal("-12.3400")


@pytest.mark.parametrize(
    ("parents", "expected"),
    [
        ({1: None}, {1: ("/1/", 0)}),
        ({1: None, 2: 1, 3: 2}, {1: ("/1/", 0), 2: ("/1/2/", 1), 3: ("/1/2/3/", 2)}),
        ({3: 2, 2: 1, 1: None}, {1: ("/1/", 0), 2: ("/1/2/", 1), 3: ("/1/2/3/", 2)}),
    ],
)
def test_compute_paths(parents, expected):
    assert compute_paths(parents) == expected


@pytest.mark.parametrize("parents", [{1: 1}, {1: 2, 2: 1}, {1: None, 2: 3, 3: 4, 4: 2}])
def test_cycles_are_refused(parents):
    with pytest.raises(CycleError):
        compute_paths(parents)


def test_effective_dated_territory_and_tier(db, make):
    t = make.tree({"W": None, "A": "W", "B": "W"})
    partner = make.partner("P1", t["A"], tier="gold")
    make.move(partner, t["B"], date(2026, 8, 15))
    make.retier(partner, "silver", date(2026, 8, 1))
    db.session.refresh(partner)
    assert partner.territory_on(date(2026, 8, 14)).code == "A"
    assert partner.territory_on(date(2026, 8, 15)).code == "B"
    assert partner.tier_on(date(2026, 7, 31)) == "gold"
    assert partner.tier_on(date(2026, 8, 1)) == "silver"
    first = partner.territories[0]
    assert first.valid_to == date(2026, 8, 15)


def test_group_root_is_the_top_parent(db, make):
    t = make.territory("WORLD")
    top = make.partner("GROUP", t)
    branch = make.partner("BRANCH", t, parent=top)
    leaf = make.partner("LEAF", t, parent=branch)
    db.session.refresh(leaf)
    assert leaf.root_id == top.id and leaf.depth == 2
