"""Partners: groups, and effective-dated territory and tier history."""

from datetime import date

import pytest
from sqlalchemy import select

from portal.models import Partner, PartnerTerritory, PartnerTier, utcnow
from portal.models.partners import BEGINNING
from workflows.imports import errors as e

from .helpers import HEADERS, only_error

PARTNERS = HEADERS["partners"]
DATED = PARTNERS + ",effective_from"


def history(db, model, code: str) -> list[tuple]:
    """(valid_from, valid_to, territory code or tier) of one partner, oldest first."""
    partner = db.session.scalars(select(Partner).where(Partner.code == code)).one()
    rows = db.session.scalars(
        select(model).where(model.partner_id == partner.id).order_by(model.valid_from)
    )
    value = (lambda r: r.territory.code) if model is PartnerTerritory else (lambda r: r.tier)
    return [(r.valid_from, r.valid_to, value(r)) for r in rows]


def test_new_partners_with_groups_from_the_beginning_of_time(run, db, world):
    result = run(
        "partners",
        PARTNERS,
        "BRANCH,Acme Branch,HQ,DE-S,silver,DE,EUR",
        "HQ,Acme Group,,DACH,gold,DE,EUR",
    )
    assert (result.ok, result.inserted) == (True, 2)
    branch = db.session.scalars(select(Partner).where(Partner.code == "BRANCH")).one()
    assert branch.parent.code == "HQ" and branch.depth == 1
    assert branch.path == f"/{branch.parent.id}/{branch.id}/"
    assert history(db, PartnerTerritory, "BRANCH") == [(BEGINNING, None, "DE-S")]
    assert history(db, PartnerTier, "BRANCH") == [(BEGINNING, None, "silver")]


def test_new_partner_with_effective_from_starts_that_day(run, db, world):
    result = run("partners", DATED, "NEW,New,,FR,registered,FR,EUR,2026-07-01")
    assert result.ok
    assert history(db, PartnerTerritory, "NEW") == [(date(2026, 7, 1), None, "FR")]


def test_move_with_effective_from_keeps_history(run, db, world):
    result = run("partners", DATED, "ACME,ACME Ltd,,FR,platinum,DE,EUR,2026-08-15")
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 0)
    assert history(db, PartnerTerritory, "ACME") == [
        (BEGINNING, date(2026, 8, 15), "DE-S"),
        (date(2026, 8, 15), None, "FR"),
    ]
    assert history(db, PartnerTier, "ACME") == [
        (BEGINNING, date(2026, 8, 15), "gold"),
        (date(2026, 8, 15), None, "platinum"),
    ]
    acme = db.session.get(Partner, world["acme"].id)
    assert acme.territory_on(date(2026, 8, 14)).code == "DE-S"
    assert acme.territory_on(date(2026, 8, 15)).code == "FR"


def test_same_day_replaces_and_reimport_is_unchanged(run, db, world):
    run("partners", DATED, "ACME,ACME Ltd,,FR,gold,DE,EUR,2026-08-15")
    again = run("partners", DATED, "ACME,ACME Ltd,,FR,gold,DE,EUR,2026-08-15")
    assert (again.updated, again.unchanged) == (0, 1)
    corrected = run("partners", DATED, "ACME,ACME Ltd,,DACH,gold,DE,EUR,2026-08-15")
    assert corrected.updated == 1
    assert history(db, PartnerTerritory, "ACME") == [
        (BEGINNING, date(2026, 8, 15), "DE-S"),
        (date(2026, 8, 15), None, "DACH"),
    ]


def test_move_without_date_starts_today_and_unchanged_rows_stay(run, db, world):
    result = run(
        "partners",
        PARTNERS,
        "ACME,ACME Ltd,,DE-S,silver,DE,EUR",
        "BETA,BETA Ltd,,FR,silver,FR,EUR",
    )
    assert (result.updated, result.unchanged) == (1, 1)
    today = utcnow().date()
    assert history(db, PartnerTerritory, "ACME") == [(BEGINNING, None, "DE-S")]
    assert history(db, PartnerTier, "ACME") == [(BEGINNING, today, "gold"), (today, None, "silver")]


def test_attributes_update_in_place(run, db, world):
    result = run("partners", PARTNERS, "BETA,Beta SAS,ACME,FR,silver,FR,CHF")
    assert result.updated == 1
    beta = db.session.get(Partner, world["beta"].id)
    assert (beta.name, beta.currency, beta.parent.code) == ("Beta SAS", "CHF", "ACME")
    assert history(db, PartnerTerritory, "BETA") == [(BEGINNING, None, "FR")]


@pytest.mark.parametrize(
    ("bad_row", "column", "message", "params"),
    [
        ("NEW,New,,MARS,gold,DE,EUR", "territory_code", e.UNKNOWN_TERRITORY, {"value": "MARS"}),
        (
            "NEW,New,,FR,diamond,DE,EUR",
            "tier",
            e.UNKNOWN_TIER,
            {"value": "diamond", "choices": "registered, silver, gold, platinum"},
        ),
        ("NEW,New,,FR,,DE,EUR", "tier", e.REQUIRED, {}),
        ("NEW,New,,FR,gold,de,EUR", "country", e.BAD_COUNTRY, {"value": "de"}),
        ("NEW,New,,FR,gold,DEU,EUR", "country", e.BAD_COUNTRY, {"value": "DEU"}),
        ("NEW,New,,FR,gold,DE,€", "currency", e.BAD_CURRENCY, {"value": "€"}),
        ("NEW,New,,FR,gold,ZZ,EUR", "country", e.BAD_COUNTRY, {"value": "ZZ"}),
        ("NEW,New,,FR,gold,EU,EUR", "country", e.BAD_COUNTRY, {"value": "EU"}),
        ("NEW,New,,FR,gold,DE,XXX", "currency", e.BAD_CURRENCY, {"value": "XXX"}),
        ("NEW,New,,FR,gold,DE,BTC", "currency", e.BAD_CURRENCY, {"value": "BTC"}),
        (
            "NEW,New\u202eCo,,FR,gold,DE,EUR",
            "name",
            e.BAD_CHARACTER,
            {"char": "U+202E", "position": 4},
        ),
        (
            "NEW,New\x1bCo,,FR,gold,DE,EUR",
            "name",
            e.BAD_CHARACTER,
            {"char": "U+001B", "position": 4},
        ),
        ("NEW,New,GHOST,FR,gold,DE,EUR", "parent_code", e.UNKNOWN_PARENT, {"value": "GHOST"}),
        ("ONE,Again,,FR,gold,DE,EUR", "code", e.DUPLICATE_KEY, {"value": "ONE", "first": 2}),
        ("NEW,,,FR,gold,DE,EUR", "name", e.REQUIRED, {}),
        (
            "NEW,New,NEW,FR,gold,DE,EUR",
            "parent_code",
            e.CYCLE,
            {"value": "NEW", "chain": "NEW → NEW"},
        ),
    ],
)
def test_one_bad_partner_imports_nothing(run, db, world, bad_row, column, message, params):
    before = db.session.scalar(select(Partner.id).order_by(Partner.id.desc()).limit(1))
    error = only_error(run("partners", PARTNERS, "ONE,One,,FR,gold,FR,EUR", bad_row))
    assert (error.row, error.column, error.message, error.params) == (3, column, message, params)
    assert db.session.scalar(select(Partner.id).order_by(Partner.id.desc()).limit(1)) == before


def test_bad_effective_from(run, world):
    error = only_error(run("partners", DATED, "NEW,New,,FR,gold,FR,EUR,15.08.2026"))
    assert (error.row, error.column, error.message) == (2, "effective_from", e.BAD_DATE)


def test_group_loop_through_existing_partners_is_refused(run, db, make, world):
    make.partner("BRANCH", world["t"]["FR"], parent=world["acme"])
    error = only_error(run("partners", PARTNERS, "ACME,ACME Ltd,BRANCH,DE-S,gold,DE,EUR"))
    assert (error.column, error.message) == ("parent_code", e.CYCLE)
    assert db.session.get(Partner, world["acme"].id).parent_id is None


def test_names_are_stored_nfc_normalised(run, db, world):
    assert run("partners", PARTNERS, "CAFE,Cafe\u0301 Mu\u0308ller,,FR,gold,FR,EUR").ok
    partner = db.session.scalars(select(Partner).where(Partner.code == "CAFE")).one()
    assert partner.name == "Café Müller"


def test_effective_from_outside_the_window_is_refused(run, app, world):
    error = only_error(run("partners", DATED, "NEW,New,,FR,gold,FR,EUR,1900-01-01"))
    assert (error.column, error.message) == ("effective_from", e.TOO_EARLY)
