"""Every main page, for every demo login, in English and French: nothing the content security
policy blocks (inline styles, style blocks, inline scripts or handlers), and no date shown as ISO
text or a raw timestamp."""

import re
from datetime import date
from html.parser import HTMLParser

from portal.demo import load_demo
from portal.demo.banking import load_demo_account_change, load_demo_banking
from portal.demo.claims import load_demo_claims
from portal.demo.contests import load_demo_contest
from portal.demo.data import PASSWORD
from portal.demo.deals import load_demo_deals
from portal.demo.onboarding import load_demo_onboarding
from portal.demo.programs import load_demo_programs
from portal.demo.rewards import load_demo_rewards

from .conftest import csrf_token
from .mdf.demo_world import add_mdf_demo
from .webhooks.demo_world import add_webhook_demo

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
# Not dates to read: ledger entry references ("earn:3:1:2026-12-04:0") name what they came from.
LEDGER_REFERENCE = re.compile(r"^[a-z_]+(:[\w-]+)+$")
RAW_TIME = re.compile(r"\b\d{1,2}:\d{2}:\d{2}\b|\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


class PageScan(HTMLParser):
    """What the CSP would block, the text a reader sees, and the in-app links."""

    def __init__(self, html: str):
        super().__init__()
        self.blocked: list[str] = []
        self.text: list[str] = []
        self.links: list[str] = []
        self.nav_links: list[str] = []
        self._skip = 0
        self._nav = 0
        self._skipping: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "style":
            self.blocked.append("<style>")
        if tag == "script" and not attributes.get("src") and "nonce" not in attributes:
            self.blocked.append("inline <script>")
        for name, value in attrs:
            if name == "style":
                self.blocked.append(f'<{tag} style="{value}">')
            if name.startswith("on"):
                self.blocked.append(f"<{tag} {name}>")
        # Skipped: code, input hints that show the syntax to type, and what is not text.
        hint = "form-text" in (attributes.get("class") or "").split()
        if tag in ("script", "style", "textarea", "option", "code") or hint:
            self._skip += 1
            self._skipping.append(tag)
        if tag == "nav":
            self._nav += 1
        href = attributes.get("href") or ""
        if tag == "a" and href.startswith("/") and not href.startswith("//"):
            (self.nav_links if self._nav else self.links).append(href)

    def handle_endtag(self, tag):
        if self._skipping and tag == self._skipping[-1]:
            self._skipping.pop()
            self._skip -= 1
        if tag == "nav" and self._nav:
            self._nav -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.text.append(data.strip())


def _pages(client) -> list[str]:
    """The pages of the navigation, and a few records linked from them."""
    first = PageScan(client.get("/dashboard").get_data(as_text=True))
    pages = ["/dashboard", *dict.fromkeys(first.nav_links)]
    records = []
    for path in list(pages):
        if path in ("/dashboard",) or "/export" in path or path.endswith(".csv"):
            continue
        scan = PageScan(client.get(path).get_data(as_text=True))
        kinds = {}
        for link in scan.links:
            stem = re.sub(r"\d+", "N", link.split("?")[0])
            if re.search(r"/\d+$", link.split("?")[0]) and stem not in kinds:
                kinds[stem] = link
        records.extend(kinds.values())
    return [p for p in dict.fromkeys(pages + records) if "logout" not in p]


def test_pages_are_csp_clean_and_show_no_raw_dates(app, db, redis, cheap_password_hashes):
    demo = load_demo(db.session, today=date.today())
    load_demo_programs(demo.dates)
    load_demo_deals()
    load_demo_rewards()
    load_demo_onboarding()
    load_demo_banking()
    load_demo_account_change()
    load_demo_claims(demo.dates)
    load_demo_contest(demo.dates)
    add_mdf_demo(db.session)
    add_webhook_demo(db.session)
    problems, seen = [], set()
    for language in ("en", "fr"):
        for login in demo.logins:
            client = app.test_client()
            client.set_cookie("lang", language)
            token = csrf_token(client)
            data = {"email": login.email, "password": PASSWORD, "csrf_token": token}
            client.post("/login", data=data)
            for path in _pages(client):
                response = client.get(path, headers={"Accept-Language": language})
                if response.status_code != 200 or response.mimetype != "text/html":
                    continue
                seen.add(re.sub(r"\d+", "N", path))
                scan = PageScan(response.get_data(as_text=True))
                problems += [f"{language} {login.email} {path}: {b}" for b in scan.blocked]
                for text in scan.text:
                    if LEDGER_REFERENCE.match(text):
                        continue
                    if ISO_DATE.search(text) or RAW_TIME.search(text):
                        problems.append(f"{language} {login.email} {path}: {text[:120]!r}")
    assert {"/deals/N", "/audit/", "/points/catalog", "/dashboard"} <= seen
    assert {"/mdf/requests", "/mdf/requests/N", "/mdf/queue"} <= seen
    assert {"/payout-accounts", "/payout-accounts/review", "/payout-accounts/N"} <= seen
    assert {"/admin/webhooks", "/admin/webhooks/N"} <= seen
    assert {"/contests", "/contests/N"} <= seen
    assert problems == [], "\n".join(problems)


def test_favicon_is_linked_and_answers_at_the_root(client):
    with client.get("/favicon.ico") as icon:
        assert icon.status_code == 200
        assert icon.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
        assert icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    page = client.get("/login").get_data(as_text=True)
    assert 'rel="icon" href="/static/img/favicon.svg"' in page
    with client.get("/static/img/favicon.svg") as svg:
        assert svg.mimetype == "image/svg+xml"
