"""Hostile input on every page, driven by the URL map: no answer is ever a 500, and a refused
submission writes nothing.

Nothing here lists pages, fields or parameters by hand, so a new route is covered as soon as it
is registered:

- every rule of `app.url_map`, every declared method, is called as each role (anonymous,
  partner user, partner admin, channel manager, finance, admin) on the demo data set, with real
  ids for its path parameters and hostile ones (0, -1, past the integer range, 5,000 digits);
- the query parameters a page reads are found by recording what the view asks `request.args`
  for, then each is sent every hostile value;
- the forms are read from the rendered pages (`<form method="post">`, its inputs, selects and
  textareas with their values); each field is then sent hostile values while the others keep
  theirs, with a valid CSRF token (and once as a JSON body nested 1,000 deep). A submission
  that is refused (4xx, the form shown again, a refusal flashed) must write no row;
- OPTIONS and TRACE on every path: Allow names only the declared methods, TRACE is a 405;
- sign-in with hostile `next=` values never fails and never leaves the site.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from datetime import date
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import pytest
from flask import Request
from sqlalchemy import func, select, text
from sqlalchemy.orm import scoped_session, sessionmaker
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import AnyConverter, IntegerConverter
from werkzeug.utils import cached_property

from portal.demo import load_demo
from portal.demo.banking import load_demo_account_change, load_demo_banking
from portal.demo.claims import load_demo_claims
from portal.demo.contests import CODE as CONTEST_CODE
from portal.demo.contests import load_demo_contest, load_demo_trip_contest
from portal.demo.data import PASSWORD
from portal.demo.deals import load_demo_deals
from portal.demo.onboarding import load_demo_onboarding
from portal.demo.programs import load_demo_programs
from portal.demo.rewards import load_demo_rewards
from portal.extensions import db as _db
from portal.models import (
    AgreementVersion,
    CalcResult,
    CalcRun,
    Claim,
    ClosedPeriod,
    CountryTerritoryRule,
    DealRegistration,
    MdfActivityType,
    MdfFund,
    Partner,
    PartnerApplication,
    PayeeAccount,
    Program,
    Redemption,
    RewardItem,
    SaleLine,
    SsoProvider,
    Territory,
    User,
    WebhookDelivery,
    WebhookEndpoint,
)

from .conftest import CSRF_RE, _app_context_id
from .mdf.demo_world import add_mdf_demo
from .webhooks.demo_world import add_webhook_demo

TODAY = date(2026, 9, 10)
ROLES = {
    "anonymous": None,
    "partner_user": "partner.user@demo.example",
    "channel_manager": "manager.dach@demo.example",
    "finance": "finance@demo.example",
    "partner_admin": "partner.admin@demo.example",
    "admin": "admin@demo.example",
}
HOSTILE_PATH_ROLES = ("anonymous", "partner_user", "finance")  # routing refuses before access
HOSTILE_IDS = ("0", "-1", "2147483648", "99999999999999999999", "9" * 5000)
HOSTILE_SEGMENTS = ("x", "%00", "9" * 40, "1e999", "..%2F..%2Fetc")
HOSTILE_VALUES = (
    "\x00",
    "a\x00b",
    "1e999",
    "NaN",
    "9" * 40,
    "-1",
    "9" * 5000,
    "\r\n//evil.example/",
    "\ud800",
)
FIELD_VALUES = ("\x00", "1e999", "NaN", "9" * 40, "-0", "9" * 5000)
SKIPPED_ENDPOINTS = {"static"}
# Requests that end the role's own session are sent last, after everything else for the role.
SESSION_ENDING = {"auth.logout", "auth.sign_out_everywhere", "auth.revoke"}
NUMBER = re.compile(r"[0-9]+")


# -- what a view reads ---------------------------------------------------------------------


READ: set[str] = set()


class RecordingArgs(ImmutableMultiDict):
    """A query string that notes every name a view asks it for."""

    def __getitem__(self, key):
        READ.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None, type=None):  # noqa: A002 - the MultiDict signature
        READ.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):  # noqa: A002
        READ.add(key)
        return super().getlist(key, type)

    def __contains__(self, key):
        READ.add(key)
        return super().__contains__(key)


class RecordingRequest(Request):
    @cached_property
    def args(self):
        return RecordingArgs(super().args)


# -- forms on the rendered pages -----------------------------------------------------------


class FormReader(HTMLParser):
    """Every POST form of a page: its action and its fields with the values the page gives
    (a select's selected or first non-empty option, a textarea's text)."""

    def __init__(self, page_path: str):
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._form: dict[str, str] | None = None
        self._action = ""
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._form, self._action = {}, a.get("action") or self.page_path
        if self._form is None:
            return
        if tag == "option" and self._select and a.get("value"):
            if "selected" in a or not self._form[self._select]:
                self._form[self._select] = a["value"]
        if not a.get("name"):
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text").lower()
            unchecked = kind in ("checkbox", "radio") and "checked" not in a
            if kind == "file" or unchecked:
                self._form.setdefault(name, "")
            else:
                self._form[name] = a.get("value", "")
        elif tag == "select":
            self._select = name
            self._form.setdefault(name, "")
        elif tag == "textarea":
            self._textarea = name
            self._form[name] = ""
        elif tag == "button" and a.get("value"):
            self._form.setdefault(name, a["value"])

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append((self._action, self._form))
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)


def forms_on(path: str, html: str) -> list[tuple[str, dict[str, str]]]:
    reader = FormReader(urlsplit(path).path)
    reader.feed(html)
    return reader.forms


# -- the world -----------------------------------------------------------------------------


def first_id(model, *where) -> int:
    return _db.session.scalar(select(func.min(model.id)).where(*where)) or 1


def real_values(mdf) -> dict[str, list[str]]:
    """Path values naming real objects of the demo, by parameter name."""
    partner = _db.session.scalar(select(Partner.id).where(Partner.code == "ALPENNETZ"))
    ids = {
        "deal_id": [first_id(DealRegistration)],
        "claim_id": [first_id(Claim)],
        "program_id": [first_id(Program)],
        "contest_id": [first_id(Program, Program.code == CONTEST_CODE)],
        "run_id": [first_id(CalcRun)],
        "result_id": [first_id(CalcResult)],
        "closure_id": [first_id(ClosedPeriod)],
        "partner_id": [partner],
        "territory_id": [first_id(Territory)],
        "line_id": [first_id(SaleLine)],
        "item_id": [first_id(RewardItem)],
        "redemption_id": [first_id(Redemption)],
        "application_id": [first_id(PartnerApplication)],
        "version_id": [first_id(AgreementVersion)],
        "rule_id": [first_id(CountryTerritoryRule)],
        "fund_id": [first_id(MdfFund)],
        "type_id": [first_id(MdfActivityType)],
        "user_id": [first_id(User, User.email == "partner.fr@demo.example")],
        "active": [0, 1],
        # the DACH manager's decision forms are read from the first request's page
        "request_id": [mdf.waiting, mdf.claimed],
        "mdf_claim_id": [mdf.claim],
        "proof_id": [mdf.proof],
        # the pending change (finance's decision forms are read from its page)
        "account_id": [first_id(PayeeAccount, PayeeAccount.state == "pending")],
        "endpoint_id": [first_id(WebhookEndpoint)],
        "delivery_id": [first_id(WebhookDelivery)],
        "provider_id": [first_id(SsoProvider)],
    }
    values = {name: [str(i) for i in found] for name, found in ids.items()}
    # Ids of objects the demo does not create (imports, batches, tasks, documents, tokens …)
    # are real enough as 1: the hostile ids are what matters for them.
    values.update(
        {
            "action": ["approve", "withdraw", "edit"],
            "period": ["2026-Q2", "2026-Q3"],
            "token": ["not-a-token"],
        }
    )
    return values


def path_variants(rule, real: dict[str, list[str]]) -> list[str]:
    """The rule with real values, then with each parameter hostile in turn."""
    choices: dict[str, tuple[list[str], tuple[str, ...]]] = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            choices[name] = (sorted(converter.items), HOSTILE_SEGMENTS[:1])
        elif isinstance(converter, IntegerConverter):
            choices[name] = (real.get(name, ["1"]), HOSTILE_IDS)
        else:
            choices[name] = (real.get(name, ["x"]), HOSTILE_SEGMENTS)
    base = {name: good[0] for name, (good, _bad) in choices.items()}
    variants = [base]
    for name, (good, bad) in choices.items():
        variants += [{**base, name: value} for value in [*good[1:], *bad]]
    return [_fill(rule.rule, values) for values in variants]


def _fill(template: str, values: dict[str, str]) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: values[m.group(1)], template)


def sign_in(app, email: str | None):
    client = app.test_client()
    if email is None:
        return client
    token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
    answer = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]
    return client


def rows_written() -> int:
    """Rows inserted, updated or deleted so far on the test's connection (the test runs in one
    transaction): a refused submission leaves the number where it was. One cheap query, so
    every submission can be checked."""
    if _db.engine.dialect.name == "postgresql":
        sql = (
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) "
            "FROM pg_stat_xact_user_tables"
        )
    else:
        sql = "SELECT total_changes()"
    return int(_db.session.execute(text(sql)).scalar_one())


def _bound_session(connection):
    """Sessions on `connection`, each app context its own (as the `db` fixture makes them)."""
    return scoped_session(
        sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
        scopefunc=_app_context_id,
    )


@pytest.fixture(scope="module")
def demo_world(app):
    """The demo, loaded once for the module in a transaction that is never committed: every
    test here runs in a savepoint of it (`db`), rolled back after the test, so each one starts
    from the same demo and nothing is left to the rest of the session."""
    connection = _db.engine.connect()
    outer = connection.begin()
    original = _db.session
    try:
        with app.app_context(), pytest.MonkeyPatch.context() as patch:
            patch.setattr("portal.models.users.PASSWORD_METHOD", "pbkdf2:sha256:1000")
            _db.session = session = _bound_session(connection)
            summary = load_demo(session, today=TODAY)
            session.commit()
            load_demo_programs(summary.dates)
            load_demo_deals()
            load_demo_rewards()
            load_demo_onboarding()
            load_demo_banking()
            load_demo_claims(summary.dates)
            load_demo_account_change()
            load_demo_contest(summary.dates)
            session.commit()
            load_demo_trip_contest(summary.dates)
            mdf = add_mdf_demo(session)
            add_webhook_demo(session)
            # a sign-in provider nobody answers for (nothing listens on port 9): its pages and
            # the company sign-in are walked without leaving the machine
            session.add(
                SsoProvider(
                    name="Demo company login",
                    issuer="http://127.0.0.1:9",
                    client_id="portal",
                    secret_env="DEMO_SSO_SECRET",
                    domains=["sso.demo.example"],
                    role_map={"admins": "admin"},
                    territory_map={},
                )
            )
            session.commit()
            session.remove()
            _db.session = original
        yield connection, (summary, mdf)
    finally:
        _db.session = original
        outer.rollback()
        connection.close()


@pytest.fixture
def db(demo_world, test_context):
    """This module's tests run on the loaded demo, in a savepoint rolled back afterwards."""
    connection, _demo = demo_world
    savepoint = connection.begin_nested()
    original = _db.session
    _db.session = session = _bound_session(connection)
    try:
        yield _db
    finally:
        session.remove()
        _db.session = original
        if savepoint.is_active:
            savepoint.rollback()


@pytest.fixture
def demo(demo_world, db, redis):
    return demo_world[1]


@pytest.fixture
def recording(app, monkeypatch):
    monkeypatch.setattr(app, "request_class", RecordingRequest)
    for name in ("REGISTRATION_RATE_LIMIT", "VERIFY_RESEND_RATE_LIMIT", "LOGIN_RATE_LIMIT"):
        monkeypatch.setitem(app.config, name, 1_000_000)


# -- the fuzzer ----------------------------------------------------------------------------


class Fuzz:
    def __init__(self, app):
        self.app = app
        self.failures: list[str] = []
        self.requests = 0
        self.reached: dict[str, set[str]] = defaultdict(set)

    def send(self, client, method: str, url: str, role: str, **kwargs):
        self.requests += 1
        try:
            response = client.open(url, method=method, **kwargs)
        except Exception as exc:  # noqa: BLE001 - an exception past the app is a failure too
            _db.session.rollback()
            self.failures.append(f"{role} {method} {url[:200]}: raised {exc!r}"[:400])
            return None
        response.get_data()  # read, then closed as a server does (downloads hold their file)
        response.close()
        if response.status_code >= 500:
            _db.session.rollback()  # the failed request may have left the transaction aborted
            self.failures.append(f"{role} {method} {url[:200]} {kwargs.get('data', '')!r:.300}")
        return response

    @staticmethod
    def is_page(method: str, response) -> bool:
        return method == "GET" and response.status_code == 200 and response.mimetype == "text/html"

    def read_by(self, client, url: str, role: str, method: str = "GET", **kwargs):
        READ.clear()
        response = self.send(client, method, url, role, **kwargs)
        return response, set(READ)


def _csrf(html: str) -> str | None:
    match = CSRF_RE.search(html)
    return match.group(1) if match else None


# Pages each role's walk must have opened: the walk really got past the sign-in and into them.
REACHED = {
    "partner_user": {
        "/claims",
        "/deals/<int:deal_id>",
        "/mdf/requests/<int:request_id>",
        "/mdf/proofs/<int:proof_id>/download",
        "/mdf/funds/<int:fund_id>",
    },
    "partner_admin": {"/payout-accounts"},
    "channel_manager": {
        "/deals/queue",
        "/applications",
        "/mdf/queue",
        "/mdf/requests/<int:request_id>",
        "/mdf/proofs/<int:proof_id>/download",
        "/mdf/funds/<int:fund_id>",
    },
    "finance": {
        "/programs/<int:program_id>/edit",
        "/calc/periods",
        "/mdf/requests/<int:request_id>",
        "/mdf/proofs/<int:proof_id>/download",
        "/mdf/funds/<int:fund_id>",
        "/mdf/activity-types",
        "/payout-accounts/review",
        "/payout-accounts/<int:account_id>",
    },
    "admin": {
        "/admin/users",
        "/admin/country-rules",
        "/admin/webhooks",
        "/admin/webhooks/new",
        "/admin/webhooks/<int:endpoint_id>",
        "/admin/webhooks/<int:endpoint_id>/edit",
        "/admin/sso",
        "/admin/sso/new",
        "/admin/sso/<int:provider_id>",
    },
}


@pytest.mark.parametrize("role", ROLES)
def test_no_page_answers_hostile_input_with_a_server_error(app, db, demo, recording, role):
    """Every route, as `role`: hostile ids in the path, hostile values in every query parameter
    the view reads, every form found with hostile field values; then the session-ending routes."""
    started = time.monotonic()
    _summary, mdf = demo
    real = real_values(mdf)
    every_rule = [r for r in app.url_map.iter_rules() if r.endpoint not in SKIPPED_ENDPOINTS]
    rules = [r for r in every_rule if r.endpoint not in SESSION_ENDING]
    ending = [r for r in every_rule if r.endpoint in SESSION_ENDING]
    fuzz = Fuzz(app)
    forms: dict[tuple, tuple[str, dict[str, str]]] = {}

    email = ROLES[role]
    client = sign_in(app, email)
    token = _csrf(client.get("/login" if email is None else "/dashboard").get_data(True))
    for rule in rules:
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        variants = path_variants(rule, real)
        if role not in HOSTILE_PATH_ROLES:
            variants = variants[:1]
        for index, url in enumerate(variants):
            for method in methods:
                data = {"csrf_token": token} if method == "POST" and token else None
                response, names = fuzz.read_by(client, url, role, method, data=data)
                if response is None or index > 0:
                    continue
                if method == "GET" and response.status_code == 200:
                    fuzz.reached[role].add(rule.rule)
                if fuzz.is_page(method, response):
                    html = response.get_data(as_text=True)
                    for action, fields in forms_on(url, html):
                        forms.setdefault((action, tuple(sorted(fields))), (action, fields))
                    token = _csrf(html) or token
                if response.status_code >= 400 and method == "GET":
                    continue  # not for this role: its query parameters are never read
                for name in sorted(names):
                    for value in HOSTILE_VALUES:
                        query = urlencode({name: value}, errors="surrogatepass")
                        fuzz.send(client, method, f"{url}?{query}", role, data=data)
                if method == "GET" and "page" not in names:
                    fuzz.send(client, "GET", f"{url}?page=99999999999999999999", role)
    _fuzz_forms(fuzz, client, role, token, forms)
    for rule in ending:
        for url in path_variants(rule, real):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                data = {"csrf_token": token} if method == "POST" and token else None
                fuzz.send(client, method, url, role, data=data)

    print("REQUESTS", role, fuzz.requests, time.monotonic() - started, len(forms))
    assert not fuzz.failures, "\n".join(fuzz.failures[:40])
    assert REACHED.get(role, set()) <= fuzz.reached[role]
    assert email is None or len(forms) > 5  # a signed-in role meets forms to send
    assert time.monotonic() - started < 600


def test_no_method_or_sign_in_target_answers_with_a_server_error(app, db, demo, recording):
    """OPTIONS and TRACE on every route, and hostile `next` targets after signing in."""
    _summary, mdf = demo
    real = real_values(mdf)
    every_rule = [r for r in app.url_map.iter_rules() if r.endpoint not in SKIPPED_ENDPOINTS]
    fuzz = Fuzz(app)
    _methods_everywhere(fuzz, app, every_rule, real)
    _hostile_next(fuzz, app)
    assert not fuzz.failures, "\n".join(fuzz.failures[:40])
    assert fuzz.requests > 2 * len(every_rule)


def _refused(client, response) -> bool:
    """A 4xx, the form shown again with its errors, or a redirect flashing a refusal."""
    if response.status_code >= 400:
        return True
    if response.status_code == 200:
        html = response.get_data(as_text=True)
        return "is-invalid" in html or "alert-danger" in html
    with client.session_transaction() as session:
        return any(category == "danger" for category, _message in session.get("_flashes", []))


def _fuzz_forms(fuzz: Fuzz, client, role: str, token: str | None, forms) -> None:
    for action, fields in forms.values():
        path = urlsplit(action).path
        if path == "/logout" or path.startswith("/account/sessions/"):
            continue  # sent last, by the caller
        for body in ("[" * 1000 + "]" * 1000, "[1]"):  # pages never parse JSON, however sent
            headers = {"X-CSRFToken": token or ""}
            fuzz.send(
                client,
                "POST",
                action,
                role,
                data=body,
                headers=headers,
                content_type="application/json",
            )
        for name in sorted(fields):
            if name == "csrf_token":
                continue
            for value in FIELD_VALUES:
                data = {**fields, name: value, "csrf_token": token or ""}
                before = rows_written()
                response = fuzz.send(client, "POST", action, role, data=data)
                if response is not None and _refused(client, response):
                    if rows_written() != before:
                        fuzz.failures.append(
                            f"{role} POST {action} {name}={value[:20]!r}: refused but wrote rows"
                        )


def _methods_everywhere(fuzz: Fuzz, app, rules, real) -> None:
    """OPTIONS lists the path's declared methods; TRACE (declared nowhere) is a 405 saying so."""
    client = app.test_client()
    adapter = app.url_map.bind("localhost")
    for rule in rules:
        url = path_variants(rule, real)[0]
        allowed = set(adapter.allowed_methods(url))
        options = fuzz.send(client, "OPTIONS", url, "anonymous")
        trace = fuzz.send(client, "TRACE", url, "anonymous")
        for response in (options, trace):
            if response is None or "Allow" not in response.headers:
                continue
            listed = set(response.headers["Allow"].split(", "))
            if listed != allowed or "TRACE" in listed:
                fuzz.failures.append(f"{url}: Allow {sorted(listed)}, declared {sorted(allowed)}")
        if trace is not None and trace.status_code != 405:
            fuzz.failures.append(f"TRACE {url}: {trace.status_code}, not 405")


def _hostile_next(fuzz: Fuzz, app) -> None:
    """Where to go after signing in comes from the query string: hostile values never fail."""
    for value in (*HOSTILE_VALUES, "https://evil.example/", "/\\evil.example", "javascript:1"):
        client = app.test_client()
        token = _csrf(client.get("/login").get_data(as_text=True))
        data = {"email": ROLES["finance"], "password": PASSWORD, "csrf_token": token}
        query = urlencode({"next": value}, errors="surrogatepass")
        response = fuzz.send(client, "POST", f"/login?{query}", "anonymous", data=data)
        if response is not None and response.status_code == 302:
            target = urlsplit(response.headers["Location"])
            if target.netloc not in ("", "localhost") or "\n" in response.headers["Location"]:
                fuzz.failures.append(f"next={value!r} sent the user to {target.geturl()!r}")
