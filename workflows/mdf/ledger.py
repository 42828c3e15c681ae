"""The MDF ledger: every movement of fund money is one row, and every balance is a sum of rows.

A row belongs to one holder: the fund itself (no territory, no partner), a territory, or a
partner. Its sign is what it does to the holder:

- allocation  +amount where money arrives, −amount where it leaves (a new fund's own row holds
  its whole amount);
- earned      ±amount (co-op money earned by sales, for earned funds): one row per partner
  per approved co-op settlement run, naming the run; a later settlement of a period adds
  the difference, negative when restated sales earned less;
- commitment  −amount when a request is approved;
- release     +amount when a commitment, or the part of it a claim did not use, comes back;
- claim       +amount when a claim is approved (a stage: what is available does not change);
- payment     +amount when a payout batch pays that claim (a stage too), naming the batch;
- payment_return  −amount when the bank returns that batch's transfer: the claim's line is
              payable again, and the next batch that pays it writes a payment row of its own;
- expiry      −amount for what was still available after the claim deadline.

So allocated = allocation + earned; committed = −(commitment + release), which includes what
was claimed; claimed = claim; paid = payment + payment_return; expired = −expiry; and
available = allocated − committed − expired, the sum of the rows that move money. Writers lock
the fund row first (`lock_fund`), so a check of what is available and the row written after it
never interleave with another writer of the same fund.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, func, or_, select

from portal.extensions import db
from portal.models import (
    MdfAllocation,
    MdfClaim,
    MdfEntry,
    MdfFund,
    MdfRequest,
    Partner,
    PartnerTerritory,
    Territory,
    utcnow,
)
from portal.models.partners import current_range

ZERO = Decimal("0.0000")  # the scale of money columns, so absent kinds read like sums
MOVING_KINDS = ("allocation", "earned", "commitment", "release", "expiry")


@dataclass(frozen=True)
class Holder:
    """Who holds money within a fund: the fund itself, a territory or a partner."""

    territory_id: int | None = None
    partner_id: int | None = None

    def predicate(self):
        """SQL: the ledger rows of this holder."""
        return and_(
            MdfEntry.territory_id.is_(None)
            if self.territory_id is None
            else MdfEntry.territory_id == self.territory_id,
            MdfEntry.partner_id.is_(None)
            if self.partner_id is None
            else MdfEntry.partner_id == self.partner_id,
        )


FUND = Holder()


def partner_holder(partner_id: int) -> Holder:
    return Holder(partner_id=partner_id)


def territory_holder(territory_id: int) -> Holder:
    return Holder(territory_id=territory_id)


@dataclass(frozen=True)
class Figures:
    """A fund's money as seen from one holder or scope, in the fund's currency."""

    currency: str
    allocated: Decimal = ZERO
    committed: Decimal = ZERO
    claimed: Decimal = ZERO
    paid: Decimal = ZERO
    expired: Decimal = ZERO

    @property
    def available(self) -> Decimal:
        return self.allocated - self.committed - self.expired

    @property
    def unclaimed(self) -> Decimal:
        """Money that may still be requested or claimed: available, and committed unclaimed."""
        return self.available + self.committed - self.claimed


def figures_from(sums: Mapping[str, Decimal], currency: str) -> Figures:
    """The figures from the per-kind sums of some rows."""

    def total(kind: str) -> Decimal:
        return sums.get(kind, ZERO)

    return Figures(
        currency=currency,
        allocated=total("allocation") + total("earned"),
        committed=-(total("commitment") + total("release")),
        claimed=total("claim"),
        paid=total("payment") + total("payment_return"),
        expired=-total("expiry"),
    )


def lock_fund(fund_id: int) -> MdfFund:
    """The fund row, locked for the rest of the transaction (SQLite: its single writer), and
    read afresh."""
    return db.session.scalars(
        select(MdfFund)
        .where(MdfFund.id == fund_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def post(
    fund: MdfFund,
    holder: Holder,
    kind: str,
    amount: Decimal,
    *,
    actor,
    allocation: MdfAllocation | None = None,
    request: MdfRequest | None = None,
    claim: MdfClaim | None = None,
    run_id: int | None = None,
) -> MdfEntry:
    """Append one row (the caller holds the fund's lock); earned rows name the run."""
    entry = MdfEntry(
        fund_id=fund.id,
        territory_id=holder.territory_id,
        partner_id=holder.partner_id,
        kind=kind,
        amount=amount,
        allocation_id=allocation.id if allocation is not None else None,
        request_id=request.id if request is not None else None,
        claim_id=claim.id if claim is not None else None,
        run_id=run_id,
        actor_id=getattr(actor, "id", None),
        created_at=utcnow(),
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def _kind_sums(*conditions) -> dict[str, Decimal]:
    rows = db.session.execute(
        select(MdfEntry.kind, func.sum(MdfEntry.amount)).where(*conditions).group_by(MdfEntry.kind)
    )
    return {kind: amount for kind, amount in rows}


def available(fund_id: int, holder: Holder) -> Decimal:
    """What the holder may still pass down or commit: the sum of its rows that move money."""
    total = db.session.scalar(
        select(func.sum(MdfEntry.amount)).where(
            MdfEntry.fund_id == fund_id, MdfEntry.kind.in_(MOVING_KINDS), holder.predicate()
        )
    )
    return ZERO if total is None else total


def fund_figures(fund: MdfFund) -> Figures:
    """The whole fund: transfers between holders cancel out."""
    return figures_from(_kind_sums(MdfEntry.fund_id == fund.id), fund.currency)


def partner_figures(fund: MdfFund, partner: Partner) -> Figures:
    return figures_from(
        _kind_sums(MdfEntry.fund_id == fund.id, MdfEntry.partner_id == partner.id), fund.currency
    )


def subtree_predicate(territory: Territory, on: date):
    """SQL: rows of the territory, of every territory below it, and of the partners in those
    territories on `on` (transfers inside the subtree cancel out)."""
    inside = select(Territory.id).where(Territory.path.startswith(territory.path, autoescape=True))
    partners = (
        select(PartnerTerritory.partner_id)
        .join(Territory, Territory.id == PartnerTerritory.territory_id)
        .where(
            current_range(PartnerTerritory, on),
            Territory.path.startswith(territory.path, autoescape=True),
        )
    )
    return or_(MdfEntry.territory_id.in_(inside), MdfEntry.partner_id.in_(partners))


def territory_figures(fund: MdfFund, territory: Territory, on: date) -> Figures:
    return figures_from(
        _kind_sums(MdfEntry.fund_id == fund.id, subtree_predicate(territory, on)), fund.currency
    )


def holder_figures(fund_ids: Iterable[int]) -> dict[tuple[int, Holder], Figures]:
    """Every holder's own figures in the given funds, from one GROUP BY."""
    ids = list(fund_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(
            MdfEntry.fund_id,
            MdfEntry.territory_id,
            MdfEntry.partner_id,
            MdfFund.currency,
            MdfEntry.kind,
            func.sum(MdfEntry.amount),
        )
        .join(MdfFund, MdfFund.id == MdfEntry.fund_id)
        .where(MdfEntry.fund_id.in_(ids))
        .group_by(
            MdfEntry.fund_id,
            MdfEntry.territory_id,
            MdfEntry.partner_id,
            MdfFund.currency,
            MdfEntry.kind,
        )
    )
    sums: dict[tuple[int, Holder], dict[str, Decimal]] = defaultdict(dict)
    currencies: dict[int, str] = {}
    for fund_id, territory_id, partner_id, currency, kind, amount in rows:
        sums[(fund_id, Holder(territory_id, partner_id))][kind] = amount
        currencies[fund_id] = currency
    return {key: figures_from(kinds, currencies[key[0]]) for key, kinds in sums.items()}
