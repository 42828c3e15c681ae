"""The one-page PDFs partners upload in the demo (invoices, proofs of activity)."""

from __future__ import annotations

import io
from collections.abc import Iterable


def one_page_pdf(title: str, rows: Iterable[tuple[str, int]]) -> bytes:
    """A page of `rows` (text, font size) from the top, the same bytes on every run."""
    # ReportLab is loaded by the demo's documents, not by every command that starts
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    page = Canvas(buffer, pagesize=A4, invariant=True)
    page.setTitle(title)
    y = 780
    for text, size in rows:
        page.setFont("Helvetica", size)
        page.drawString(60, y, text)
        y -= 28
    page.showPage()
    page.save()
    return buffer.getvalue()
