"""The statement as a PDF (reportlab), formatted in the viewer's language and locale.

Helvetica (WinAnsi) draws the Latin languages (é, ß, ñ, €, ¥ …) but has no Japanese glyphs, so a
Japanese reader, or a statement with Japanese text in it (a company name), gets Adobe's
HeiseiKakuGo-W5 CID font: reportlab ships its metrics, nothing is downloaded or embedded, and
every PDF reader maps it to a Japanese gothic font.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from textwrap import shorten
from xml.sax.saxutils import escape

from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from workflows.payables.statements import statement_number, totals

from ..rendering import money

log = logging.getLogger(__name__)
LOGO_MAX_WIDTH, LOGO_MAX_HEIGHT = 160, 48  # points

JAPANESE_FONT = "HeiseiKakuGo-W5"
# Kana, CJK ideographs and symbols, full-width forms: text Helvetica would draw as boxes.
_JAPANESE_TEXT = re.compile("[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


@dataclass(frozen=True)
class Fonts:
    regular: str
    bold: str
    cjk: bool  # Japanese line breaking: lines may break between any two characters


LATIN = Fonts("Helvetica", "Helvetica-Bold", cjk=False)


@dataclass
class Letterhead:
    """Who sends the statement (the vendor's settings) and to whom (the partner's records)."""

    vendor_name: str
    vendor_address: list[str]
    vendor_logo: str | None
    partner: object
    partner_address: list[str] = field(default_factory=list)
    tax_id: str = ""


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
    styles = {
        name: sample[name].clone(
            f"statement-{name}",
            fontName=fonts.bold if bold else fonts.regular,
            wordWrap=wrap,
        )
        for name, bold in (("Title", True), ("Normal", False), ("Heading3", True))
    }
    styles["Strong"] = styles["Normal"].clone("statement-Strong", fontName=fonts.bold)
    styles["Small"] = styles["Normal"].clone("statement-Small", fontSize=8.5, leading=11)
    styles["Right"] = styles["Normal"].clone("statement-Right", alignment=2)
    styles["Cell"] = styles["Normal"].clone("statement-Cell", fontSize=9, leading=11)
    styles["Title"] = styles["Title"].clone("statement-Title-left", alignment=0, spaceAfter=4)
    return styles


def _logo(path: str | None):
    """The configured logo scaled into its box, or None (no setting, or an unreadable file)."""
    if not path:
        return None
    try:
        width, height = ImageReader(path).getSize()
    except (OSError, ValueError) as exc:
        log.warning("VENDOR_LOGO %s cannot be read: %s", path, exc)
        return None
    scale = min(LOGO_MAX_WIDTH / width, LOGO_MAX_HEIGHT / height, 1)
    logo = Image(path, width=width * scale, height=height * scale)
    logo.hAlign = "LEFT"
    return logo


def _country(code: str) -> str:
    return get_locale().territories.get(code, code) if code else ""


def _block(lines: list[str], styles, first_style: str = "Strong") -> list[Paragraph]:
    return [
        Paragraph(escape(line), styles[first_style if i == 0 else "Normal"])
        for i, line in enumerate(line for line in lines if line.strip())
    ]


def _grid(rows, fonts: Fonts, *, numbers_from: int, widths=None) -> Table:
    table = Table(rows, repeatRows=1, colWidths=widths, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), fonts.regular),
                ("FONTNAME", (0, 0), (-1, 0), fonts.bold),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("LINEBELOW", (0, 0), (-1, 0), 0.75, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.lightgrey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f1f3f5")),
                ("ALIGN", (numbers_from, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _source(line) -> str:
    """A program's name; for a fund claim the fund's name and the activity it pays."""
    if line.fund is None:
        return line.program.name
    return _(
        "%(fund)s – %(activity)s (%(start)s – %(end)s)",
        fund=line.fund.name,
        activity=shorten(line.activity_text, 120, placeholder="…"),
        start=format_date(line.activity.starts_on),
        end=format_date(line.activity.ends_on),
    )


def statement_pdf(head: Letterhead, period, lines, explained) -> bytes:
    partner = head.partner
    issued = datetime.now(UTC).date()
    title = drawable(_("Statement for %(partner)s", partner=partner.name))
    facts = [
        (_("Statement number"), statement_number(partner, period)),
        (_("Issue date"), format_date(issued)),
        (_("Period"), f"{format_date(period.start)} – {format_date(period.end)}"),
        (_("Partner code"), partner.code),
    ]
    facts = [(drawable(k), drawable(v)) for k, v in facts]
    recipient = [partner.name, *head.partner_address, _country(partner.country)]
    if head.tax_id:
        recipient.append(_("Tax ID: %(tax_id)s", tax_id=head.tax_id))
    recipient = [drawable(line) for line in recipient]
    sender = [drawable(line) for line in (head.vendor_name, *head.vendor_address)]
    header = [
        _("Program"),
        _("Period"),
        _("Settled"),
        _("Claims"),
        _("Paid"),
        _("Outstanding"),
    ]
    rows = [header] + [
        [
            _source(line),
            line.period_label,
            "" if line.settled is None else money(line.settled, line.currency),
            money(line.claims, line.currency),
            money(line.paid, line.currency),
            money(line.outstanding, line.currency),
        ]
        for line in lines
    ]
    rows = [[drawable(cell) for cell in row] for row in rows]
    sums = [[_("Currency"), _("Settled"), _("Claims"), _("Paid"), _("Outstanding")]] + [
        [
            t.currency,
            money(t.settled, t.currency),
            money(t.claims, t.currency),
            money(t.paid, t.currency),
            money(t.outstanding, t.currency),
        ]
        for t in totals(lines)
    ]
    sums = [[drawable(cell) for cell in row] for row in sums]
    explained = [[drawable(step) for step in steps] for steps in explained]
    empty = drawable(_("Nothing earned or paid in this period."))
    totals_title = drawable(_("Totals per currency"))
    texts = [title, empty, totals_title, *sender, *recipient]
    texts += [c for pair in facts for c in pair] + [c for row in rows + sums for c in row]
    texts += [step for steps in explained for step in steps]
    fonts = fonts_for(get_locale().language, texts)
    styles = _styles(fonts)

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        invariant=True,
        initialFontName=fonts.regular,
        leftMargin=48,
        rightMargin=48,
        topMargin=40,
        bottomMargin=40,
    )
    width = doc.width - 12  # the frame's own padding, 6 points on each side
    logo = _logo(head.vendor_logo)
    vendor_cell = ([logo, Spacer(1, 6)] if logo else []) + _block(sender, styles)
    fact_rows = [
        [Paragraph(escape(k), styles["Small"]), Paragraph(escape(v), styles["Strong"])]
        for k, v in facts
    ]
    facts_table = Table(fact_rows, colWidths=[width * 0.16, width * 0.29])
    facts_table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), fonts.regular),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    top = Table([[vendor_cell or "", facts_table]], colWidths=[width * 0.55, width * 0.45])
    top.hAlign = "LEFT"
    top.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), fonts.regular),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    story = [
        top,
        Spacer(1, 24),
        *_block(recipient, styles),
        Spacer(1, 24),
        Paragraph(escape(title), styles["Title"]),
        Spacer(1, 8),
    ]
    if lines:
        widths = [width * 0.3, width * 0.12] + [width * 0.145] * 4
        wrapped = [rows[0]] + [[Paragraph(escape(r[0]), styles["Cell"]), *r[1:]] for r in rows[1:]]
        story.append(_grid(wrapped, fonts, numbers_from=2, widths=widths))
        story += [Spacer(1, 14), Paragraph(escape(totals_title), styles["Heading3"])]
        story.append(
            _grid(sums, fonts, numbers_from=1, widths=[width * 0.12] + [width * 0.145] * 4)
        )
    else:
        story.append(Paragraph(escape(empty), styles["Normal"]))
    for line, steps in zip(lines, explained, strict=True):
        if steps:
            story.append(Spacer(1, 10))
            story.append(Paragraph(escape(drawable(line.source_name)), styles["Heading3"]))
            story.extend(Paragraph(escape(step), styles["Small"]) for step in steps)
    doc.build(story)
    return buffer.getvalue()
