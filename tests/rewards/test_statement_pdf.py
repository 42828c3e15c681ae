"""Statement PDFs draw every language's characters with a font that has them: Japanese with
Adobe's HeiseiKakuGo-W5 CID font, the Latin languages (é, ß, ñ, €, ¥) with Helvetica, and never
reportlab's black boxes (ZapfDingbats stand-ins).

poppler's pdftotext maps the CID font's codes through the Adobe-Japan1 collection, so a character
the font has no glyph for would not come back; pdffonts lists the fonts a page really uses.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from html import unescape

import pytest
from babel.numbers import format_currency

from tests.calc.conftest import build_scenario, execute_inline, load_program
from tests.calc.test_scenarios import AFTER_Q3, EMEA_VOLUME, Q3
from workflows.calc import runs, settlement


def _poppler(tool: str, *args: str) -> str:
    path = shutil.which(tool)
    assert path, f"{tool} is missing: install Debian's poppler-utils (.ci/run does)"
    done = subprocess.run([path, *args], capture_output=True, check=True)  # noqa: S603
    return done.stdout.decode("utf-8")


def pdf_text(path) -> str:
    """The PDF's text with all white space removed (lines wrap where the layout wants)."""
    return re.sub(r"\s+", "", _poppler("pdftotext", "-enc", "UTF-8", str(path), "-"))


def pdf_fonts(path) -> str:
    return _poppler("pdffonts", str(path))


def _download(client, url: str, tmp_path):
    response = client.get(url)
    assert response.mimetype == "application/pdf", response.status_code
    path = tmp_path / "statement.pdf"
    path.write_bytes(response.data)
    return path


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture
def scenario(make):
    return build_scenario(make)


def _settle(make, scenario, spec: str, amount: str) -> None:
    """GOLDIE sells `amount` USD in Q3; the program is settled, approved and closed."""
    program = load_program(spec, scenario.finance)
    make.sale(scenario.goldie, scenario.switch, amount, sold_on=date(2025, 7, 2), currency="USD")
    run = execute_inline(
        runs.start_run(program, Q3, kind="settlement", actor=scenario.finance, on=AFTER_Q3).id
    )
    settlement.approve_run(run, actor=scenario.finance_2)


def _reader(make, scenario, locale: str):
    reader = make.user("partner_user", partner=scenario.goldie, email=f"{locale}@goldie.example")
    reader.locale = locale
    return reader


def test_japanese_statement_uses_the_cid_font_and_keeps_every_character(
    client, login, db, make, scenario, tmp_path
):
    scenario.goldie.name = "ゴールディ株式会社"
    _settle(make, scenario, EMEA_VOLUME, "1000")
    login(_reader(make, scenario, "ja"))
    pdf = _download(client, f"/statements/{scenario.goldie.id}/2025-Q3.pdf", tmp_path)
    fonts = pdf_fonts(pdf)
    assert re.search(r"HeiseiKakuGo-W5\s+CID Type 0\s+UniJIS-UCS2-H", fonts), fonts
    assert "Helvetica" not in fonts and "ZapfDingbats" not in fonts, fonts
    text = pdf_text(pdf)
    for expected in (
        "ゴールディ株式会社の明細書",  # "Statement for …" in Japanese
        "プログラム",
        "精算済み",
        "未払い",
        "EMEAvolumerebate",
        "$10.00",
        "2025/07/01",
    ):
        assert expected in text, (expected, text)
    html = client.get(f"/statements/{scenario.goldie.id}/2025-Q3").get_data(as_text=True)
    steps = re.findall(r"<li>([^<]+)</li>", html)
    assert steps and all(_squeeze(unescape(step)) in text for step in steps), (steps, text)


@pytest.mark.parametrize(
    ("locale", "currency", "figure", "font"),
    [
        ("de", "JPY", "2.941.176\xa0¥", "Helvetica"),  # JPY has no minor unit
        ("fr", "EUR", "18\u202f181,82\xa0€", "Helvetica"),  # narrow no-break space in groups
        ("es", "EUR", "18.181,82\xa0€", "Helvetica"),
        ("ja", "EUR", "€18,181.82", "HeiseiKakuGo-W5"),
    ],
)
def test_accents_and_currency_signs_are_drawn_with_the_font_used(
    client, login, db, make, scenario, tmp_path, locale, currency, figure, font
):
    """1,000,000 USD sold on 2025-07-02 converts at 1.10 (EUR) or 0.0068 (JPY) and earns 2 %."""
    scenario.goldie.name = "Ñandú Straße Éclair ¥€"
    spec = EMEA_VOLUME.replace("currency: USD", f"currency: {currency}")
    _settle(make, scenario, spec, "1000000")
    login(_reader(make, scenario, locale))
    page = client.get(f"/statements/{scenario.goldie.id}/2025-Q3").get_data(as_text=True)
    assert figure in page  # the PDF must show what the page shows
    pdf = _download(client, f"/statements/{scenario.goldie.id}/2025-Q3.pdf", tmp_path)
    fonts = pdf_fonts(pdf)
    other = "HeiseiKakuGo" if font == "Helvetica" else "Helvetica"
    assert font in fonts and other not in fonts and "ZapfDingbats" not in fonts, fonts
    text = pdf_text(pdf)
    assert "ÑandúStraßeÉclair¥€" in text, text
    assert _squeeze(figure) in text, (figure, text)
    assert _squeeze(format_currency(0, currency, locale=locale)) in text  # nothing paid yet
