"""Partners never see each other's deals; managers only their subtree — by every route and id."""

import pytest
from sqlalchemy import select

from portal.models import DealRegistration
from portal.security import visible_to

from ..conftest import csrf_token


@pytest.fixture
def deals(register, world):
    return {
        "acme": register(world["acme_user"], "Acme Target", domain="target.example"),
        "acme_draft": register(world["acme_user"], "Draft Target", domain=None, submit=False),
        "gamma": register(world["gamma_user"], "Gamma Target", domain=None, country="FR"),
    }


def refs(db, user):
    stmt = visible_to(select(DealRegistration.reference), user, DealRegistration)
    return set(db.session.scalars(stmt))


def test_visible_to_scopes_deals_by_partner_and_territory(db, world, deals):
    acme = {deals["acme"].reference, deals["acme_draft"].reference}
    gamma = {deals["gamma"].reference}
    assert refs(db, world["acme_user"]) == acme == refs(db, world["acme_admin"])
    assert refs(db, world["beta_user"]) == set()
    assert refs(db, world["dach_manager"]) == acme
    assert refs(db, world["fr_manager"]) == gamma
    assert refs(db, world["emea_manager"]) == acme | gamma
    assert refs(db, world["amer_manager"]) == set()
    assert refs(db, world["finance"]) == acme | gamma


@pytest.mark.parametrize("who", ["beta_user", "gamma_user"])
def test_other_partner_guessing_ids_gets_404_everywhere(sign_in, world, deals, who):
    client = sign_in(world[who])
    token = csrf_token(client, "/deals")
    for deal in (deals["acme"], deals["acme_draft"]):
        assert client.get(f"/deals/{deal.id}").status_code == 404
        assert client.get(f"/deals/{deal.id}/edit").status_code == 404
        for action, data in [
            ("withdraw", {"withdraw-reason": "x"}),
            ("won", {}),
            ("extension", {}),
        ]:
            response = client.post(f"/deals/{deal.id}/{action}", data={**data, "csrf_token": token})
            assert response.status_code == 404
    assert client.get(f"/deals?partner={world['acme'].id}").status_code == 404
    for url in ("/deals", "/deals?state=submitted", "/dashboard"):
        page = client.get(url).get_data(as_text=True)
        assert "Acme Target" not in page and deals["acme"].reference not in page


def test_partner_cannot_open_review_pages_or_export(sign_in, world, deals):
    client = sign_in(world["acme_user"])
    assert client.get("/deals/queue").status_code == 403
    assert client.get("/deals/export.csv").status_code == 403


def test_manager_outside_the_territory_gets_404(sign_in, world, deals):
    client = sign_in(world["fr_manager"])
    token = csrf_token(client, "/deals")
    acme = deals["acme"]
    assert client.get(f"/deals/{acme.id}").status_code == 404
    for action in ("approve", "reject", "return"):
        response = client.post(f"/deals/{acme.id}/{action}", data={"csrf_token": token})
        assert response.status_code == 404
    assert client.get(f"/deals?partner={world['acme'].id}").status_code == 404
    assert client.get(f"/deals/queue?territory={world['t']['DACH'].id}").status_code == 404
    for url in ("/deals", "/deals/queue", "/deals/export.csv"):
        body = client.get(url).get_data(as_text=True)
        assert "Acme Target" not in body and "Gamma Target" in body, url


def test_manager_filters_within_the_subtree(sign_in, world, deals):
    client = sign_in(world["emea_manager"])
    page = client.get(f"/deals?territory={world['t']['FR'].id}").get_data(as_text=True)
    assert "Gamma Target" in page and "Acme Target" not in page
    export = client.get(f"/deals/export.csv?partner={world['acme'].id}").get_data(as_text=True)
    assert "Acme Target" in export and "Gamma Target" not in export
    assert "Draft Target" in client.get("/deals?state=draft").get_data(as_text=True)


def test_conflict_outside_the_managers_territory_is_shown_without_identity(
    register, sign_in, world, deals
):
    rival = register(world["gamma_user"], "ACME Target GmbH", domain="fr.target.example")
    page = sign_in(world["dach_manager"]).get(f"/deals/{deals['acme'].id}").get_data(as_text=True)
    assert "A registration outside your territories" in page
    assert rival.reference not in page and "GAMMA" not in page and "Gamma" not in page
    assert "same web or e-mail domain (target.example)" in page
    full = sign_in(world["emea_manager"]).get(f"/deals/{deals['acme'].id}").get_data(as_text=True)
    assert rival.reference in full


@pytest.mark.parametrize("path", ["/deals/abc", "/deals/999999", "/deals/999999/edit"])
def test_unknown_or_malformed_ids_are_404(sign_in, world, deals, path):
    assert sign_in(world["acme_user"]).get(path).status_code == 404


def test_anonymous_users_are_sent_to_sign_in(client, world, deals):
    for url in ("/deals", "/deals/queue", f"/deals/{deals['acme'].id}", "/deals/export.csv"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
