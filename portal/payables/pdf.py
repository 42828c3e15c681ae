"""The statement as a PDF (reportlab), formatted in the viewer's language and locale.

Helvetica (WinAnsi) draws the Latin languages (é, ß, ñ, €, ¥ …) but has no Japanese glyphs, so a
Japanese reader, or a statement with Japanese text in it (a company name), gets Adobe's
HeiseiKakuGo-W5 CID font: reportlab ships its metrics, nothing is downloaded or embedded, and
every PDF reader maps it to a Japanese gothic font.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ..rendering import money

JAPANESE_FONT = "HeiseiKakuGo-W5"
# Kana, CJK ideographs and symbols, full-width forms: text Helvetica would draw as boxes.
_JAPANESE_TEXT = re.compile("[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


@dataclass(frozen=True)
class Fonts:
    regular: str
    bold: str
    cjk: bool  # Japanese line breaking: lines may break between any two characters


LATIN = Fonts("Helvetica", "Helvetica-Bold", cjk=False)


def fonts_for(language: str, texts: list[str]) -> Fonts:
    """HeiseiKakuGo-W5 for Japanese readers and for Japanese text; Helvetica otherwise."""
    if language != "ja" and not any(_JAPANESE_TEXT.search(text) for text in texts):
        return LATIN
    if JAPANESE_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(JAPANESE_FONT))
    return Fonts(JAPANESE_FONT, JAPANESE_FONT, cjk=True)


def drawable(text: str) -> str:
    """Babel's narrow no-break space (French digit groups) is in neither font: use U+00A0."""
    return text.replace("\u202f", "\u00a0")


def _styles(fonts: Fonts) -> dict[str, ParagraphStyle]:
    sample = getSampleStyleSheet()
    wrap = "CJK" if fonts.cjk else None
    return {
        name: sample[name].clone(
            f"statement-{name}",
            fontName=fonts.bold if bold else fonts.regular,
            wordWrap=wrap,
        )
        for name, bold in (("Title", True), ("Normal", False), ("Heading3", True))
    }


def statement_pdf(partner, period, lines, explained) -> bytes:
    title = drawable(_("Statement for %(partner)s", partner=partner.name))
    subtitle = drawable(
        _(
            "Period %(start)s – %(end)s",
            start=format_date(period.start),
            end=format_date(period.end),
        )
    )
    header = [_("Program"), _("Period"), _("Settled"), _("Claims"), _("Paid"), _("Outstanding")]
    rows = [header] + [
        [
            line.program.name,
            line.period_label,
            "" if line.settled is None else money(line.settled, line.currency),
            money(line.claims, line.currency),
            money(line.paid, line.currency),
            money(line.outstanding, line.currency),
        ]
        for line in lines
    ]
    rows = [[drawable(cell) for cell in row] for row in rows]
    explained = [[drawable(step) for step in steps] for steps in explained]
    empty = drawable(_("Nothing earned or paid in this period."))
    texts = [title, subtitle, empty, *(c for row in rows for c in row)]
    texts += [step for steps in explained for step in steps]
    fonts = fonts_for(get_locale().language, texts)
    styles = _styles(fonts)

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, title=title, invariant=True, initialFontName=fonts.regular
    )
    story = [
        Paragraph(escape(title), styles["Title"]),
        Paragraph(escape(subtitle), styles["Normal"]),
        Spacer(1, 12),
    ]
    table = Table(rows, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), fonts.regular),
                ("FONTNAME", (0, 0), (-1, 0), fonts.bold),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
            ]
        )
    )
    story.append(table)
    for line, steps in zip(lines, explained, strict=True):
        if steps:
            story.append(Spacer(1, 10))
            story.append(Paragraph(escape(drawable(line.program.name)), styles["Heading3"]))
            story.extend(Paragraph(escape(step), styles["Normal"]) for step in steps)
    if not lines:
        story.append(Paragraph(escape(empty), styles["Normal"]))
    doc.build(story)
    return buffer.getvalue()
