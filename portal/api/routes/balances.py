"""Money: what a partner has accrued, been approved and been paid, per program, and the result
lines behind it, each with the sentences that explain its amount."""

from flask_login import current_user

from workflows.payables.balances import program_balances

from ...calc import queries
from ...models import CalcResult, Partner
from ...security import Perm, get_visible_or_404
from .. import serializers
from ..registry import PAGING, cursor_page, operation, path_id


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


@operation(
    "GET",
    "/partners/{partner_id}/rewards",
    "listPartnerRewards",
    summary="A partner's calculated rewards: one result line per finished run, explained",
    description="The lines of finished accrual and settlement runs where the partner is the "
    "payee (a group's rewards belong to its top partner), as on the Rewards page: measure, band "
    "reached, rate and amount, and `explanation`, the sentences that explain the amount (in "
    "English). Oldest first.",
    tag="balances",
    perm=Perm.VIEW_CALC_RESULTS,
    response="PartnerRewardPage",
    params=(path_id("partner_id", "partner"), *PAGING),
)
def list_partner_rewards(partner_id, limit, cursor):
    partner = get_visible_or_404(Partner, partner_id)
    stmt = queries.rewards_query(current_user).where(CalcResult.payee_id == partner.id)
    return cursor_page(
        stmt, CalcResult, limit=limit, cursor=cursor, serialize=serializers.partner_reward
    )
