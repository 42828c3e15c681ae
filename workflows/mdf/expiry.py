"""The daily MDF pass: lapse unclaimed commitments, expire what is left after a fund's claim
deadline, and warn partner admins before it.

- An approved request whose claim due date has passed with no claim waiting for a decision
  lapses: its whole commitment comes back to the partner (a release row).
- The day after a fund's claim deadline, every holder's available money becomes an expiry row
  and the fund is marked expired. Money that comes back later (a claim approved for less, or
  rejected and lapsed) expires on the next pass.
- MDF_EXPIRY_WARNING_DAYS (30 and 7) days before the claim deadline, the partner admins of every
  partner with money not yet claimed (available or committed) get an e-mail, once per warning.
  A fund created within the last window sends only the most urgent one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask import current_app
from sqlalchemy import exists, insert, select

from portal.extensions import db
from portal.foundation.audit import record_event
from portal.foundation.outbox import queue_mail
from portal.models import (
    MdfClaim,
    MdfEntry,
    MdfFund,
    MdfRequest,
    Partner,
    User,
    partner_admins_of,
    utcnow,
)

from . import ledger
from .request_states import REQUESTS


@dataclass
class ExpiryOutcome:
    lapsed: list[int] = field(default_factory=list)
    expired: dict[str, Decimal] = field(default_factory=dict)
    warned: dict[str, int] = field(default_factory=dict)

    def summary(self) -> dict:
        return {
            "lapsed": self.lapsed,
            "expired": {code: format(amount, "f") for code, amount in self.expired.items()},
            "warned": self.warned,
        }


def lapse_unclaimed(day: date) -> list[int]:
    """Approved requests past their claim due date with no claim awaiting a decision."""
    waiting = exists().where(MdfClaim.request_id == MdfRequest.id, MdfClaim.state == "submitted")
    due = db.session.scalars(
        select(MdfRequest)
        .where(MdfRequest.state == "approved", MdfRequest.claim_due_on < day, ~waiting)
        .order_by(MdfRequest.id)
    ).all()
    for request in due:
        REQUESTS.fire(request, "lapse", None)
    return [request.id for request in due]


def expire_funds(day: date) -> dict[str, Decimal]:
    """Expiry rows for every holder's available money in funds past their claim deadline."""
    funds = db.session.scalars(
        select(MdfFund)
        .where(MdfFund.claim_deadline < day)
        .order_by(MdfFund.id)
        .with_for_update()  # no decision moves their money while the leftovers are summed
        .execution_options(populate_existing=True)
    ).all()
    leftovers: dict[int, dict[ledger.Holder, Decimal]] = defaultdict(dict)
    for (fund_id, holder), money in ledger.holder_figures(fund.id for fund in funds).items():
        if money.available > 0:
            leftovers[fund_id][holder] = money.available
    now = utcnow()
    rows = [
        {
            "fund_id": fund_id,
            "territory_id": holder.territory_id,
            "partner_id": holder.partner_id,
            "kind": "expiry",
            "amount": -amount,
            "created_at": now,
        }
        for fund_id, amounts in leftovers.items()
        for holder, amount in amounts.items()
    ]
    if rows:
        db.session.execute(insert(MdfEntry), rows)
    expired: dict[str, Decimal] = {}
    for fund in funds:
        if fund.state == "expired" and fund.id not in leftovers:
            continue
        total = sum(leftovers[fund.id].values(), Decimal(0))
        before, fund.state = fund.state, "expired"
        record_event(
            None,
            "mdf.fund.expire",
            fund,
            before={"state": before},
            after={
                "state": "expired",
                "amount": format(total, "f"),
                "rows": len(leftovers[fund.id]),
            },
        )
        expired[fund.code] = total
    db.session.flush()
    return expired


def _warning_due(fund: MdfFund, day: date, windows: tuple[int, ...]) -> int | None:
    """The warning (days before the deadline) to send today, if one is due and not yet sent."""
    days_left = (fund.claim_deadline - day).days
    if days_left < 0:
        return None
    due = [w for w in windows if days_left <= w]
    if not due:
        return None
    urgent = min(due)
    sent = fund.warned_days_before
    return urgent if sent is None or sent > urgent else None


def warn_partner_admins(day: date) -> dict[str, int]:
    """E-mail the partner admins of partners with money not yet claimed in funds whose claim
    deadline is near; returns the number of e-mails per fund."""
    windows = tuple(sorted(current_app.config["MDF_EXPIRY_WARNING_DAYS"], reverse=True))
    funds = db.session.scalars(
        select(MdfFund)
        .where(MdfFund.state == "open", MdfFund.claim_deadline >= day)
        .order_by(MdfFund.id)
        .with_for_update()
    ).all()
    due = {fund.id: w for fund in funds if (w := _warning_due(fund, day, windows)) is not None}
    if not due:
        return {}
    unclaimed: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for (fund_id, holder), money in ledger.holder_figures(due).items():
        if holder.partner_id is not None and money.unclaimed > 0:
            unclaimed[fund_id][holder.partner_id] = money.unclaimed
    partner_ids = {pid for amounts in unclaimed.values() for pid in amounts}
    admins: dict[int, list[User]] = defaultdict(list)
    for user in db.session.scalars(partner_admins_of(partner_ids)):
        admins[user.partner_id].append(user)
    partners = {
        p.id: p for p in db.session.scalars(select(Partner).where(Partner.id.in_(partner_ids)))
    }
    sent: dict[str, int] = {}
    for fund in funds:
        if fund.id not in due:
            continue
        count = 0
        for partner_id, amount in sorted(unclaimed[fund.id].items()):
            for admin in admins[partner_id]:
                queue_mail(
                    admin,
                    "mdf_expiring",
                    {
                        "fund": fund,
                        "partner": partners[partner_id],
                        "amount": amount,
                        "days": (fund.claim_deadline - day).days,
                    },
                    related=fund,
                )
                count += 1
        fund.warned_days_before = due[fund.id]
        record_event(
            None,
            "mdf.fund.expiry_warning",
            fund,
            after={"days_before": due[fund.id], "emails": count},
        )
        sent[fund.code] = count
    db.session.flush()
    return sent


def run_expiry(day: date) -> ExpiryOutcome:
    """The whole daily pass for `day`. Flushes only; the caller commits."""
    outcome = ExpiryOutcome()
    outcome.lapsed = lapse_unclaimed(day)
    outcome.expired = expire_funds(day)
    outcome.warned = warn_partner_admins(day)
    return outcome
