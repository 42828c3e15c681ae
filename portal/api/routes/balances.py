"""Money balances: what a partner has accrued, been approved and been paid, per program."""

from flask_login import current_user

from workflows.payables.balances import program_balances

from ...models import Partner
from ...security import Perm, get_visible_or_404
from .. import serializers
from ..registry import operation, path_id


@operation(
    "GET",
    "/partners/{partner_id}/balances",
    "getMoneyBalances",
    summary="A partner's accrued, approved and paid amounts per program and currency",
    description="`accrued`: the estimate of the latest accrual run of each open period. "
    "`approved`: approved settlements (with adjustments and clawbacks) and approved claims "
    "not yet paid. `paid`: lines of exported payout batches. Amounts are in the program's "
    "currency, as on the partner dashboard; a group's amounts belong to its payee.",
    tag="balances",
    perm=Perm.VIEW_STATEMENTS,
    response="MoneyBalances",
    params=(path_id("partner_id", "partner"),),
)
def get_money_balances(partner_id):
    partner = get_visible_or_404(Partner, partner_id)
    return serializers.money_balances(partner.id, program_balances(current_user, partner.id))
