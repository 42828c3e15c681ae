"""What the fund pages show: figures per fund, utilisation down the territory tree, ROI per
activity type. Each figure is a sum of the holders' own ledger figures (`holder_figures`, one
GROUP BY for any number of funds): a subtree's figures are the sum over the territories in it
and the partners in those territories, transfers inside the subtree cancelling out."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from workflows.engine.numbers import currency_digits, plain_decimal
from workflows.mdf.ledger import ZERO, Figures, Holder, holder_figures

from ..extensions import db
from ..models import (
    MdfActivityType,
    MdfAllocation,
    MdfClaim,
    MdfEntry,
    MdfFund,
    MdfRequest,
    Partner,
    PartnerTerritory,
    Territory,
)
from ..models.mdf import PAYMENT_KINDS
from ..models.partners import current_range
from ..security import Perm, Role, can, managed_territory_ids, visible_to

FIGURES = ("allocated", "committed", "claimed", "paid", "expired", "available")
# The requests whose expected results count for ROI: those that committed money.
COMMITTED_STATES = ("approved", "claimed")
CENT = Decimal("0.01")
CHART_BARS = 12


def combined(currency: str, parts: Iterable[Figures]) -> Figures:
    """The sum of several holders' figures (all in the fund's currency)."""
    total = {name: ZERO for name in ("allocated", "committed", "claimed", "paid", "expired")}
    for part in parts:
        for name in total:
            total[name] += getattr(part, name)
    return Figures(currency=currency, **total)


@dataclass
class Scope:
    """Whose money a user sees: everything (finance), some territories and the partners in
    them (a manager), or one partner."""

    everything: bool = False
    territory_ids: frozenset[int] = frozenset()
    partner_ids: frozenset[int] = frozenset()

    def holds(self, holder: Holder) -> bool:
        if self.everything:
            return True
        if holder.partner_id is not None:
            return holder.partner_id in self.partner_ids
        return holder.territory_id in self.territory_ids


def scope_of(user, today: date) -> Scope:
    if can(user, Perm.MANAGE_FUNDS):
        return Scope(everything=True)
    if Role(user.role).is_partner:
        return Scope(partner_ids=frozenset({user.partner_id} if user.partner_id else ()))
    if Role(user.role) is Role.CHANNEL_MANAGER:
        territories = frozenset(db.session.scalars(managed_territory_ids(user)))
        partners = db.session.scalars(
            select(PartnerTerritory.partner_id).where(
                current_range(PartnerTerritory, today),
                PartnerTerritory.territory_id.in_(territories),
            )
        )
        return Scope(territory_ids=territories, partner_ids=frozenset(partners))
    return Scope()


@dataclass
class FundRow:
    fund: MdfFund
    figures: Figures
    closed: bool


def fund_rows(user, *, state: str, today: date) -> list[FundRow]:
    """The funds the user may see, open or closed (past the claim deadline), with the figures
    of what the user may see of each."""
    stmt = visible_to(select(MdfFund), user, MdfFund)
    if state == "open":
        stmt = stmt.where(MdfFund.state == "open", MdfFund.claim_deadline >= today)
    elif state == "closed":
        stmt = stmt.where((MdfFund.state != "open") | (MdfFund.claim_deadline < today))
    funds = db.session.scalars(stmt.order_by(MdfFund.starts_on.desc(), MdfFund.code)).all()
    by_fund: dict[int, list[Figures]] = defaultdict(list)
    scope = scope_of(user, today)
    for (fund_id, holder), figures in holder_figures(f.id for f in funds).items():
        if scope.holds(holder):
            by_fund[fund_id].append(figures)
    return [
        FundRow(
            fund,
            combined(fund.currency, by_fund[fund.id]),
            fund.state != "open" or fund.claim_deadline < today,
        )
        for fund in funds
    ]


@dataclass
class UseRow:
    """One line of the utilisation table: a territory's subtree or a partner's own figures."""

    kind: str  # "territory" or "partner"
    id: int
    code: str
    name: str
    depth: int
    parent_code: str
    figures: Figures
    children: list[UseRow] = field(default_factory=list)


def utilisation(fund: MdfFund, user, today: date) -> list[UseRow]:
    """Per territory in the user's view (down the tree, each with its subtree's figures) and
    per partner in scope, in tree order; only where the fund's money went."""
    scope = scope_of(user, today)
    own = {
        holder: figures
        for (_fund_id, holder), figures in holder_figures([fund.id]).items()
        if scope.holds(holder) and holder != Holder()
    }
    territories = tree_order(
        db.session.scalars(visible_to(select(Territory), user, Territory)).all()
    )
    placed = dict(
        db.session.execute(
            select(PartnerTerritory.partner_id, PartnerTerritory.territory_id).where(
                current_range(PartnerTerritory, today),
                PartnerTerritory.partner_id.in_(
                    [h.partner_id for h in own if h.partner_id is not None]
                ),
            )
        ).all()
    )
    partner_ids = [h.partner_id for h in own if h.partner_id is not None]
    partners = {
        p.id: p for p in db.session.scalars(select(Partner).where(Partner.id.in_(partner_ids)))
    }
    by_id = {t.id: t for t in territories}
    # Each holder's figures counted at its own territory and at every territory above it.
    subtree: dict[int, list[Figures]] = defaultdict(list)
    for holder, figures in own.items():
        start = holder.territory_id if holder.partner_id is None else placed.get(holder.partner_id)
        node = by_id.get(start)
        above = [int(part) for part in node.path.strip("/").split("/")] if node else []
        for territory_id in above:
            if territory_id in by_id:
                subtree[territory_id].append(figures)
    rows: list[UseRow] = []
    in_view = set(by_id)
    for territory in territories:
        if territory.id not in subtree:
            continue
        parent = by_id.get(territory.parent_id)
        row = UseRow(
            "territory",
            territory.id,
            territory.code,
            territory.name,
            territory.depth,
            parent.code if parent else "",
            combined(fund.currency, subtree[territory.id]),
        )
        rows.append(row)
        for partner_id in sorted(
            (p for p, t in placed.items() if t == territory.id), key=lambda p: partners[p].code
        ):
            partner = partners[partner_id]
            row.children.append(
                UseRow(
                    "partner",
                    partner.id,
                    partner.code,
                    partner.name,
                    territory.depth + 1,
                    territory.code,
                    own[Holder(partner_id=partner.id)],
                )
            )
    # A partner seen without its territory (the partner's own page, or a partner moved since).
    loose = [p for p in partner_ids if placed.get(p) not in in_view]
    for partner_id in sorted(loose, key=lambda p: partners[p].code):
        partner = partners[partner_id]
        rows.append(
            UseRow(
                "partner",
                partner.id,
                partner.code,
                partner.name,
                0,
                "",
                own[Holder(partner_id=partner.id)],
            )
        )
    return rows


def tree_order(territories: list[Territory]) -> list[Territory]:
    """Parents before their children, siblings by code (materialised paths hold ids, which do
    not sort as the tree does: /7/10/ comes before /7/9/)."""
    ids = {t.id for t in territories}
    below: dict[int | None, list[Territory]] = defaultdict(list)
    for territory in territories:
        below[territory.parent_id if territory.parent_id in ids else None].append(territory)
    ordered: list[Territory] = []

    def walk(parent_id: int | None) -> None:
        for child in sorted(below[parent_id], key=lambda t: t.code):
            ordered.append(child)
            walk(child.id)

    walk(None)
    return ordered


def flat(rows: list[UseRow]) -> list[UseRow]:
    """The table's lines: each territory followed by its partners."""
    return [line for row in rows for line in (row, *row.children)]


def chart(rows: list[UseRow]) -> dict:
    """Committed (not yet claimed), claimed (not yet paid), paid and available per territory in
    tree order (each with its subtree), for the bar chart the dashboards draw."""
    territories = [r for r in rows if r.kind == "territory"] or rows
    shown = territories[:CHART_BARS]
    series = {
        _("Committed"): [str(r.figures.committed - r.figures.claimed) for r in shown],
        _("Claimed"): [str(r.figures.claimed - r.figures.paid) for r in shown],
        _("Paid"): [str(r.figures.paid) for r in shown],
        _("Available"): [str(r.figures.available) for r in shown],
    }
    return {
        "labels": [r.name for r in shown],
        "series": series if shown else {},
        "order": list(series) if shown else [],
    }


CSV_HEADER = (
    "level",
    "code",
    "name",
    "parent_code",
    "currency",
    *FIGURES,
)


def csv_rows(fund: MdfFund, rows: list[UseRow]) -> list[tuple]:
    places = currency_digits(fund.currency)
    return [
        (
            row.kind,
            row.code,
            row.name,
            row.parent_code,
            fund.currency,
            *(plain_decimal(getattr(row.figures, name), places) for name in FIGURES),
        )
        for row in flat(rows)
    ]


@dataclass
class RoiRow:
    activity_type: MdfActivityType
    requests: int = 0
    committed: Decimal = ZERO
    leads: int = 0  # expected, on the approved requests
    pipeline: Decimal = ZERO
    claimed: Decimal = ZERO
    paid: Decimal = ZERO
    reported_leads: int = 0  # actual results, as the approved claims reported them
    reported_pipeline: Decimal = ZERO

    @property
    def pipeline_per_claimed(self) -> Decimal | None:
        """The reported pipeline per unit of money claimed, to two decimals."""
        return (self.reported_pipeline / self.claimed).quantize(CENT) if self.claimed else None

    @property
    def cost_per_lead(self) -> Decimal | None:
        """What one reported lead cost, in the fund's currency."""
        return self.claimed / self.reported_leads if self.reported_leads else None


def roi(fund: MdfFund, user) -> list[RoiRow]:
    """Per activity type: the expected leads and pipeline of approved requests, what was
    claimed and paid for them, and the return the approved claims reported (their pipeline per
    unit claimed, the claimed amount per lead); three GROUP BYs over the requests the user sees."""
    requests = visible_to(select(MdfRequest.id), user, MdfRequest).where(
        MdfRequest.fund_id == fund.id, MdfRequest.state.in_(COMMITTED_STATES)
    )
    found = db.session.execute(
        select(
            MdfRequest.activity_type_id,
            func.count(MdfRequest.id),
            func.sum(MdfRequest.approved_amount),
            func.sum(MdfRequest.expected_leads),
            func.sum(MdfRequest.expected_pipeline),
        )
        .where(MdfRequest.id.in_(requests))
        .group_by(MdfRequest.activity_type_id)
    ).all()
    claimed = {
        type_id: sums
        for type_id, *sums in db.session.execute(
            select(
                MdfRequest.activity_type_id,
                func.sum(MdfClaim.amount),
                func.sum(MdfClaim.actual_leads),
                func.sum(MdfClaim.actual_pipeline),
            )
            .join(MdfRequest, MdfRequest.id == MdfClaim.request_id)
            .where(MdfClaim.request_id.in_(requests), MdfClaim.state == "approved")
            .group_by(MdfRequest.activity_type_id)
        )
    }
    paid = dict(
        db.session.execute(
            select(MdfRequest.activity_type_id, func.sum(MdfEntry.amount))
            .join(MdfRequest, MdfRequest.id == MdfEntry.request_id)
            .where(MdfEntry.request_id.in_(requests), MdfEntry.kind.in_(PAYMENT_KINDS))
            .group_by(MdfRequest.activity_type_id)
        ).all()
    )
    types = {
        t.id: t
        for t in db.session.scalars(
            select(MdfActivityType).where(MdfActivityType.id.in_([r[0] for r in found]))
        )
    }

    def exact(value) -> Decimal:
        return ZERO if value is None else Decimal(str(value))  # SQLite sums may be floats

    rows = []
    for type_id, count, committed, leads, pipeline in found:
        amount, reported_leads, reported_pipeline = claimed.get(type_id, (None, None, None))
        rows.append(
            RoiRow(
                types[type_id],
                count,
                exact(committed),
                int(leads or 0),
                exact(pipeline),
                exact(amount),
                exact(paid.get(type_id)),
                int(reported_leads or 0),
                exact(reported_pipeline),
            )
        )
    return sorted(rows, key=lambda r: r.activity_type.name)


def allocations(fund: MdfFund, user) -> list[MdfAllocation]:
    """The fund's allocations the user may see, latest first."""
    stmt = (
        visible_to(select(MdfAllocation), user, MdfAllocation)
        .where(MdfAllocation.fund_id == fund.id)
        .options(
            joinedload(MdfAllocation.source_territory),
            joinedload(MdfAllocation.territory),
            joinedload(MdfAllocation.partner),
        )
        .order_by(MdfAllocation.id.desc())
    )
    return db.session.scalars(stmt).unique().all()
