"""Finance's fund pages as every role: the list, a new fund, a fund's utilisation and ROI, the
allocate form, the utilisation CSV and the activity types. Figures to the cent, refusals shown
with nothing written, hostile input never a 500."""

from __future__ import annotations

import csv
import html as html_lib
import io
import json
import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select

from portal.models import AuditEvent, MdfActivityType, MdfAllocation, MdfEntry, MdfFund
from workflows.mdf import claims, funds, requests
from workflows.mdf.claims import Proof

from ..conftest import csrf_token
from ..factories import PASSWORD
from .conftest import fund_acme, new_fund, propose

PROOF = Proof("booth.pdf", "0" * 32 + ".pdf", "application/pdf", 1234)
D = Decimal


@pytest.fixture
def funded(world, db):
    """MDF-1 (EUR 10,000.00): 1,000 down EMEA → DACH → ACME and 300 more to EMEA → FR; ACME's
    400 request approved and claimed at 350 (approved; 35 leads and 175,000 pipeline reported).
    MDF-US (USD 5,000.00): 800 to AMER."""
    fund = new_fund(world)
    fund_acme(world, fund)
    funds.allocate(fund, actor=world.finance, amount=D("300.00"), territory=world.t["EMEA"])
    funds.allocate(fund, actor=world.finance, amount=D("300.00"), territory=world.t["FR"])
    request = requests.approve_request(propose(world, fund), actor=world.dach_manager)
    claim = claims.submit_claim(
        request,
        actor=world.acme_user,
        amount=D("350.00"),
        proofs=[PROOF],
        actual_leads=35,
        actual_pipeline=D("175000.00"),
    )
    claims.approve_claim(claim, actor=world.dach_manager)
    other = new_fund(world, code="MDF-US", currency="USD", amount="5000.00")
    funds.allocate(other, actor=world.finance, amount=D("800.00"), territory=world.t["AMER"])
    db.session.commit()
    return fund, other


def cells(html: str, testid: str) -> dict[str, str]:
    """The figure cells of the table row marked `testid`."""
    row = re.search(rf'data-testid="{re.escape(testid)}".*?</tr>', html, re.S)
    assert row, f"no row {testid}"
    found = dict(re.findall(r'data-testid="([\w-]+)">([^<]*)<', row.group(0)))
    return {key: value for key, value in found.items() if key != testid}


def count(model) -> int:
    from portal.extensions import db

    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def other_client(app):
    """A second browser, signed in as `user`."""

    def sign_in(user):
        client = app.test_client()
        token = csrf_token(client)
        answer = client.post(
            "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
        )
        assert answer.status_code == 302
        return client

    return sign_in


# -- the list -------------------------------------------------------------------------------


LIST_FIGURES = {
    # role: {fund code: (allocated, committed, claimed, paid, available)}
    "finance": {
        "MDF-1": ("€10,000.00", "€350.00", "€350.00", "€0.00", "€9,650.00"),
        "MDF-US": ("$5,000.00", "$0.00", "$0.00", "$0.00", "$5,000.00"),
    },
    "dach_manager": {"MDF-1": ("€1,000.00", "€350.00", "€350.00", "€0.00", "€650.00")},
    "emea_manager": {"MDF-1": ("€1,300.00", "€350.00", "€350.00", "€0.00", "€950.00")},
    "amer_manager": {"MDF-US": ("$800.00", "$0.00", "$0.00", "$0.00", "$800.00")},
    "acme_admin": {"MDF-1": ("€1,000.00", "€350.00", "€350.00", "€0.00", "€650.00")},
    "acme_user": {"MDF-1": ("€1,000.00", "€350.00", "€350.00", "€0.00", "€650.00")},
    "other_admin": {},
}


@pytest.mark.parametrize("role", sorted(LIST_FIGURES))
def test_the_list_shows_each_role_its_own_figures(world, funded, login, role):
    html = login(getattr(world, role)).get("/mdf/funds").get_data(as_text=True)
    for code in ("MDF-1", "MDF-US"):
        if code not in LIST_FIGURES[role]:
            assert f'data-testid="fund-{code}"' not in html
            continue
        found = cells(html, f"fund-{code}")
        shown = tuple(found[k] for k in ("allocated", "committed", "claimed", "paid", "available"))
        assert shown == LIST_FIGURES[role][code]
    assert ("New fund" in html) is (role == "finance")
    if not LIST_FIGURES[role]:
        assert "No funds here yet." in html


def test_admin_and_anonymous_users_do_not_see_funds(world, funded, client, login):
    assert client.get("/mdf/funds").status_code == 302  # to the sign-in page
    assert login(world.admin).get("/mdf/funds").status_code == 403


def test_the_closed_filter_lists_funds_past_their_claim_deadline(world, db, login):
    old = new_fund(
        world,
        code="MDF-OLD",
        start=date(2024, 1, 1),
        end=date(2024, 6, 30),
        deadline=date(2024, 8, 31),
    )
    new_fund(world, code="MDF-NOW")
    db.session.commit()
    client = login(world.finance)
    opened = client.get("/mdf/funds").get_data(as_text=True)
    assert "fund-MDF-NOW" in opened and "fund-MDF-OLD" not in opened
    closed = client.get("/mdf/funds?state=closed").get_data(as_text=True)
    assert "fund-MDF-OLD" in closed and "fund-MDF-NOW" not in closed
    assert "claims closed" in closed
    unknown = client.get("/mdf/funds?state=bogus").get_data(as_text=True)  # the open funds
    assert "fund-MDF-NOW" in unknown and "fund-MDF-OLD" not in unknown
    assert client.get("/mdf/funds?state=%00").status_code < 500
    every = client.get("/mdf/funds?state=all").get_data(as_text=True)
    assert "fund-MDF-NOW" in every and "fund-MDF-OLD" in every
    assert old.id


# -- one fund -------------------------------------------------------------------------------


def test_finance_sees_utilisation_down_the_tree_roi_and_allocations(world, funded, login):
    fund, _other = funded
    html = login(world.finance).get(f"/mdf/funds/{fund.id}").get_data(as_text=True)
    assert cells(html, "use-territory-EMEA")["allocated"] == "€1,300.00"
    assert cells(html, "use-territory-EMEA")["available"] == "€950.00"
    assert cells(html, "use-territory-DACH")["committed"] == "€350.00"
    assert cells(html, "use-partner-ACME") == {
        "allocated": "€1,000.00",
        "committed": "€350.00",
        "claimed": "€350.00",
        "paid": "€0.00",
        "available": "€650.00",
    }
    assert cells(html, "use-territory-FR")["available"] == "€300.00"
    assert "use-territory-AMER" not in html  # no money of this fund went there
    assert 'data-testid="total-available"' in html and "€9,650.00" in html
    roi = cells(html, "roi-EVENT")
    # the claim's reported results, not the request's expectations (250,000 and 40 leads)
    assert roi["pipeline-per-claimed"] == "500×"  # 175,000 reported pipeline / 350 claimed
    assert roi["cost-per-lead"] == "€10.00"  # 350 claimed / 35 reported leads
    assert 'id="utilisation-chart"' in html and "chart.umd.js" in html
    chart = json.loads(html_lib.unescape(re.search(r"data-chart='([^']*)'", html).group(1)))
    # the series keep their order (and so their colours) in every language
    assert chart["order"] == ["Committed", "Claimed", "Paid", "Available"]
    assert f'action="/mdf/funds/{fund.id}/allocate"' in html


def test_a_manager_sees_only_their_subtree(world, funded, login, other_client):
    fund, other = funded
    client = login(world.dach_manager)
    html = client.get(f"/mdf/funds/{fund.id}").get_data(as_text=True)
    assert "use-territory-DACH" in html and "use-partner-ACME" in html
    assert "use-territory-EMEA" not in html and "use-territory-FR" not in html
    assert cells(html, "use-territory-DACH")["available"] == "€650.00"
    assert client.get(f"/mdf/funds/{other.id}").status_code == 404
    assert other_client(world.amer_manager).get(f"/mdf/funds/{fund.id}").status_code == 404


def test_a_partner_sees_its_own_line_and_no_allocate_form(world, funded, login, other_client):
    fund, other = funded
    client = login(world.acme_admin)
    html = client.get(f"/mdf/funds/{fund.id}").get_data(as_text=True)
    assert cells(html, "use-partner-ACME")["available"] == "€650.00"
    assert "use-territory" not in html and "BETA" not in html
    assert "/allocate" not in html
    assert client.get(f"/mdf/funds/{other.id}").status_code == 404
    token = csrf_token(client, f"/mdf/funds/{fund.id}")
    posted = client.post(
        f"/mdf/funds/{fund.id}/allocate",
        data={"csrf_token": token, "target": f"p{world.acme.id}", "amount": "1"},
    )
    assert posted.status_code == 403
    assert other_client(world.other_admin).get(f"/mdf/funds/{fund.id}").status_code == 404


@pytest.mark.parametrize("fund_id", ["0", "999999", "99999999999999999999", "x"])
def test_unknown_fund_ids_are_404(world, funded, login, fund_id):
    client = login(world.finance)
    assert client.get(f"/mdf/funds/{fund_id}").status_code == 404
    assert client.get(f"/mdf/funds/{fund_id}/utilisation.csv").status_code == 404


# -- allocating -----------------------------------------------------------------------------


def _allocate(client, fund, target: str, amount: str, token: str | None = None):
    token = token if token is not None else csrf_token(client, f"/mdf/funds/{fund.id}")
    return client.post(
        f"/mdf/funds/{fund.id}/allocate",
        data={"csrf_token": token, "target": target, "amount": amount},
    )


def test_finance_allocates_to_a_top_territory_and_down(world, funded, login):
    fund, _ = funded
    client = login(world.finance)
    answer = _allocate(client, fund, f"t{world.t['EMEA'].id}", "1234.56")
    assert answer.status_code == 302
    answer = _allocate(client, fund, f"p{world.beta.id}", "0.01")
    assert answer.status_code == 400  # DE-S holds nothing yet
    assert "allocate more to DE-S first" in answer.get_data(as_text=True)
    html = client.get(f"/mdf/funds/{fund.id}").get_data(as_text=True)
    assert cells(html, "use-territory-EMEA")["allocated"] == "€2,534.56"


def test_a_manager_passes_money_down_their_subtree_only(world, funded, db, login):
    fund, _ = funded
    funds.allocate(fund, actor=world.finance, amount=D("200.00"), territory=world.t["EMEA"])
    db.session.commit()
    client = login(world.emea_manager)
    before = count(MdfAllocation)
    assert _allocate(client, fund, f"t{world.t['DACH'].id}", "100.00").status_code == 302
    assert count(MdfAllocation) == before + 1
    # EMEA is a top territory: only finance allocates to it from the fund.
    refused = _allocate(client, fund, f"t{world.t['EMEA'].id}", "1.00")
    assert refused.status_code == 400
    assert "only finance allocates to it" in refused.get_data(as_text=True)
    # AMER is outside the manager's view: not a choice of the form.
    assert _allocate(client, fund, f"t{world.t['AMER'].id}", "1.00").status_code == 400
    assert count(MdfAllocation) == before + 1


def test_over_budget_is_refused_with_nothing_written(world, funded, login):
    fund, _ = funded
    client = login(world.dach_manager)
    before = (count(MdfAllocation), count(MdfEntry))
    answer = _allocate(client, fund, f"p{world.beta.id}", "0.01")
    assert answer.status_code == 400
    assert "DE-S has nothing unallocated in MDF-1" in answer.get_data(as_text=True)
    answer = _allocate(client, fund, f"t{world.t['DE-S'].id}", "0.01")
    assert "DACH has nothing unallocated in MDF-1" in answer.get_data(as_text=True)
    assert (count(MdfAllocation), count(MdfEntry)) == before


@pytest.mark.parametrize(
    ("target", "amount"),
    [
        ("t{emea}", "9" * 40),
        ("t{emea}", "1e999"),
        ("t{emea}", "NaN"),
        ("t{emea}", "-5"),
        ("t{emea}", "0"),
        ("t{emea}", "0.001"),
        ("t{emea}", "a\x00b"),
        ("t\x00", "1"),
        ("t99999999", "1"),
        ("x{emea}", "1"),
        ("", "1"),
    ],
)
def test_bad_allocations_are_4xx_and_write_nothing(world, funded, login, target, amount):
    fund, _ = funded
    client = login(world.finance)
    before = (count(MdfAllocation), count(MdfEntry))
    answer = _allocate(client, fund, target.format(emea=world.t["EMEA"].id), amount)
    assert 400 <= answer.status_code < 500
    assert (count(MdfAllocation), count(MdfEntry)) == before


def test_allocating_without_a_csrf_token_is_refused(world, funded, login):
    fund, _ = funded
    client = login(world.finance)
    before = count(MdfAllocation)
    answer = _allocate(client, fund, f"t{world.t['EMEA'].id}", "1.00", token="")
    assert answer.status_code == 400
    assert count(MdfAllocation) == before


# -- a new fund -----------------------------------------------------------------------------


def test_the_new_fund_form_proposes_the_next_half_year(world, db, login, app):
    html = login(world.finance).get("/mdf/funds/new").get_data(as_text=True)
    today = date.today()
    year, half = (today.year, 2) if today.month <= 6 else (today.year + 1, 1)
    assert f'value="MDF-{year}-H{half}"' in html
    start = date(year, 7, 1) if half == 2 else date(year, 1, 1)
    assert f'value="{start.isoformat()}"' in html
    assert 'data-searchable id="currency"' in html
    base = app.config["BASE_CURRENCY"]
    assert re.search(rf'<option (selected value="{base}"|value="{base}" selected)', html)


@pytest.mark.parametrize("role", ["dach_manager", "acme_admin", "acme_user", "admin"])
def test_only_finance_creates_funds(world, db, login, role):
    assert login(getattr(world, role)).get("/mdf/funds/new").status_code == 403


def _fund_form(client, **changes):
    data = {
        "csrf_token": csrf_token(client, "/mdf/funds/new"),
        "code": "MDF-2027-H1",
        "name": "EMEA MDF 2027-H1",
        "currency": "EUR",
        "amount": "500000.00",
        "starts_on": "2027-01-01",
        "ends_on": "2027-06-30",
        "claim_deadline": "2027-08-31",
        "claim_days": "60",
        "second_approval_above": "25000",
    }
    data.update(changes)
    return client.post("/mdf/funds/new", data=data)


def test_finance_creates_a_fund(world, db, login):
    client = login(world.finance)
    answer = _fund_form(client, currency="USD")
    assert answer.status_code == 302
    fund = db.session.scalars(select(MdfFund).where(MdfFund.code == "MDF-2027-H1")).one()
    assert (fund.currency, fund.amount, fund.second_approval_above) == (
        "USD",
        D("500000.00"),
        D("25000"),
    )
    assert answer.headers["Location"].endswith(f"/mdf/funds/{fund.id}")
    html = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "$500,000.00" in html and "Fund MDF-2027-H1 created." in html


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ends_on": "2026-12-31"}, "before it starts"),
        ({"claim_deadline": "2027-06-01"}, "is before the fund ends"),
        ({"currency": "XYZ"}, "currency"),
        ({"amount": "9" * 40}, "too large"),
        ({"amount": "1e999"}, "12500.00"),
        ({"amount": "-1"}, ""),
        ({"name": "a\x00b"}, ""),
        ({"code": ""}, "Give the fund a code."),
        ({"starts_on": "not a date"}, ""),
        ({"starts_on": "99999-01-01"}, ""),
        ({"claim_days": "99999999999999999999"}, ""),
        ({"second_approval_above": "NaN"}, ""),
    ],
)
def test_a_refused_fund_is_shown_on_the_form_and_nothing_written(
    world, db, login, changes, message
):
    client = login(world.finance)
    before = (count(MdfFund), count(MdfEntry), count(AuditEvent))
    answer = _fund_form(client, **changes)
    assert answer.status_code == 400
    assert message in answer.get_data(as_text=True)
    assert (count(MdfFund), count(MdfEntry)) == before[:2]


def test_a_duplicate_code_is_refused_next_to_the_field(world, funded, login):
    client = login(world.finance)
    answer = _fund_form(client, code="MDF-1")
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    assert "A fund with the code MDF-1 exists already." in html
    assert 'value="EMEA MDF 2027-H1"' in html  # what the user typed stays


# -- the CSV --------------------------------------------------------------------------------


def _csv(client, fund) -> list[dict]:
    answer = client.get(f"/mdf/funds/{fund.id}/utilisation.csv")
    assert answer.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))


def test_the_utilisation_csv_per_territory_and_partner(world, funded, login):
    fund, _ = funded
    rows = _csv(login(world.finance), fund)
    assert [(r["level"], r["code"], r["parent_code"]) for r in rows] == [
        ("territory", "EMEA", ""),
        ("territory", "DACH", "EMEA"),
        ("partner", "ACME", "DACH"),
        ("territory", "FR", "EMEA"),
    ]
    acme = rows[2]
    assert (acme["currency"], acme["allocated"], acme["committed"], acme["available"]) == (
        "EUR",
        "1000.00",
        "350.00",
        "650.00",
    )
    assert rows[0]["available"] == "950.00"


def test_the_csv_follows_the_users_scope(world, funded, login):
    fund, _ = funded
    assert [r["code"] for r in _csv(login(world.dach_manager), fund)] == ["DACH", "ACME"]


def test_the_csv_of_a_partner_is_its_own_line(world, funded, login):
    fund, _ = funded
    assert [r["code"] for r in _csv(login(world.acme_user), fund)] == ["ACME"]


# -- activity types -------------------------------------------------------------------------


def test_finance_adds_and_retires_activity_types(world, db, login):
    client = login(world.finance)
    page = client.get("/mdf/activity-types")
    assert page.status_code == 200 and "Event" in page.get_data(as_text=True)
    token = csrf_token(client, "/mdf/activity-types")
    added = client.post(
        "/mdf/activity-types", data={"csrf_token": token, "code": "WEBINAR", "name": "Webinar"}
    )
    assert added.status_code == 302
    webinar = db.session.scalars(
        select(MdfActivityType).where(MdfActivityType.code == "WEBINAR")
    ).one()
    again = client.post(
        "/mdf/activity-types", data={"csrf_token": token, "code": "WEBINAR", "name": "Again"}
    )
    assert again.status_code == 400
    assert "An activity type with the code WEBINAR exists already." in again.get_data(as_text=True)
    retired = client.post(f"/mdf/activity-types/{webinar.id}/retire", data={"csrf_token": token})
    assert retired.status_code == 302
    db.session.refresh(webinar)
    assert webinar.active is False
    assert "retired" in client.get("/mdf/activity-types").get_data(as_text=True)


@pytest.mark.parametrize("role", ["dach_manager", "acme_admin", "admin"])
def test_only_finance_keeps_activity_types(world, db, login, role):
    client = login(getattr(world, role))
    assert client.get("/mdf/activity-types").status_code == 403
    token = csrf_token(client, "/dashboard")
    answer = client.post(f"/mdf/activity-types/{world.event.id}/retire", data={"csrf_token": token})
    assert answer.status_code == 403


@pytest.mark.parametrize(
    "data",
    [
        {"code": "a\x00b", "name": "X"},
        {"code": "X" * 65, "name": "X"},
        {"code": "", "name": ""},
        {"code": "OK", "name": "\x00"},
    ],
)
def test_bad_activity_types_are_refused(world, db, login, data):
    client = login(world.finance)
    before = count(MdfActivityType)
    token = csrf_token(client, "/mdf/activity-types")
    answer = client.post("/mdf/activity-types", data={"csrf_token": token, **data})
    assert answer.status_code == 400
    assert count(MdfActivityType) == before


def test_retiring_needs_csrf_and_a_real_id(world, db, login):
    client = login(world.finance)
    assert client.post(f"/mdf/activity-types/{world.event.id}/retire").status_code == 400
    token = csrf_token(client, "/mdf/activity-types")
    missing = client.post("/mdf/activity-types/999999/retire", data={"csrf_token": token})
    assert missing.status_code == 404


def test_the_navigation_offers_the_fund_pages(world, db, login, other_client):
    html = login(world.finance).get("/mdf/funds").get_data(as_text=True)
    assert "Marketing funds" in html and 'href="/mdf/activity-types"' in html
    partner = other_client(world.acme_user).get("/mdf/funds").get_data(as_text=True)
    assert 'href="/mdf/funds"' in partner and 'href="/mdf/activity-types"' not in partner


def test_utilisation_needs_no_query_per_territory(world, funded, db, make, login):
    """The page's query count does not grow with the territories and partners money reached."""
    fund, _ = funded
    client = login(world.finance)

    def queries() -> int:
        seen = []

        def note(*args):
            seen.append(1)

        event.listen(db.engine, "before_cursor_execute", note)
        try:
            assert client.get(f"/mdf/funds/{fund.id}").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", note)
        return len(seen)

    few = queries()
    for n in range(4):
        territory = make.territory(f"FR-{n}", world.t["FR"])
        partner = make.partner(f"FRP-{n}", territory)
        funds.allocate(fund, actor=world.finance, amount=D("10.00"), territory=territory)
        funds.allocate(fund, actor=world.finance, amount=D("5.00"), partner=partner)
    db.session.commit()
    assert queries() == few
    html = client.get(f"/mdf/funds/{fund.id}").get_data(as_text=True)
    assert cells(html, "use-partner-FRP-3")["allocated"] == "€5.00"
    assert cells(html, "use-territory-FR")["allocated"] == "€300.00"


def test_roi_counts_the_claimed_activities_only(world, funded, db, login):
    """A second approved EVENT request, not yet claimed, adds to the requests and expected
    figures but not to the return of what was claimed."""
    fund, _ = funded
    requests.approve_request(propose(world, fund, "200.00"), actor=world.dach_manager)
    db.session.commit()
    html = login(world.finance).get(f"/mdf/funds/{fund.id}").get_data(as_text=True)
    row = re.search(r'data-testid="roi-EVENT".*?</tr>', html, re.S).group(0)
    assert re.findall(r'class="text-end">([^<]*)<', row)[:5] == [
        "2",  # requests
        "80",  # expected leads of both
        "€500,000.00",  # expected pipeline of both
        "€350.00",  # claimed
        "€0.00",  # paid
    ]
    roi = cells(html, "roi-EVENT")
    assert (roi["pipeline-per-claimed"], roi["cost-per-lead"]) == ("500×", "€10.00")
