"""A statement reads like a bank statement in HTML and PDF (money with its currency, rates as
percentages, the unrounded amount only where it explains the rounding), and its CSV stays exact."""

from __future__ import annotations

import html as html_lib
import re
import subprocess
from datetime import date

import pytest

from tests.calc.conftest import build_scenario, execute_inline, load_program
from tests.calc.test_scenarios import AFTER_Q3, EMEA_VOLUME, Q3
from workflows.calc import runs, settlement

RAW_DIGITS = re.compile(r"\d[.,]\d{5,}|0000\b")


@pytest.fixture
def scenario(make):
    return build_scenario(make)


@pytest.fixture
def settled(make, scenario):
    """GOLDIE sells 1,234.5678 USD in Q3 (1 % = 12.345678): settled and approved."""
    program = load_program(EMEA_VOLUME, scenario.finance)
    make.sale(
        scenario.goldie, scenario.switch, "1234.5678", sold_on=date(2025, 7, 2), currency="USD"
    )
    run = execute_inline(
        runs.start_run(program, Q3, kind="settlement", actor=scenario.finance, on=AFTER_Q3).id
    )
    settlement.approve_run(run, actor=scenario.finance_2)
    return scenario


def _reader(make, scenario, locale):
    user = make.user("partner_user", partner=scenario.goldie, email=f"{locale}@goldie.example")
    user.locale = locale
    return user


def _text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"[ \t\r\n]+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", page)))


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", ["1,234.57 USD", "× 1% = $12.35 ($12.3457 before rounding)", "12.35 USD"]),
        ("de", ["1.234,57 USD", "× 1\xa0% = 12,35\xa0$", "12,35 USD"]),
        ("fr", ["1\u202f234,57 USD", "× 1\xa0%", "12,35\xa0$US"]),
    ],
)
def test_statement_html_and_pdf_show_no_raw_decimals(
    client, login, db, make, settled, tmp_path, locale, expected
):
    login(_reader(make, settled, locale))
    url = f"/statements/{settled.goldie.id}/2025-Q3"
    page = _text(client.get(url).get_data(as_text=True))
    assert not RAW_DIGITS.search(page), RAW_DIGITS.search(page)
    for text in expected:
        assert text in page, (text, page)

    pdf = tmp_path / "statement.pdf"
    pdf.write_bytes(client.get(f"{url}.pdf").data)
    done = subprocess.run(  # noqa: S603
        ["/usr/bin/pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True
    )
    pdf_text = done.stdout.decode("utf-8")
    assert not RAW_DIGITS.search(pdf_text), RAW_DIGITS.search(pdf_text)
    assert re.sub(r"\s+", "", expected[0]) in re.sub(r"\s+", "", pdf_text)


def test_statement_csv_keeps_exact_values_without_padding(client, login, db, make, settled):
    login(_reader(make, settled, "de"))  # the CSV does not follow the reader's language
    rows = (
        client.get(f"/statements/{settled.goldie.id}/2025-Q3.csv").get_data(as_text=True)
    ).splitlines()
    assert rows[0].startswith("partner_code,program_code,period,currency,measure,band_from,rate")
    assert rows[0].endswith(",outstanding,activity,paid_on")
    # The last columns, the activity a fund claim pays and the execution dates of payments,
    # are empty on a program's line nothing has paid yet.
    assert rows[1] == "GOLDIE,EMEA-VOL,2025-Q3,USD,1234.5678,0,0.01,12.35,0.00,12.35,0.00,12.35,,"
