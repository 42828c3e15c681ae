"""A statement a partner recognises: the page opens on the latest period with the list of
periods and their totals, finance's list shows each partner's amounts per currency, and the PDF
carries the vendor's letterhead, the partner's address, an issue date, a statement number and
totals per currency."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from html import unescape

import pytest
from babel.dates import format_date
from PIL import Image as PILImage

from portal.models import PartnerProfile
from tests.calc.conftest import build_scenario, execute_inline, load_program
from tests.calc.test_scenarios import AFTER_Q3, EMEA_VOLUME
from tests.rewards.test_statement_pdf import pdf_text
from workflows.calc import runs, settlement
from workflows.engine import parse_period

Q2_EUR = (
    EMEA_VOLUME.replace("code: EMEA-VOL", "code: EMEA-VOL-Q2")
    .replace("period: 2025-Q3", "period: 2025-Q2")
    .replace("currency: USD", "currency: EUR")
)
Q3_JPY = EMEA_VOLUME.replace("code: EMEA-VOL", "code: EMEA-VOL-JP").replace(
    "currency: USD", "currency: JPY"
)


def _settle(scenario, spec: str) -> None:
    program = load_program(spec, scenario.finance)
    period = parse_period("2025-Q2" if "2025-Q2" in spec else "2025-Q3")
    run = execute_inline(
        runs.start_run(program, period, kind="settlement", actor=scenario.finance, on=AFTER_Q3).id
    )
    settlement.approve_run(run, actor=scenario.finance_2)


@pytest.fixture
def settled(db, make):
    """GOLDIE sells 1,000 USD in Q3 and 2,000 USD in Q2; every program pays 1 %.

    Q3: 10.00 USD and 2,941 JPY (1,000 / 0.0068 = 147,058.82 JPY reaches the 2 % band);
    Q2: 18.18 EUR (2,000 / 1.10).
    """
    scenario = build_scenario(make)
    make.sale(scenario.goldie, scenario.switch, "1000", sold_on=date(2025, 7, 2), currency="USD")
    make.sale(scenario.goldie, scenario.switch, "2000", sold_on=date(2025, 5, 2), currency="USD")
    for spec in (EMEA_VOLUME, Q3_JPY, Q2_EUR):
        _settle(scenario, spec)
    db.session.add(
        PartnerProfile(
            partner_id=scenario.goldie.id,
            address="Hauptstraße 1\n80331 München",
            tax_id="DE123456789",
        )
    )
    db.session.flush()
    return scenario


def _reader(make, scenario, locale: str = "en"):
    user = make.user("partner_user", partner=scenario.goldie, email=f"{locale}@goldie.example")
    user.locale = locale
    return user


def _text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", page)))


def _testid(page: str, testid: str) -> str:
    match = re.search(rf'<(\w+)[^>]*data-testid="{re.escape(testid)}"[^>]*>(.*?)</\1>', page, re.S)
    assert match, (testid, page)
    return _text(match[2])


def test_partner_statement_opens_on_the_latest_period_with_the_periods_and_their_totals(
    client, login, make, settled
):
    login(_reader(make, settled))
    page = client.get("/statements").get_data(as_text=True)
    assert 'name="period"' not in page  # no empty "Period (e.g. 2026-Q3)" box
    assert "Statement for GOLDIE Ltd" in page
    assert "Jul 1, 2025 – Sep 30, 2025" in _text(page)  # the latest period, Q3
    assert re.search(r'class="[^"]*active[^"]*"[^>]*aria-current="page"', page)
    assert "aria-current" in re.search(r'<a[^>]*data-testid="period-2025-Q3"[^>]*>', page)[0]
    assert "$10.00" in _testid(page, "period-2025-Q3")
    assert "¥2,941" in _testid(page, "period-2025-Q3")
    assert "€18.18" in _testid(page, "period-2025-Q2")
    assert "$10.00" in _testid(page, "total-USD") and "¥2,941" in _testid(page, "total-JPY")
    assert "total-EUR" not in page  # Q2's euros are not in Q3's totals

    older = client.get(f"/statements/{settled.goldie.id}/2025-Q2").get_data(as_text=True)
    assert "€18.18" in _testid(older, "total-EUR") and "total-USD" not in older
    assert "aria-current" in re.search(r'<a[^>]*data-testid="period-2025-Q2"[^>]*>', older)[0]


def test_partner_without_statements_reads_why(client, login, make, db, tmp_path):
    scenario = build_scenario(make)
    login(_reader(make, scenario))
    response = client.get("/statements")
    assert response.status_code == 200
    assert "No statements yet" in response.get_data(as_text=True)
    # No onboarding profile: the PDF shows the name and country it has, and no invented address.
    pdf = tmp_path / "empty.pdf"
    pdf.write_bytes(client.get(f"/statements/{scenario.goldie.id}/2025-Q3.pdf").data)
    text = pdf_text(pdf)
    for expected in ("GOLDIELtd", "Germany", "ST-2025-Q3-GOLDIE", "Nothingearnedorpaid"):
        assert expected in text, (expected, text)
    assert "TaxID" not in text


def test_finance_without_any_statements_reads_why(client, login, make, db):
    login(make.user("finance"))
    response = client.get("/statements")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "No statements yet" in page and 'id="f-period"' not in page


def test_finance_list_opens_on_the_latest_period_with_amounts_per_currency(
    client, login, make, settled
):
    login(settled.finance)
    page = client.get("/statements").get_data(as_text=True)
    assert re.search(r'<option value="2025-Q3"[^>]*selected', page), page
    assert "$10.00" in _testid(page, "statement-GOLDIE-USD")
    assert "¥2,941" in _testid(page, "statement-GOLDIE-JPY")
    assert "statement-MOVER" not in page  # partners with nothing in the period are not listed

    q2 = client.get("/statements?period=2025-Q2").get_data(as_text=True)
    assert "€18.18" in _testid(q2, "statement-GOLDIE-EUR") and "statement-GOLDIE-USD" not in q2
    # A free range stays possible: Q2 and Q3 together.
    both = client.get("/statements?period=2025-04-01..2025-09-30").get_data(as_text=True)
    assert "€18.18" in _testid(both, "statement-GOLDIE-EUR")
    assert "$10.00" in _testid(both, "statement-GOLDIE-USD")


def test_finance_list_rejects_a_bad_period_with_a_message(client, login, settled):
    login(settled.finance)
    response = client.get("/statements?period=2025-Q9")
    assert response.status_code == 400
    assert "quarters are Q1 to Q4" in response.get_data(as_text=True)


def test_partner_statement_rejects_a_bad_period_with_a_message(client, login, make, settled):
    login(_reader(make, settled))
    response = client.get("/statements?period=2025-13")
    assert response.status_code == 400
    assert "months are 01 to 12" in response.get_data(as_text=True)


@pytest.mark.parametrize(("territory", "sees"), [("AMER", False), ("EMEA", True)])
def test_manager_list_shows_only_partners_in_their_territories(
    client, login, make, settled, territory, sees
):
    login(make.user("channel_manager", territories=[settled.t[territory]]))
    page = client.get("/statements?period=2025-Q3").get_data(as_text=True)
    assert ("statement-GOLDIE-USD" in page) is sees
    if sees:
        assert "$10.00" in _testid(page, "statement-GOLDIE-USD")


@pytest.mark.parametrize(
    ("locale", "figures", "country"),
    [
        ("en", ["$10.00", "¥2,941"], "Germany"),
        ("de", ["10,00\xa0$", "2.941\xa0¥"], "Deutschland"),
    ],
)
def test_statement_pdf_carries_letterhead_addresses_number_date_and_totals(
    client, login, make, settled, tmp_path, locale, figures, country
):
    login(_reader(make, settled, locale))
    response = client.get(f"/statements/{settled.goldie.id}/2025-Q3.pdf")
    assert response.mimetype == "application/pdf"
    path = tmp_path / f"statement-{locale}.pdf"
    path.write_bytes(response.data)
    text = pdf_text(path)
    issued = format_date(datetime.now(UTC).date(), locale=locale)
    for expected in (
        "Example Networks Inc.",
        "1 Market Street",
        "San Francisco, CA 94105",
        "GOLDIE Ltd",
        "Hauptstraße 1",
        "80331 München",
        country,
        "DE123456789",
        "ST-2025-Q3-GOLDIE",
        issued,
        *figures,
    ):
        assert re.sub(r"\s+", "", expected) in text, (expected, text)
    assert text.count(re.sub(r"\s+", "", figures[1])) >= 2  # the line and the JPY total
    assert b"/Subtype /Image" not in response.data  # no logo configured


def test_statement_pdf_draws_the_configured_logo(client, login, make, settled, app, tmp_path):
    logo = tmp_path / "logo.png"
    PILImage.new("RGB", (240, 60), (13, 110, 253)).save(logo)
    app.config["VENDOR_LOGO"] = str(logo)
    try:
        login(_reader(make, settled))
        with_logo = client.get(f"/statements/{settled.goldie.id}/2025-Q3.pdf").data
        app.config["VENDOR_LOGO"] = str(tmp_path / "missing.png")
        unreadable = client.get(f"/statements/{settled.goldie.id}/2025-Q3.pdf")
    finally:
        app.config["VENDOR_LOGO"] = None
    assert b"/Subtype /Image" in with_logo
    # A logo that cannot be read leaves it out instead of failing the download.
    assert unreadable.status_code == 200 and b"/Subtype /Image" not in unreadable.data
