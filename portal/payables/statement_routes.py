"""Partner statements: HTML, CSV and PDF of one partner's period."""

from __future__ import annotations

from flask import abort, make_response, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from workflows.engine import PeriodError, parse_period
from workflows.payables import statements

from .. import explain
from ..audit.services import record_event
from ..csv_export import csv_response
from ..downloads import as_attachment
from ..extensions import db
from ..models import Partner
from ..pagination import paginate
from ..security import Perm, get_visible_or_404, requires, visible_to
from . import bp
from .pdf import statement_pdf


def _period(text: str):
    try:
        return parse_period(text)
    except PeriodError:
        abort(404)


def _explained(lines):
    """Each line's explanation steps in the viewer's language, in the order of `lines`."""
    return [explain.sentences(line.explanation, line.currency) for line in lines]


@bp.get("/statements")
@requires(Perm.VIEW_STATEMENTS)
def statement_index():
    period = request.args.get("period", "")
    if current_user.partner_id is not None and period:
        return statement_page(current_user.partner_id, period)
    stmt = visible_to(select(Partner).order_by(Partner.code), current_user, Partner)
    return render_template("payables/statement_index.html", page=paginate(stmt), period=period)


@bp.get("/statements/<int:partner_id>/<period>")
@requires(Perm.VIEW_STATEMENTS)
def statement_page(partner_id, period):
    partner = get_visible_or_404(Partner, partner_id)
    parsed = _period(period)
    lines = statements.statement(partner, parsed, actor=current_user)
    return render_template(
        "payables/statement.html",
        partner=partner,
        period=parsed,
        lines=lines,
        explained=_explained(lines),
        csv_url=url_for("payables.statement_csv", partner_id=partner.id, period=parsed.label),
        pdf_url=url_for(
            "payables.statement_pdf_download", partner_id=partner.id, period=parsed.label
        ),
    )


@bp.get("/statements/<int:partner_id>/<period>.csv")
@requires(Perm.VIEW_STATEMENTS)
def statement_csv(partner_id, period):
    partner = get_visible_or_404(Partner, partner_id)
    parsed = _period(period)
    lines = statements.statement(partner, parsed, actor=current_user)
    record_event(current_user, "statements.export", partner, after={"period": parsed.label})
    db.session.commit()
    return csv_response(
        f"statement-{partner.code}-{parsed.label}.csv",
        statements.STATEMENT_COLUMNS,
        statements.statement_rows(partner, lines),
    )


@bp.get("/statements/<int:partner_id>/<period>.pdf")
@requires(Perm.VIEW_STATEMENTS)
def statement_pdf_download(partner_id, period):
    partner = get_visible_or_404(Partner, partner_id)
    parsed = _period(period)
    lines = statements.statement(partner, parsed, actor=current_user)
    data = statement_pdf(partner, parsed, lines, _explained(lines))
    record_event(current_user, "statements.export", partner, after={"period": parsed.label})
    db.session.commit()
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    return as_attachment(response, f"statement-{partner.code}-{parsed.label}.pdf")
