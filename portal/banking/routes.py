"""Payout accounts: partner admins enter their organisation's, finance verifies them.

Numbers are shown masked to everyone; finance opens one account's numbers with a button (a POST,
audited) and sees them on that answer only, which no cache keeps.
"""

from functools import partial

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from workflows import enqueue, validators
from workflows.banking import accounts, vault
from workflows.banking.validation import compact, scheme_for

from ..changes import REFUSED, commit_or_refuse, commit_or_show, refusal_message
from ..forms import ConfirmForm, currency_choices
from ..models import PayeeAccount
from ..security import Perm, get_visible_or_404, requires
from . import bp
from .forms import AccountForm, CurrencyForm, RejectAccountForm

DETAILS = ("holder_name", "iban", "bic", "routing_number", "sort_code", "account_number", "tax_id")


def _chosen_currency(picker: CurrencyForm) -> str:
    """The currency asked for in the query string, else the organisation's own."""
    asked = request.args.get("currency")
    if asked:
        try:
            return validators.currency(compact(asked))
        except validators.InvalidValue as exc:
            picker.currency.errors = [refusal_message(exc)]
    return current_user.partner.currency


def render_accounts(form: AccountForm | None = None, status: int = 200):
    picker = CurrencyForm(formdata=None)
    currency = form.currency.data if form is not None else _chosen_currency(picker)
    picker.currency.data = currency
    picker.currency.choices = currency_choices(currency)
    if form is None:
        form = AccountForm(formdata=None, currency=currency)
    rows = accounts.visible_accounts(current_user, partner=current_user.partner)
    return render_template(
        "banking/accounts.html",
        rows=rows,
        by_currency=_by_currency(rows),
        picker=picker,
        form=form,
        scheme=scheme_for(currency),
        currency=currency,
    ), status


def _by_currency(rows: list[PayeeAccount]) -> dict[str, list[PayeeAccount]]:
    grouped: dict[str, list[PayeeAccount]] = {}
    for row in rows:
        grouped.setdefault(row.currency, []).append(row)
    return dict(sorted(grouped.items()))


@bp.get("/payout-accounts")
@requires(Perm.MANAGE_PAYOUT_ACCOUNTS)
def accounts_page():
    return render_accounts()


@bp.post("/payout-accounts")
@requires(Perm.MANAGE_PAYOUT_ACCOUNTS)
def enter():
    form = AccountForm()
    if not form.validate_on_submit():
        form.currency.data = current_user.partner.currency
        return render_accounts(form, 400)
    form.currency.data = compact(form.currency.data)
    details = {name: getattr(form, name).data for name in DETAILS}
    enter = partial(
        accounts.enter_account,
        current_user.partner,
        actor=current_user,
        currency=form.currency.data,
        **details,
    )
    if commit_or_show(enter, form) is REFUSED:
        if not validators.is_currency(form.currency.data or ""):
            form.currency.data = current_user.partner.currency
        return render_accounts(form, 400)
    enqueue.pending_mail()
    flash(
        _(
            "The %(currency)s account was submitted. Finance verifies it before payments go there.",
            currency=form.currency.data,
        ),
        "success",
    )
    return redirect(url_for("banking.accounts_page"))


@bp.get("/payout-accounts/review")
@requires(Perm.VERIFY_PAYOUT_ACCOUNTS)
def queue():
    waiting = accounts.visible_accounts(current_user, states=("pending",))
    waiting.sort(key=lambda account: account.entered_at)
    replaces = accounts.replaced_by(waiting)
    return render_template("banking/queue.html", waiting=waiting, replaces=replaces)


def render_account(account: PayeeAccount, *, revealed=None, reject_form=None, status=200):
    history = accounts.account_history(account)
    offered = {e: accounts.ACCOUNTS.offered(account, e, current_user) for e in ("verify", "reject")}
    others = accounts.visible_accounts(current_user, partner=account.partner)
    response = render_template(
        "banking/account.html",
        account=account,
        revealed=revealed,
        offered=offered,
        history=history,
        others=[other for other in others if other.id != account.id],
        action_form=ConfirmForm(),
        reject_form=reject_form or RejectAccountForm(formdata=None),
    )
    return response, status, {"Cache-Control": "no-store"}


@bp.get("/payout-accounts/<int:account_id>")
@requires(Perm.VERIFY_PAYOUT_ACCOUNTS)
def account(account_id):
    return render_account(get_visible_or_404(PayeeAccount, account_id))


@bp.post("/payout-accounts/<int:account_id>/reveal")
@requires(Perm.VERIFY_PAYOUT_ACCOUNTS)
def reveal(account_id):
    form = ConfirmForm()
    account = get_visible_or_404(PayeeAccount, account_id)
    if not form.validate_on_submit():
        return render_account(account, status=400)
    details = commit_or_refuse(
        partial(accounts.reveal_account, account, actor=current_user),
        url_for("banking.account", account_id=account.id),
    )
    return render_account(account, revealed=details)


@bp.post("/payout-accounts/<int:account_id>/verify")
@requires(Perm.VERIFY_PAYOUT_ACCOUNTS)
def verify(account_id):
    account = get_visible_or_404(PayeeAccount, account_id)
    back = url_for("banking.account", account_id=account.id)
    if not ConfirmForm().validate_on_submit():
        return render_account(account, status=400)
    commit_or_refuse(partial(accounts.verify_account, account, actor=current_user), back)
    enqueue.pending_mail()
    flash(
        _(
            "The %(currency)s account of %(partner)s is verified.",
            currency=account.currency,
            partner=account.partner.name,
        ),
        "success",
    )
    return redirect(back)


@bp.post("/payout-accounts/<int:account_id>/reject")
@requires(Perm.VERIFY_PAYOUT_ACCOUNTS)
def reject(account_id):
    account = get_visible_or_404(PayeeAccount, account_id)
    form = RejectAccountForm()
    if not form.validate_on_submit():
        return render_account(account, reject_form=form, status=400)
    change = partial(accounts.reject_account, account, actor=current_user, reason=form.reason.data)
    if commit_or_show(change, form) is REFUSED:
        return render_account(account, reject_form=form, status=400)
    enqueue.pending_mail()
    flash(
        _(
            "The %(currency)s account of %(partner)s is rejected.",
            currency=account.currency,
            partner=account.partner.name,
        ),
        "success",
    )
    return redirect(url_for("banking.account", account_id=account.id))


def grouped(number: str) -> str:
    """A number in groups of four, as printed on bank statements (DE89 3704 0044 …)."""
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


bp.add_app_template_filter(vault.mask, "masked")
bp.add_app_template_filter(grouped, "grouped")
