"""Partner statements: HTML, CSV and PDF of one partner's period."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import abort, current_app, make_response, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.foundation.audit import record_event
from workflows.engine import PeriodError, parse_period
from workflows.payables import statements

from .. import explain
from ..changes import refusal_message
from ..csv_export import csv_response
from ..downloads import as_attachment
from ..extensions import db
from ..formatting import money
from ..inputs import InvalidInput
from ..models import Partner
from ..pagination import paginate
from ..partners.services import saved_profile
from ..security import Perm, get_visible_or_404, requires, visible_to
from . import bp

if TYPE_CHECKING:
    from .pdf import Letterhead


def _period(text: str):
    try:
        return parse_period(text)
    except PeriodError:
        abort(404)


def _explained(lines):
    """Each line's explanation steps in the viewer's language, in the order of `lines`, then
    what each payout batch paid of it: the bank's execution date, or why the bank returned it."""
    return [
        [*explain.sentences(line.explanation, line.currency), *payment_notes(line)]
        for line in lines
    ]


def payment_notes(line) -> list[str]:
    notes = []
    for payment in line.payments:
        amount = money(payment.amount, payment.currency)
        if payment.returned_reason:
            notes.append(
                _(
                    "%(amount)s sent in payout batch %(batch)s was returned by the bank "
                    "(%(reason)s); it is payable again.",
                    amount=amount,
                    batch=payment.batch_id,
                    reason=payment.returned_reason,
                )
            )
        elif payment.executed_on:
            notes.append(
                _(
                    "%(amount)s paid in payout batch %(batch)s, executed by the bank on %(date)s.",
                    amount=amount,
                    batch=payment.batch_id,
                    date=format_date(payment.executed_on),
                )
            )
        else:
            notes.append(
                _(
                    "%(amount)s sent to the bank in payout batch %(batch)s; not yet executed.",
                    amount=amount,
                    batch=payment.batch_id,
                )
            )
    return notes


@bp.get("/statements")
@requires(Perm.VIEW_STATEMENTS)
def statement_index():
    """A partner opens on its latest period; staff pick a period and see each partner's totals."""
    text = request.args.get("period", "").strip()
    if current_user.partner_id is not None:
        partner = get_visible_or_404(Partner, current_user.partner_id)
        if not text:
            return _statement(partner, None)
        try:
            return _statement(partner, parse_period(text))
        except PeriodError as exc:
            raise InvalidInput(refusal_message(exc)) from None
    visible = visible_to(select(Partner.id), current_user, Partner)
    recent = statements.recent_periods(visible)
    error, period = None, recent[0] if recent else None
    if text:
        try:
            period = parse_period(text)
        except PeriodError as exc:
            error, period = refusal_message(exc), None
    page = totals = None
    if period is not None:
        stmt = visible_to(
            select(Partner)
            .where(Partner.id.in_(statements.partners_with_lines(period)))
            .order_by(Partner.code),
            current_user,
            Partner,
        )
        page = paginate(stmt)
        totals = statements.partner_totals(page.items, period)
    body = render_template(
        "payables/statement_index.html",
        page=page,
        totals=totals,
        period=period,
        recent=recent,
        text=text,
        error=error,
    )
    return body, 400 if error else 200


def _statement(partner: Partner, period):
    """The statement page of `period`, or of the partner's latest period when it is None."""
    periods = statements.periods(partner, actor=current_user)
    if period is None and periods:
        period = periods[0].period
    lines = statements.statement(partner, period, actor=current_user) if period else []
    return render_template(
        "payables/statement.html",
        partner=partner,
        period=period,
        periods=periods,
        lines=lines,
        totals=statements.totals(lines),
        explained=_explained(lines),
        csv_url=period
        and url_for("payables.statement_csv", partner_id=partner.id, period=period.label),
        pdf_url=period
        and url_for("payables.statement_pdf_download", partner_id=partner.id, period=period.label),
    )


@bp.get("/statements/<int:partner_id>/<period>")
@requires(Perm.VIEW_STATEMENTS)
def statement_page(partner_id, period):
    return _statement(get_visible_or_404(Partner, partner_id), _period(period))


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
    # ReportLab is loaded by the first statement in PDF, not by every process that starts
    from .pdf import statement_pdf

    data = statement_pdf(_letterhead(partner), parsed, lines, _explained(lines))
    record_event(current_user, "statements.export", partner, after={"period": parsed.label})
    db.session.commit()
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    return as_attachment(response, f"statement-{partner.code}-{parsed.label}.pdf")


def _letterhead(partner: Partner) -> Letterhead:
    """The vendor from the settings; the partner as onboarding recorded it (nothing invented)."""
    from .pdf import Letterhead

    config = current_app.config
    profile = saved_profile(partner)
    return Letterhead(
        vendor_name=config.get("VENDOR_NAME") or "",
        vendor_address=(config.get("VENDOR_ADDRESS") or "").splitlines(),
        vendor_logo=config.get("VENDOR_LOGO"),
        partner=partner,
        partner_address=(profile.address if profile else "").splitlines(),
        tax_id=profile.tax_id if profile else "",
    )
