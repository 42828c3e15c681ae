"""The statement as a PDF (reportlab), formatted in the viewer's language and locale."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from flask_babel import format_date
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ..rendering import money


def statement_pdf(partner, period, lines, explained) -> bytes:
    buffer = io.BytesIO()
    styles = getSampleStyleSheet()
    title = _("Statement for %(partner)s", partner=partner.name)
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=title, invariant=True)
    story = [
        Paragraph(escape(title), styles["Title"]),
        Paragraph(
            escape(
                _(
                    "Period %(start)s – %(end)s",
                    start=format_date(period.start),
                    end=format_date(period.end),
                )
            ),
            styles["Normal"],
        ),
        Spacer(1, 12),
    ]
    header = [_("Program"), _("Period"), _("Settled"), _("Claims"), _("Paid"), _("Outstanding")]
    rows = [header]
    for line in lines:
        settled = "" if line.settled is None else money(line.settled, line.currency)
        rows.append(
            [
                line.program.name,
                line.period_label,
                settled,
                money(line.claims, line.currency),
                money(line.paid, line.currency),
                money(line.outstanding, line.currency),
            ]
        )
    table = Table(rows, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
            ]
        )
    )
    story.append(table)
    for line, steps in zip(lines, explained, strict=True):
        if steps:
            story.append(Spacer(1, 10))
            story.append(Paragraph(escape(line.program.name), styles["Heading3"]))
            story.extend(Paragraph(escape(step), styles["Normal"]) for step in steps)
    if not lines:
        story.append(
            Paragraph(escape(_("Nothing earned or paid in this period.")), styles["Normal"])
        )
    doc.build(story)
    return buffer.getvalue()
