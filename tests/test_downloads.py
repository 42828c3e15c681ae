"""Every download's Content-Disposition: RFC 6266 with an ASCII fallback and RFC 5987's UTF-8
name, whatever the data puts in the file name."""

from __future__ import annotations

import pytest
from werkzeug.http import parse_options_header

from portal.downloads import content_disposition


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        pytest.param("audit-log.csv", 'attachment; filename="audit-log.csv"', id="plain"),
        pytest.param(
            'statement-=HYPERLINK("x")-2026-Q3.csv',
            'attachment; filename="statement-_HYPERLINK__x__-2026-Q3.csv"; '
            "filename*=UTF-8''statement-%3DHYPERLINK%28_x_%29-2026-Q3.csv",
            id="formula-and-quotes",
        ),
        pytest.param(
            'a"; filename="evil.exe.csv',
            'attachment; filename="a___filename__evil.exe.csv"; '
            "filename*=UTF-8''a_%3B%20filename%3D_evil.exe.csv",
            id="quote-breaks-out",
        ),
        pytest.param(
            "run.csv\r\nSet-Cookie: x=1",
            'attachment; filename="run.csv__Set-Cookie__x_1"; '
            "filename*=UTF-8''run.csv__Set-Cookie_%20x%3D1",
            id="cr-lf",
        ),
        pytest.param(
            "Rechnung-März.pdf",
            "attachment; filename=\"Rechnung-Marz.pdf\"; filename*=UTF-8''Rechnung-M%C3%A4rz.pdf",
            id="accent",
        ),
        pytest.param(
            "請求書.pdf",
            'attachment; filename="download.pdf"; '
            "filename*=UTF-8''%E8%AB%8B%E6%B1%82%E6%9B%B8.pdf",
            id="no-ascii-left",
        ),
        pytest.param(
            "invoice\u202efdp.exe", 'attachment; filename="invoice_fdp.exe"', id="rlo-replaced"
        ),
        pytest.param("", 'attachment; filename="download"', id="empty"),
    ],
)
def test_content_disposition(filename, expected):
    header = content_disposition(filename)
    assert header == expected
    assert header.isascii() and "\r" not in header and "\n" not in header
    kind, options = parse_options_header(header)
    assert kind == "attachment" and "/" not in options["filename"]
