"""The UI shell: navigation per role, error pages that leak nothing, health, languages."""

from html.parser import HTMLParser

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


class MainNavigation(HTMLParser):
    """The navigation bar's main list as [(menu label, [link labels])]; a plain link is
    (None, [label]). The account menu after the list is not part of it."""

    def __init__(self, html: str):
        super().__init__()
        self.entries: list[tuple[str | None, list[str]]] = []
        self.lists = 0  # depth of <ul> inside the main list
        self.done = False
        self.menu: list | None = None
        self.text: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if self.done:
            return
        if tag == "ul" and (self.lists or "me-auto" in (dict(attrs).get("class") or "")):
            self.lists += 1
        elif self.lists and tag in ("summary", "a"):
            self.text = ""
        elif self.lists and tag == "details":
            self.menu = [None, []]

    def handle_endtag(self, tag):
        if self.done or not self.lists:
            return
        if tag == "ul":
            self.lists -= 1
            self.done = self.lists == 0
        elif tag == "summary":
            self.menu[0], self.text = self.text.strip(), None
        elif tag == "a":
            label, self.text = self.text.strip(), None
            if self.menu is not None:
                self.menu[1].append(label)
            else:
                self.entries.append((None, [label]))
        elif tag == "details":
            self.entries.append((self.menu[0], self.menu[1]))
            self.menu = None

    def handle_data(self, data):
        if self.text is not None:
            self.text += data


# What each role finds in the bar: menus group the pages; a menu with one page for this role
# is a plain link; API tokens and signing out sit in the account menu.
NAV = {
    "partner_user": [
        (None, ["Dashboard"]),
        (None, ["Partners"]),
        (None, ["Sales"]),
        (None, ["Deals"]),
        ("Incentives", ["Rewards", "Contests", "Claims", "Statements"]),
        ("Marketing funds", ["Funds", "Fund requests"]),
        ("Loyalty", ["Points", "Reward catalog", "Redemptions"]),
        (None, ["Resources"]),
    ],
    "partner_admin": [
        (None, ["Dashboard"]),
        ("Partners", ["Partners", "Team", "Payout accounts"]),
        (None, ["Sales"]),
        (None, ["Deals"]),
        ("Incentives", ["Rewards", "Contests", "Your awards", "Claims", "Statements"]),
        ("Marketing funds", ["Funds", "Fund requests"]),
        ("Loyalty", ["Points", "Reward catalog", "Redemptions"]),
        (None, ["Resources"]),
    ],
    "channel_manager": [
        (None, ["Dashboard"]),
        ("Partners", ["Partners", "Applications", "Territories", "Territory roll-up"]),
        (None, ["Sales"]),
        ("Deals", ["Deals", "Deal reviews"]),
        ("Incentives", ["Rewards", "Contests", "Incentive trips", "Claims", "Statements"]),
        ("Marketing funds", ["Funds", "Fund requests", "Fund reviews"]),
        ("Loyalty", ["Points", "Reward catalog", "Redemptions"]),
        (None, ["Resources"]),
    ],
    "finance": [
        (None, ["Dashboard"]),
        ("Partners", ["Partners", "Territories", "Territory roll-up"]),
        ("Sales", ["Sales", "Imports"]),
        (None, ["Deals"]),
        (
            "Incentives",
            [
                "Rewards",
                "Contests",
                "Incentive trips",
                "Claims",
                "Statements",
                "Programs",
                "Calculations",
                "Payouts",
                "Payout batches",
                "Payout accounts to verify",
            ],
        ),
        ("Marketing funds", ["Funds", "Fund requests", "Fund reviews", "Activity types"]),
        ("Loyalty", ["Points", "Reward catalog", "Redemptions"]),
        (None, ["Resources"]),
        ("Administration", ["Agreements", "Audit log", "System health"]),
    ],
    "admin": [
        (None, ["Dashboard"]),
        (
            "Partners",
            ["Partners", "Applications", "Territories", "Territory roll-up", "Country rules"],
        ),
        ("Sales", ["Sales", "Imports"]),
        (None, ["Deals"]),
        (None, ["Contests"]),
        (None, ["Resources"]),
        (
            "Administration",
            ["Users", "Single sign-on", "Agreements", "Audit log", "Webhooks", "System health"],
        ),
    ],
}


@pytest.mark.parametrize("role", sorted(NAV))
def test_navigation_per_role(login, people, role):
    body = login(people[role]).get("/dashboard").get_data(as_text=True)
    assert MainNavigation(body).entries == NAV[role]


def test_the_open_page_is_marked_in_its_menu(login, people):
    body = login(people["finance"]).get("/payout-batches").get_data(as_text=True)
    assert 'class="nav-link dropdown-toggle active">Incentives</summary>' in body
    assert 'class="dropdown-item active" aria-current="page" href="/payout-batches"' in body


def test_the_navigation_is_in_each_request_s_language_and_under_its_mount_point(login, people):
    """Each process keeps the navigation it built per role, language and mount point: a
    request in another language or under a prefix gets its own, never another's."""
    client = login(people["finance"])
    english = MainNavigation(client.get("/dashboard").get_data(as_text=True)).entries
    german = client.get("/dashboard", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert MainNavigation(german).entries[4][0] == "Prämien"
    assert english == NAV["finance"]
    mounted = client.get("/dashboard", environ_overrides={"SCRIPT_NAME": "/portal"})
    body = mounted.get_data(as_text=True)
    assert 'href="/portal/payout-batches"' in body and 'href="/payout-batches"' not in body
    assert 'href="/payout-batches"' in client.get("/dashboard").get_data(as_text=True)


def test_account_menu_has_api_tokens_and_sign_out(login, people):
    body = login(people["partner_user"]).get("/dashboard").get_data(as_text=True)
    account = body.split('class="dropdown-menu dropdown-menu-end"')[1].split("</details>")[0]
    assert 'href="/profile/tokens"' in account and ">Sign out</button>" in account


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
