"""The database refuses effective-dated partner rows that would count a sale line twice."""

from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from portal.models import PartnerTerritory, PartnerTier
from portal.models.partners import close_ranges

JULY, AUGUST = date(2026, 7, 1), date(2026, 8, 1)


@pytest.fixture
def partner(make):
    t = make.tree({"WORLD": None, "EMEA": "WORLD", "AMER": "WORLD"})
    return make.partner("ACME", t["EMEA"]), t  # its first rows start at the beginning


@pytest.mark.parametrize("model", [PartnerTerritory, PartnerTier])
def test_a_range_must_end_after_it_starts(db, partner, model):
    acme, t = partner
    values = {"territory_id": t["AMER"].id} if model is PartnerTerritory else {"tier": "gold"}
    db.session.add(model(partner_id=acme.id, valid_from=AUGUST, valid_to=AUGUST, **values))
    with pytest.raises(IntegrityError, match="range_ends_after_start"):
        db.session.flush()


@pytest.mark.postgres
@pytest.mark.parametrize("model", [PartnerTerritory, PartnerTier])
def test_overlapping_rows_of_one_partner_are_refused_at_commit(db, partner, model):
    acme, t = partner
    values = {"territory_id": t["AMER"].id} if model is PartnerTerritory else {"tier": "silver"}
    # A new open-ended row while the first one is still open-ended: both cover August.
    db.session.add(model(partner_id=acme.id, valid_from=AUGUST, **values))
    db.session.flush()
    with pytest.raises(IntegrityError, match="no_overlap"):
        db.session.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))  # what COMMIT would check


@pytest.mark.postgres
def test_rows_closed_by_their_writer_pass_the_check(db, partner, make):
    acme, t = partner
    make.move(acme, t["AMER"], JULY)  # inserts, then closes the earlier row
    db.session.add(PartnerTier(partner_id=acme.id, tier="platinum", valid_from=AUGUST))
    db.session.flush()
    close_ranges(db.session, PartnerTier, "partner_id")
    db.session.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
    territories = [(r.valid_from, r.valid_to) for r in acme.territories]
    assert territories[-2:] == [(territories[-2][0], JULY), (JULY, None)]
