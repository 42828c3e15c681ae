"""The deal pages: forms with bad input, the review flow, conflicts shown, CSV export."""

import csv
import io
from datetime import date, timedelta

import pytest
from rq import Queue
from sqlalchemy import func, select

from portal.models import DealRegistration
from workflows.deals.states import transition

from ..conftest import csrf_token


def count(db):
    return db.session.scalar(select(func.count()).select_from(DealRegistration))


def form_data(world, **overrides):
    data = {
        "customer_name": "ACME Corp.",
        "domain": "https://www.acme.com/",
        "country": "DE",
        "categories": [str(world["net"].id)],
        "estimated_value": "25000.00",
        "currency": "eur",
        "expected_close_on": (date.today() + timedelta(days=30)).isoformat(),
        "notes": "Met the CIO",
        "submit": "Submit for approval",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def partner(sign_in, world):
    client = sign_in(world["acme_user"])
    client.token = csrf_token(client, "/deals/new")
    return client


def post_new(client, world, **overrides):
    return client.post(
        "/deals/new", data={**form_data(world, **overrides), "csrf_token": client.token}
    )


def test_new_form_offers_partner_defaults(partner):
    page = partner.get("/deals/new").get_data(as_text=True)
    assert 'value="EUR"' in page
    assert '<option selected value="DE">' in page


def test_submitting_registers_the_deal_and_queues_mail_after_commit(db, partner, world, redis):
    response = post_new(partner, world)
    assert response.status_code == 302
    deal = db.session.scalar(select(DealRegistration))
    assert response.headers["Location"].endswith(f"/deals/{deal.id}")
    assert (deal.state, deal.domain, deal.currency) == ("submitted", "acme.com", "EUR")
    jobs = Queue("default", connection=redis).jobs
    assert {j.func_name for j in jobs} == {"workflows.jobs.send_mail"} and len(jobs) == 2
    page = partner.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Registration {deal.reference} submitted" in page


def test_save_draft_then_change_and_submit(db, partner, world):
    post_new(partner, world, submit=None, save_draft="Save draft")
    deal = db.session.scalar(select(DealRegistration))
    assert deal.state == "draft"
    data = {**form_data(world, customer_name="ACME Europe"), "csrf_token": partner.token}
    assert partner.post(f"/deals/{deal.id}/edit", data=data).status_code == 302
    db.session.refresh(deal)
    assert (deal.state, deal.customer_name) == ("submitted", "ACME Europe")
    assert partner.get(f"/deals/{deal.id}/edit").status_code == 404  # no longer editable


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"customer_name": ""}, "Enter the end customer's company name."),
        ({"customer_name": "..."}, "Enter the company name with letters or digits."),
        ({"estimated_value": "-100"}, "Enter an amount greater than zero."),
        ({"estimated_value": "NaN"}, "Enter an amount such as 12500.00."),
        ({"estimated_value": "12,5x"}, "Not a valid decimal value."),
        ({"estimated_value": "10.123"}, "EUR amounts have at most 2 decimals."),
        ({"currency": "XYZ"}, "XYZ is not a currency: use an ISO 4217 code such as EUR."),
        ({"expected_close_on": "2001-01-01"}, "The expected close date cannot be in the past."),
        ({"expected_close_on": "next week"}, "Not a valid date value."),
        ({"expected_close_on": ""}, "Enter the expected close date as YYYY-MM-DD."),
        ({"domain": "not a domain"}, "Enter a web or e-mail domain such as acme.com"),
        ({"categories": None}, "Choose at least one product category or product."),
        ({"categories": ["999999"]}, "is not a valid choice for this field."),
        ({"country": "ZZ"}, "Not a valid choice."),
        ({"country": "EU"}, "Not a valid choice."),
        ({"currency": "XXX"}, "XXX is not a currency: use an ISO 4217 code such as EUR."),
        ({"currency": "BTC"}, "BTC is not a currency: use an ISO 4217 code such as EUR."),
        (
            {"estimated_value": "12500.50", "currency": "HUF"},
            "HUF amounts have at most 0 decimals.",
        ),
        (
            {"expected_close_on": "2099-01-01"},
            "Jan 1, 2099 is too late: the latest date allowed is",
        ),
        (
            {"customer_name": "Initech\u202eHbmG"},
            "Remove the control character U+202E at position 8.",
        ),
        ({"customer_name": "Initech\x1b"}, "Remove the control character U+001B at position 8."),
    ],
)
def test_bad_input_is_refused_with_a_message_and_keeps_the_input(
    db, partner, world, overrides, message
):
    response = post_new(partner, world, **overrides)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page, page[:4000]
    assert "Met the CIO" in page  # the rest of the input is kept
    assert count(db) == 0


def test_every_field_error_is_shown_at_once(db, partner, world):
    page = post_new(partner, world, categories=None, estimated_value="-1").get_data(as_text=True)
    assert "Choose at least one product category or product." in page
    assert "Enter an amount greater than zero." in page


def test_script_in_customer_name_is_escaped_everywhere(db, partner, sign_in, world):
    post_new(partner, world, customer_name='<script>alert("x")</script> Corp')
    deal = db.session.scalar(select(DealRegistration))
    for url in (f"/deals/{deal.id}", "/deals"):
        page = partner.get(url).get_data(as_text=True)
        assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    manager = sign_in(world["dach_manager"])
    for url in (f"/deals/{deal.id}", "/deals/queue"):
        page = manager.get(url).get_data(as_text=True)
        assert "<script>alert" not in page and "&lt;script&gt;alert" in page


def test_post_without_csrf_token_is_refused(db, partner, world):
    response = partner.post("/deals/new", data=form_data(world))
    assert response.status_code == 400
    assert count(db) == 0


def test_manager_sees_the_queue_with_ageing_and_the_conflict_reasons(db, register, sign_in, world):
    first = register(world["acme_user"], "ACME Corp.", domain="acme.com")
    second = register(world["beta_user"], "Acme Corporation", domain="eu.acme.com")
    first.submitted_at -= timedelta(hours=50)
    db.session.flush()
    client = sign_in(world["dach_manager"])
    queue = client.get("/deals/queue").get_data(as_text=True)
    assert queue.index(first.reference) < queue.index(second.reference)  # oldest first
    assert "text-bg-danger" in queue and "overdue" in queue and "on track" in queue
    page = client.get(f"/deals/{second.id}").get_data(as_text=True)
    assert first.reference in page and "ACME Ltd" in page
    assert '<strong class="fs-5">100%</strong>' in page
    assert "same web or e-mail domain (acme.com), same name, same category (NET), " in page
    assert "same country (Germany)" in page
    assert "1.00" not in page and "same domain" not in page


def test_partner_is_told_of_a_conflict_without_the_other_partners_data(register, sign_in, world):
    first = register(world["acme_user"], "ACME Corp.", domain="acme.com", notes="secret plan")
    second = register(world["beta_user"], "Acme Corporation", domain="eu.acme.com")
    page = sign_in(world["beta_user"]).get(f"/deals/{second.id}").get_data(as_text=True)
    assert "A possible conflict with another registration exists" in page
    assert "ACME Ltd" not in page and first.reference not in page
    assert "secret plan" not in page and "same domain" not in page
    listing = sign_in(world["beta_user"]).get("/deals").get_data(as_text=True)
    assert "possible conflict" in listing


def _act(client, deal, action, **data):
    token = csrf_token(client, f"/deals/{deal.id}")
    fields = {f"{action}-{k}": v for k, v in data.items()}
    return client.post(f"/deals/{deal.id}/{action}", data={**fields, "csrf_token": token})


def test_approve_and_reject_through_the_pages(db, register, sign_in, world):
    first = register(world["acme_user"], "ACME Corp.")
    second = register(world["beta_user"], "ACME GmbH")
    client = sign_in(world["dach_manager"])
    assert _act(client, first, "approve", note="ok").status_code == 302
    response = _act(client, second, "approve")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"{first.reference} already protects this customer in NET" in page
    db.session.refresh(second)
    assert second.state == "submitted"
    _act(client, second, "reject", reason="duplicate", note="First in wins")
    db.session.refresh(first)
    db.session.refresh(second)
    assert (first.state, second.state, second.rejection_reason) == (
        "approved",
        "rejected",
        "duplicate",
    )
    detail = client.get(f"/deals/{second.id}").get_data(as_text=True)
    assert "Duplicate: another registration exists" in detail and "First in wins" in detail


def test_action_with_bad_input_changes_nothing(db, approved, sign_in, world):
    deal = approved()
    client = sign_in(world["acme_user"])
    response = _act(client, deal, "won", amount="-3", won_on=date.today().isoformat())
    assert "Enter an amount greater than zero." in client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    _act(client, deal, "withdraw", reason="")
    db.session.refresh(deal)
    assert deal.state == "approved"
    assert _act(client, deal, "teleport").status_code == 404


def test_partner_reports_won_and_sees_the_timeline(db, approved, sign_in, world):
    deal = approved()
    client = sign_in(world["acme_user"])
    _act(client, deal, "won", amount="31000.00", won_on=date.today().isoformat())
    db.session.refresh(deal)
    assert deal.state == "won"
    page = client.get(f"/deals/{deal.id}").get_data(as_text=True)
    for label in ("Created", "Submitted", "Approved", "Reported won"):
        assert f"<strong>{label}</strong>" in page


def test_illegal_action_is_explained(db, register, sign_in, world):
    deal = register(world["acme_user"])
    transition(deal, "reject", world["dach_manager"], reason="not_qualified")
    client = sign_in(world["emea_manager"])
    response = _act(client, deal, "approve")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "“Approve” is not possible while the registration is rejected." in page


def test_export_is_neutralised_and_filtered(db, register, sign_in, world):
    register(world["acme_user"], '=HYPERLINK("http://evil.example","x")', domain=None)
    register(world["beta_user"], "Globex", domain=None, submit=False)
    client = sign_in(world["dach_manager"])
    response = client.get("/deals/export.csv?state=submitted")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["customer_name"] for r in rows] == ['\'=HYPERLINK("http://evil.example","x")']
    assert rows[0]["partner_code"] == "ACME" and rows[0]["categories"] == "NET"
    assert (rows[0]["estimated_value"], rows[0]["currency"]) == ("25000.0000", "EUR")


def test_list_filters_by_state_and_age(db, register, sign_in, world):
    old = register(world["acme_user"], "Old Customer", domain=None)
    new = register(world["acme_user"], "New Customer", domain=None, submit=False)
    old.submitted_at -= timedelta(days=10)
    db.session.flush()
    client = sign_in(world["acme_user"])
    page = client.get("/deals?age=gt7").get_data(as_text=True)
    assert old.reference in page and new.reference not in page
    page = client.get("/deals?state=draft").get_data(as_text=True)
    assert new.reference in page and old.reference not in page


def test_form_offers_searchable_pickers_and_currencies_known_to_babel(partner, app):
    page = partner.get("/deals/new").get_data(as_text=True)
    assert page.count("data-searchable") >= 3  # categories, products, currency
    assert '<option selected value="EUR">EUR · Euro</option>' in page
    assert '<option value="JPY">JPY · Japanese Yen</option>' in page
    assert 'value="DEM"' not in page  # no longer in use anywhere
    script = 'src="/static/js/multiselect.js" data-library="'
    library = page.split(script)[1].split('"')[0]
    with app.test_client().get(library) as response:
        assert response.status_code == 200 and b"TomSelect" in response.data[:200000]


def test_currency_picker_names_currencies_in_the_users_language(db, sign_in, world):
    world["acme_user"].locale = "fr"
    db.session.flush()
    page = sign_in(world["acme_user"]).get("/deals/new").get_data(as_text=True)
    assert "EUR · euro" in page and "CHF · franc suisse" in page
