"""Payout batch pages: build (one batch per currency, held partners named), the batch page with
its payees and the partners held, approve, export and download the payment file, mark paid,
record a returned transfer; and the bank file formats finance maps once per bank."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from workflows.engine import parse_period
from workflows.payables import bank_formats, batches
from workflows.payables.payment_files import default_format

from ..calc.queries import program_choices
from ..changes import REFUSED, commit_or_refuse, commit_or_show, confirmed
from ..downloads import content_disposition
from ..extensions import db
from ..formatting import money
from ..forms import ConfirmForm
from ..labels import label
from ..models import BankFileFormat, Partner, PayoutBatch, Program
from ..models.payables import BANK_FILE_FIELDS, FILE_FORMATS
from ..pagination import paginate
from ..security import Perm, get_unscoped_or_404, get_visible_or_404, requires, visible_to
from . import bp, presenters
from .forms import BankFormatForm, BuildBatchForm, ExportForm, MarkPaidForm, ReturnForm


@bp.get("/payout-batches")
@requires(Perm.MANAGE_PAYOUT_BATCHES)
def batch_list():
    stmt = visible_to(select(PayoutBatch).order_by(PayoutBatch.id.desc()), current_user)
    waiting = db.session.scalar(select(func.count()).select_from(batches.open_lines().subquery()))
    page = paginate(stmt)
    return render_template(
        "payables/batches.html",
        page=page,
        actions=presenters.batch_actions(page.items, current_user),
        waiting=waiting,
        form=ConfirmForm(),
        build_form=_build_form(),
    )


def _build_form() -> BuildBatchForm:
    form = BuildBatchForm()
    form.program_id.choices = [(0, _("All programs")), *program_choices()]
    form.currency.choices = [
        ("", _("Every currency")),
        *((code, code) for code in batches.waiting_currencies()),
    ]
    return form


@bp.post("/payout-batches")
@requires(Perm.MANAGE_PAYOUT_BATCHES)
def build():
    form = confirmed(_build_form())
    program = get_unscoped_or_404(Program, form.program_id.data) if form.program_id.data else None

    def build_batches():
        period = parse_period(form.period.data) if form.period.data else None
        return batches.build_batches(
            actor=current_user, period=period, program=program, currency=form.currency.data
        )

    built = commit_or_refuse(build_batches, back=url_for("payables.batch_list"))
    for batch in built.batches:
        flash(
            ngettext(
                "Batch %(id)s (%(currency)s) built with %(count)s line.",
                "Batch %(id)s (%(currency)s) built with %(count)s lines.",
                batch.line_count,
                id=batch.id,
                currency=batch.currency,
                count=format_decimal(batch.line_count),
            ),
            "success",
        )
    for held in built.held:
        flash(
            _(
                "Held: %(partner)s, %(amount)s — %(reason)s. %(next)s",
                partner=held.partner.name,
                amount=money(held.amount, held.currency),
                reason=presenters.hold_reason(held),
                next=presenters.hold_next_step(held),
            ),
            "warning",
        )
    if len(built.batches) == 1:
        return redirect(url_for("payables.batch_detail", batch_id=built.batches[0].id))
    return redirect(url_for("payables.batch_list"))


@bp.get("/payout-batches/<int:batch_id>")
@requires(Perm.MANAGE_PAYOUT_BATCHES)
def batch_detail(batch_id):
    batch = get_visible_or_404(PayoutBatch, batch_id)
    payees = batches.batch_payees(batch)
    held = batches.select_lines(batch.currency).held if batch.currency else []
    export_form = ExportForm()
    export_form.file_format.choices = [(code, label(code, "payment_file")) for code in FILE_FORMATS]
    if batch.currency:
        export_form.file_format.data = default_format(batch)
    return_form = ReturnForm()
    return_form.partner_id.choices = [
        (p.partner.id, p.partner.name) for p in payees if p.returned_reason is None
    ]
    return render_template(
        "payables/batch.html",
        batch=batch,
        payees=payees,
        total=sum((p.amount for p in payees if p.returned_reason is None), 0),
        held=[(h, presenters.hold_reason(h), presenters.hold_next_step(h)) for h in held],
        actions=presenters.detail_actions(batch, current_user),
        names=presenters.people(batch),
        form=ConfirmForm(),
        export_form=export_form,
        paid_form=MarkPaidForm(),
        return_form=return_form,
    )


@bp.post("/payout-batches/<int:batch_id>/approve")
@requires(Perm.MANAGE_PAYOUT_BATCHES)
def approve_batch(batch_id):
    batch = get_visible_or_404(PayoutBatch, batch_id)
    confirmed(ConfirmForm())
    back = url_for("payables.batch_detail", batch_id=batch.id)
    commit_or_refuse(lambda: batches.approve_batch(batch, actor=current_user), back)
    flash(_("Batch %(id)s approved.", id=batch.id), "success")
    return redirect(back)


def _file_response(paid: batches.PaymentFile) -> Response:
    response = Response(paid.content, mimetype=paid.media_type)
    response.headers["Content-Disposition"] = content_disposition(paid.name)
    return response


@bp.post("/payout-batches/<int:batch_id>/export")
@requires(Perm.MANAGE_PAYOUT_BATCHES)
def export_batch(batch_id):
    batch = get_visible_or_404(PayoutBatch, batch_id)
    form = ExportForm()
    form.file_format.choices = [("", ""), *((code, code) for code in FILE_FORMATS)]
    confirmed(form)
    paid = commit_or_refuse(
        lambda: batches.export_batch(
            batch, actor=current_user, file_format=form.file_format.data or None
        ),
        back=url_for("payables.batch_detail", batch_id=batch.id),
    )
    return _file_response(paid)


@bp.get("/payout-batches/<int:batch_id>/file")
@requires(Perm.MANAGE_PAYOUT_BATCHES)
def batch_file(batch_id):
    """The payment file as first exported (a batch not exported yet has none)."""
    batch = get_visible_or_404(PayoutBatch, batch_id)
    if batch.status != "exported":
        abort(404)
    paid = commit_or_refuse(
        lambda: batches.export_batch(batch, actor=current_user),
        back=url_for("payables.batch_detail", batch_id=batch.id),
    )
    return _file_response(paid)


def _flash_errors(form) -> None:
    for errors in form.errors.values():
        flash(" ".join(str(e) for e in errors), "danger")


@bp.post("/payout-batches/<int:batch_id>/paid")
@requires(Perm.MANAGE_PAYOUT_BATCHES)
def mark_paid(batch_id):
    batch = get_visible_or_404(PayoutBatch, batch_id)
    back = url_for("payables.batch_detail", batch_id=batch.id)
    form = MarkPaidForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(back)
    commit_or_refuse(
        lambda: batches.mark_paid(batch, actor=current_user, executed_on=form.executed_on.data),
        back,
    )
    flash(_("Batch %(id)s marked paid.", id=batch.id), "success")
    return redirect(back)


@bp.post("/payout-batches/<int:batch_id>/returned")
@requires(Perm.MANAGE_PAYOUT_BATCHES)
def return_payment(batch_id):
    batch = get_visible_or_404(PayoutBatch, batch_id)
    back = url_for("payables.batch_detail", batch_id=batch.id)
    form = ReturnForm()
    form.partner_id.choices = [(p.partner.id, p.partner.name) for p in batches.batch_payees(batch)]
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(back)
    partner = get_visible_or_404(Partner, form.partner_id.data)
    commit_or_refuse(
        lambda: batches.return_payment(batch, partner, actor=current_user, reason=form.reason.data),
        back,
    )
    flash(
        _(
            "The payment to %(partner)s is recorded as returned; its lines are payable again.",
            partner=partner.name,
        ),
        "success",
    )
    return redirect(back)


# --- bank file formats ------------------------------------------------------------------------


def _format_form(bank: BankFileFormat | None = None) -> BankFormatForm:
    form = BankFormatForm(obj=None)
    fields = [("", _("(none)"))] + [(f, label(f, "bank_field")) for f in BANK_FILE_FIELDS]
    for field in form.column_fields():
        field.choices = fields
    form.delimiter.choices = [
        (",", _("Comma (,)")),
        (";", _("Semicolon (;)")),
        ("\t", _("Tab")),
        ("|", _("Vertical bar (|)")),
    ]
    form.decimal_separator.choices = [(".", _("Point (1234.50)")), (",", _("Comma (1234,50)"))]
    if bank is not None and request.method == "GET":
        form.name.data, form.currencies.data = bank.name, bank.currencies
        for field, column in zip(form.column_fields(), bank.column_list, strict=False):
            field.data = column
        form.delimiter.data, form.decimal_separator.data = bank.delimiter, bank.decimal_separator
        form.header.data = bank.header
    return form


def _render_formats(form, bank=None):
    formats = db.session.scalars(select(BankFileFormat).order_by(BankFileFormat.name)).all()
    return render_template("payables/bank_formats.html", formats=formats, form=form, bank=bank)


@bp.get("/payout-batches/bank-formats")
@requires(Perm.MANAGE_PAYOUT_BATCHES)
def bank_formats_page():
    return _render_formats(_format_form())


@bp.get("/payout-batches/bank-formats/<int:format_id>")
@requires(Perm.MANAGE_PAYOUT_BATCHES)
def bank_format_edit(format_id):
    bank = get_unscoped_or_404(BankFileFormat, format_id)
    return _render_formats(_format_form(bank), bank)


@bp.post("/payout-batches/bank-formats")
@requires(Perm.MANAGE_PAYOUT_BATCHES)
def bank_format_save():
    bank_id = request.form.get("bank_id", type=int)
    bank = get_unscoped_or_404(BankFileFormat, bank_id) if bank_id else None
    form = _format_form(bank)
    if not form.validate_on_submit():
        return _render_formats(form, bank), 400

    def save():
        return bank_formats.save_bank_format(
            actor=current_user,
            name=form.name.data,
            currencies=form.currencies.data,
            columns=[field.data for field in form.column_fields()],
            delimiter=form.delimiter.data,
            decimal_separator=form.decimal_separator.data,
            header=form.header.data,
            bank=bank,
        )

    saved = commit_or_show(save, form)
    if saved is REFUSED:
        return _render_formats(form, bank), 422
    flash(_("Bank format %(name)s saved.", name=saved.name), "success")
    return redirect(url_for("payables.bank_formats_page"))
