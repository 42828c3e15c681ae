"""Partners never see each other; managers see their subtree only — by every route and id."""

from datetime import date

import pytest
from sqlalchemy import select

from portal.models import Partner, SaleLine, Territory
from portal.security import Perm, can, visible_to
from tests.conftest import csrf_token
from tests.factories import PASSWORD

TREE = {
    "WORLD": None,
    "EMEA": "WORLD",
    "DACH": "EMEA",
    "DE-S": "DACH",
    "FR": "EMEA",
    "AMER": "WORLD",
}


@pytest.fixture
def world(make):
    t = make.tree(TREE)
    net = make.category("NET")
    sw = make.product("SW-1", net)
    acme = make.partner("ACME", t["DE-S"])
    beta = make.partner("BETA", t["FR"], currency="EUR", country="FR")
    return {
        "t": t,
        "acme": acme,
        "beta": beta,
        "acme_sale": make.sale(acme, sw, "100.00"),
        "beta_sale": make.sale(beta, sw, "200.00"),
        "acme_user": make.user("partner_user", partner=acme),
        "dach_manager": make.user("channel_manager", territories=[t["DACH"]]),
        "finance": make.user("finance"),
    }


def _codes(db, user, model=Partner):
    return set(db.session.scalars(visible_to(select(model.code), user, model)))


def test_partner_user_sees_only_own_partner(db, world):
    assert _codes(db, world["acme_user"]) == {"ACME"}
    lines = db.session.scalars(visible_to(select(SaleLine), world["acme_user"], SaleLine)).all()
    assert [line.id for line in lines] == [world["acme_sale"].id]


def test_manager_of_dach_sees_germany_south_but_not_france(db, world):
    assert _codes(db, world["dach_manager"]) == {"ACME"}
    assert _codes(db, world["dach_manager"], Territory) == {"DACH", "DE-S"}


def test_within_a_request_the_manager_scope_is_the_same(db, make, world, request_context):
    """In a request the territory ids are read once and written into the statements."""
    assert _codes(db, world["dach_manager"]) == {"ACME"}
    assert _codes(db, world["dach_manager"], Territory) == {"DACH", "DE-S"}
    nowhere = make.user("channel_manager", email="nowhere@example.com", territories=[])
    assert _codes(db, nowhere) == set()
    assert _codes(db, nowhere, Territory) == set()


def test_manager_scope_follows_effective_dated_move(db, make, world):
    make.move(world["beta"], world["t"]["DE-S"], date(2000, 1, 1))
    assert _codes(db, world["dach_manager"]) == {"ACME", "BETA"}


def test_finance_sees_everything(db, world):
    assert _codes(db, world["finance"]) == {"ACME", "BETA"}


def test_partner_user_cannot_import_or_view_audit(world):
    assert not can(world["acme_user"], Perm.IMPORT_DATA)
    assert not can(world["acme_user"], Perm.VIEW_AUDIT)


@pytest.mark.parametrize(
    "path",
    [
        "/partners/{beta}",
        "/sales/{beta_sale}",
        "/sales?partner={beta}",
        "/sales/export.csv?partner={beta}",
    ],
)
def test_partner_user_guessing_ids_gets_404(login, world, path):
    client = login(world["acme_user"])
    url = path.format(beta=world["beta"].id, beta_sale=world["beta_sale"].id)
    assert client.get(url).status_code == 404


def test_lists_and_exports_never_show_another_partner(login, world):
    client = login(world["acme_user"])
    for url in ("/partners", "/sales", "/sales/export.csv", "/dashboard"):
        body = client.get(url).get_data(as_text=True)
        assert "BETA" not in body, url
    export = client.get("/sales/export.csv").get_data(as_text=True)
    assert world["acme_sale"].external_id in export


@pytest.mark.parametrize(
    "path",
    ["/imports/", "/audit/", "/audit/export.csv", "/health/", "/admin/users", "/territories"],
)
def test_partner_user_is_refused_back_office_pages(login, world, path):
    assert login(world["acme_user"]).get(path).status_code == 403


def test_manager_guessing_france_partner_gets_404(login, world):
    client = login(world["dach_manager"])
    assert client.get(f"/partners/{world['beta'].id}").status_code == 404
    assert client.get(f"/partners/{world['acme'].id}").status_code == 200
    page = client.get("/partners").get_data(as_text=True)
    assert "ACME" in page and "BETA" not in page


def test_fund_pages_follow_the_territory_tree(login, world, db, app):
    """A fund whose money went to FR only: ACME's user and the DACH manager get 404 on it and
    its CSV, and the list shows them nothing of it; finance sees it."""
    from decimal import Decimal

    from workflows.mdf import funds

    today = date.today()
    fund = funds.create_fund(
        actor=world["finance"],
        code="MDF-FR",
        name="France fund",
        currency="EUR",
        amount=Decimal("900.00"),
        starts_on=today,
        ends_on=today,
        claim_deadline=today.replace(year=today.year + 1),
    )
    for code in ("WORLD", "EMEA", "FR"):
        funds.allocate(
            fund, actor=world["finance"], amount=Decimal("300"), territory=world["t"][code]
        )
    funds.allocate(fund, actor=world["finance"], amount=Decimal("300"), partner=world["beta"])
    db.session.commit()
    for user in ("acme_user", "dach_manager"):
        client = app.test_client()  # a browser of its own per user
        token = csrf_token(client)
        client.post(
            "/login", data={"email": world[user].email, "password": PASSWORD, "csrf_token": token}
        )
        assert client.get(f"/mdf/funds/{fund.id}").status_code == 404, user
        assert client.get(f"/mdf/funds/{fund.id}/utilisation.csv").status_code == 404, user
        assert "MDF-FR" not in client.get("/mdf/funds").get_data(as_text=True), user
    finance = login(world["finance"])
    assert finance.get(f"/mdf/funds/{fund.id}").status_code == 200
    assert "BETA" in finance.get(f"/mdf/funds/{fund.id}/utilisation.csv").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/mdf/funds/new", "/mdf/activity-types"])
def test_partner_user_is_refused_finances_fund_pages(login, world, path):
    assert login(world["acme_user"]).get(path).status_code == 403
