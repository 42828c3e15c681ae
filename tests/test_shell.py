"""The UI shell: navigation per role, error pages that leak nothing, health, languages."""

import pytest


@pytest.fixture
def people(make):
    t = make.tree({"WORLD": None, "EMEA": "WORLD"})
    partner = make.partner("P1", t["EMEA"])
    return {
        "partner_user": make.user("partner_user", partner=partner),
        "partner_admin": make.user("partner_admin", partner=partner),
        "channel_manager": make.user("channel_manager", territories=[t["EMEA"]]),
        "finance": make.user("finance"),
        "admin": make.user("admin"),
    }


NAV = {
    "partner_user": {"Dashboard", "Partners", "Sales"},
    "partner_admin": {"Dashboard", "Partners", "Sales"},
    "channel_manager": {"Dashboard", "Partners", "Sales", "Territories"},
    "finance": {
        "Dashboard",
        "Partners",
        "Sales",
        "Territories",
        "Imports",
        "Audit log",
        "System health",
    },
    "admin": {
        "Dashboard",
        "Partners",
        "Sales",
        "Territories",
        "Imports",
        "Audit log",
        "Users",
        "System health",
    },
}
ALL_LINKS = set().union(*NAV.values())


@pytest.mark.parametrize("role", sorted(NAV))
def test_navigation_per_role(login, people, role):
    body = login(people[role]).get("/dashboard").get_data(as_text=True)
    nav = body.split('id="nav-main"')[1].split("</ul>")[0]
    shown = {label for label in ALL_LINKS if f">{label}</a>" in nav}
    assert shown == NAV[role]


def test_not_found_page_leaks_nothing(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Traceback" not in body and "werkzeug" not in body.lower()


def test_server_error_page_leaks_nothing(app):
    from portal import create_app
    from portal.config import TestConfig
    from portal.extensions import db

    fresh = create_app(TestConfig)
    fresh.config["PROPAGATE_EXCEPTIONS"] = False

    @fresh.get("/__boom")
    def boom():
        raise RuntimeError("secret internals")

    with fresh.app_context():
        response = fresh.test_client().get("/__boom")
        db.session.remove()
        db.engine.dispose()
    assert response.status_code == 500
    assert "secret internals" not in response.get_data(as_text=True)


def test_health_page_shows_database_redis_and_workers(login, people):
    body = login(people["finance"]).get("/health/").get_data(as_text=True)
    assert "Database" in body and "Redis" in body and "Background workers" in body


def test_liveness_endpoint(client):
    response = client.get("/health/live")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_login_page_in_french_from_accept_language(client):
    body = client.get("/login", headers={"Accept-Language": "fr-FR,fr;q=0.9"}).get_data(
        as_text=True
    )
    assert 'lang="fr"' in body
    assert "Se connecter" in body


def test_user_language_preference_wins(login, db, people):
    user = people["partner_user"]
    user.locale = "fr"
    db.session.flush()
    body = login(user).get("/dashboard", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'lang="fr"' in body


def test_static_assets_are_served_locally(client):
    body = client.get("/login").get_data(as_text=True)
    assert "cdn" not in body.lower() and "https://" not in body
    css = client.get("/static/node_modules/bootstrap/dist/css/bootstrap.min.css")
    assert css.status_code == 200
    css.close()


def test_script_in_names_is_escaped(login, db, make):
    t = make.territory("WORLD")
    partner = make.partner("EVIL", t)
    partner.name = "<script>alert(1)</script>"
    db.session.flush()
    body = login(make.user("finance")).get("/partners").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
