"""Bad input on the pages is a 400/404 or a field error with the usual message, never a 500, and
writes nothing: ids beyond the integer range, malformed query numbers, NUL characters, amounts
such as 1e999 or NaN, methods a path does not have, and two writes of the same unique thing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.models import DealRegistration, RewardItem
from tests.conftest import csrf_token
from tests.deals.conftest import build_world


@pytest.fixture
def world(make, monkeypatch):
    monkeypatch.setattr("portal.models.users.PASSWORD_METHOD", "pbkdf2:sha256:1000")
    return build_world(make)


def deals(db) -> int:
    return db.session.scalar(select(func.count(DealRegistration.id)))


@pytest.mark.parametrize(
    "path",
    [
        "/deals/2147483648",
        "/deals/99999999999999999999",
        "/deals/" + "9" * 5000,
        "/deals/99999999999999999999/edit",
        "/partners/99999999999999999999",
        "/statements/99999999999999999999/2026-Q3",
    ],
)
def test_ids_beyond_the_integer_range_are_404(db, login, world, path):
    client = login(world["finance"])
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/deals?partner=99999999999999999999", "partner"),
        ("/deals?territory=2147483648", "territory"),
        ("/deals?partner=abc", "partner"),
        ("/deals/export.csv?partner=-1", "partner"),
        ("/sales?partner=1e999", "partner"),
        ("/calc/payouts?program=" + "9" * 5000, "program"),
    ],
)
def test_malformed_query_numbers_are_400_naming_the_parameter(db, login, world, path, name):
    client = login(world["finance"])
    response = client.get(path)
    assert response.status_code == 400
    assert f"{name} must be a whole number from 1 to 2147483647." in response.get_data(True)


@pytest.mark.parametrize("page", ["99999999999999999999", "-5", "abc", "9" * 5000, "0"])
def test_a_page_number_that_makes_no_sense_shows_the_first_page(db, login, world, page):
    client = login(world["finance"])
    assert client.get(f"/deals?page={page}").status_code == 200
    assert client.get(f"/partners?page={page}").status_code == 200


@pytest.mark.parametrize(
    "path", ["/partners?q=a%00b", "/deals?state=%00", "/audit/?actor=x%00", "/deals%00"]
)
def test_nul_in_the_query_string_or_path_is_refused(db, login, world, path):
    client = login(world["finance"])
    response = client.get(path)
    assert response.status_code in (400, 404)
    if response.status_code == 400:
        assert "NUL character" in response.get_data(as_text=True)


def _deal_form(world, **overrides) -> dict:
    return {
        "customer_name": "ACME Corp.",
        "domain": "acme.com",
        "country": "DE",
        "categories": [str(world["net"].id)],
        "estimated_value": "25000.00",
        "currency": "EUR",
        "expected_close_on": (date.today() + timedelta(days=30)).isoformat(),
        "notes": "Met the CIO",
        **overrides,
    }


@pytest.mark.parametrize(
    "overrides",
    [{"customer_name": "ACME\x00Corp"}, {"notes": "a\x00b"}, {"currency": "\x00"}],
)
def test_nul_in_a_submitted_form_is_400_and_writes_nothing(db, login, world, overrides):
    client = login(world["acme_user"])
    data = {**_deal_form(world, **overrides), "csrf_token": csrf_token(client, "/deals/new")}
    response = client.post("/deals/new", data=data)
    assert response.status_code == 400
    assert "NUL character" in response.get_data(as_text=True)
    assert deals(db) == 0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1e999", "Enter an amount such as 12500.00."),
        ("1E5", "Enter an amount such as 12500.00."),
        ("NaN", "Enter an amount such as 12500.00."),
        ("Infinity", "Enter an amount such as 12500.00."),
        ("-Infinity", "Enter an amount such as 12500.00."),
        ("9" * 40, "The amount is too large."),
        ("9" * 5000, "The amount is too large."),
        ("-0", "Enter an amount greater than zero."),
        ("1.00001", "1.00001 has more than 4 decimal places."),
        ("١٢٣", "Enter an amount such as 12500.00."),  # digits, but not ASCII ones
        ("12,5x", "Not a valid decimal value."),
    ],
)
def test_amounts_that_do_not_fit_are_a_field_error(db, login, world, value, message):
    client = login(world["acme_user"])
    data = {
        **_deal_form(world, estimated_value=value),
        "csrf_token": csrf_token(client, "/deals/new"),
    }
    response = client.post("/deals/new", data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert deals(db) == 0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("NaN", "Enter an amount such as 12500.00."),
        ("sNaN", "Enter an amount such as 12500.00."),
        ("1e999", "Enter an amount such as 12500.00."),
        ("9" * 40, "The amount is too large."),
    ],
)
def test_the_what_if_refuses_amounts_that_are_not_plain_numbers(db, login, make, value, message):
    from portal.models import Program
    from tests.dashboards.conftest import build_world as dashboard_world

    world = dashboard_world(make)
    program = db.session.scalars(select(Program)).one()
    client = login(world.ann)
    response = client.get(f"/dashboard?program={program.id}&extra={value}")
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert "With " not in response.get_data(as_text=True)


def test_a_what_if_naming_a_program_id_of_5000_digits_is_ignored(db, login, make):
    from tests.dashboards.conftest import build_world as dashboard_world

    world = dashboard_world(make)
    client = login(world.ann)
    assert client.get(f"/dashboard?program={'9' * 5000}&extra=10").status_code == 200


def test_trace_is_405_naming_the_methods_the_page_has(db, login, world):
    client = login(world["acme_user"])
    response = client.open("/deals", method="TRACE")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert "This action is not available here." in response.get_data(as_text=True)
    options = client.open("/deals/new", method="OPTIONS")
    assert set(options.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}


def test_a_unique_violation_reaching_a_page_is_a_409_with_a_message(app, db):
    """What two requests writing the same unique row at once end in, whatever the page."""
    for code in ("MUG", "MUG"):
        db.session.add(RewardItem(code=code, name="Mug", points_cost=10))
    with pytest.raises(IntegrityError) as caught, db.session.begin_nested():
        db.session.flush()
    with app.test_request_context("/points/catalog", method="POST"):
        response = app.make_response(app.handle_user_exception(caught.value))
    assert response.status_code == 409
    assert "Someone else saved the same thing at the same moment" in response.get_data(True)
    with app.test_request_context("/api/v1/claims", method="POST"):
        response = app.make_response(app.handle_user_exception(caught.value))
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"


@pytest.mark.parametrize(
    "args",
    [
        ["calc", "results", "99999999999999999999"],
        ["calc", "approve", "2147483648", "--as", "fin@v.example"],
        ["payouts", "batch", "approve", "0", "--as", "fin@v.example"],
        ["redemptions", "approve", "9" * 5000, "--as", "fin@v.example"],
        ["points", "adjust", "ACME", "99999999999999999999", "--reason", "typo"],
        ["points", "adjust", "ACME", "1e999", "--reason", "typo"],
        ["points", "level", "LOYAL", "GOLD", "Gold", "9" * 40],
    ],
)
def test_command_line_numbers_that_do_not_fit_are_refused_by_name(app, db, redis, world, args):
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 2, result.output
    assert "Invalid value" in result.stderr
    assert "Traceback" not in result.output + result.stderr


@pytest.mark.parametrize("value", ["1e999", "NaN", "Infinity", "9" * 40, "922337203685477.5808"])
def test_amounts_that_do_not_fit_their_column_are_refused_not_overflowed(value):
    from decimal import Decimal

    from portal.models.types import Amount, Rate, ValueTooLargeError

    with pytest.raises(ValueTooLargeError):
        Amount.process_bind_param(Decimal(value), None)
    with pytest.raises(ValueTooLargeError):
        Rate.process_bind_param(Decimal(value), None)
    largest = Decimal("922337203685477.5807")
    assert Amount.process_result_value(Amount.process_bind_param(largest, None), None) == largest
    assert Amount.process_bind_param(Decimal("-0"), None) == 0


@pytest.mark.parametrize(
    "body", ["[" * 1000 + "]" * 1000, '{"a": ' * 1000 + "1" + "}" * 1000, "[1, 2]", '"x"', "{"]
)
def test_json_bodies_on_pages_are_refused_not_a_server_error(db, login, world, body):
    client = login(world["acme_user"])
    token = csrf_token(client, "/deals/new")
    response = client.post(
        "/deals/new", data=body, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert response.status_code == 400
    assert deals(db) == 0
