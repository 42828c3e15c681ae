"""One description of master data and sales, built twice: as database rows and as the reference
implementation's RefWorld and RefLines, so the SQL path can be compared with the yardstick."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import insert, select

from portal.models import (
    Category,
    DealRegistration,
    FxRate,
    Partner,
    PartnerTerritory,
    PartnerTier,
    Product,
    SaleLine,
    Territory,
    User,
)
from portal.models.partners import close_ranges
from portal.models.trees import rebuild_paths
from workflows.engine.reference import RefLine, RefWorld


@dataclass(frozen=True)
class Line:
    partner: str
    sku: str
    sold_on: date
    amount: Decimal
    currency: str = "USD"
    quantity: Decimal = Decimal(1)
    deal_ref: str | None = None
    external_id: str = ""


@dataclass
class World:
    """Codes everywhere; lists of (code, parent code) are parent-first."""

    territories: list[tuple[str, str | None]]
    categories: list[tuple[str, str | None]]
    products: list[tuple[str, str]]
    partners: list[tuple[str, str | None]]
    territory_history: dict[str, list[tuple[date, str]]] = field(default_factory=dict)
    tier_history: dict[str, list[tuple[date, str]]] = field(default_factory=dict)
    fx: dict[str, list[tuple[date, Decimal]]] = field(default_factory=dict)
    lines: list[Line] = field(default_factory=list)
    deals: dict[str, str] = field(default_factory=dict)  # deal registration reference → state

    def numbered_lines(self) -> list[Line]:
        return [
            line if line.external_id else Line(**{**line.__dict__, "external_id": f"L{index:04d}"})
            for index, line in enumerate(self.lines, start=1)
        ]


def _tree(session, model, nodes: list[tuple[str, str | None]]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for code, parent in nodes:
        row = model(code=code, name=code, parent_id=ids[parent] if parent else None)
        session.add(row)
        session.flush()
        ids[code] = row.id
    rebuild_paths(session, model)
    return ids


def build(session, world: World) -> dict[str, dict[str, int]]:
    """Insert the world; returns ids by code for territories, categories, products, partners."""
    territory_ids = _tree(session, Territory, world.territories)
    category_ids = _tree(session, Category, world.categories)
    product_ids = {}
    for sku, category in world.products:
        product = Product(sku=sku, name=sku, category_id=category_ids[category])
        session.add(product)
        session.flush()
        product_ids[sku] = product.id
    partner_ids: dict[str, int] = {}
    for code, parent in world.partners:
        partner = Partner(
            code=code,
            name=f"{code} Ltd",
            country="DE",
            currency="EUR",
            parent_id=partner_ids[parent] if parent else None,
        )
        session.add(partner)
        session.flush()
        partner_ids[code] = partner.id
    rebuild_paths(session, Partner)
    for code, history in world.territory_history.items():
        for valid_from, territory in history:
            session.add(
                PartnerTerritory(
                    partner_id=partner_ids[code],
                    territory_id=territory_ids[territory],
                    valid_from=valid_from,
                )
            )
    for code, history in world.tier_history.items():
        for valid_from, tier in history:
            session.add(PartnerTier(partner_id=partner_ids[code], tier=tier, valid_from=valid_from))
    for currency, history in world.fx.items():
        for valid_from, rate in history:
            session.add(FxRate(currency=currency, rate=rate, valid_from=valid_from))
    session.flush()
    close_ranges(session, PartnerTerritory, "partner_id")
    close_ranges(session, PartnerTier, "partner_id")
    close_ranges(session, FxRate, "currency")
    rows = [
        {
            "external_id": line.external_id,
            "partner_id": partner_ids[line.partner],
            "product_id": product_ids[line.sku],
            "sold_on": line.sold_on,
            "quantity": line.quantity,
            "amount": line.amount,
            "currency": line.currency,
            "deal_ref": line.deal_ref,
        }
        for line in world.numbered_lines()
    ]
    if rows:
        session.execute(insert(SaleLine), rows)
    if world.deals:
        _deals(session, world, partner_ids)
    session.flush()
    return {
        "territories": territory_ids,
        "categories": category_ids,
        "products": product_ids,
        "partners": partner_ids,
    }


def _deals(session, world: World, partner_ids: dict[str, int]) -> None:
    """One registration per reference, owned by the partner of the first line carrying it."""
    owners: dict[str, str] = {}
    for line in world.lines:
        if line.deal_ref:
            owners.setdefault(line.deal_ref, line.partner)
    some_partner = next(iter(partner_ids.values()))
    user = User(email="deals@example.com", password_hash="-", role="partner_user")
    session.add(user)
    session.flush()
    for number, (reference, state) in enumerate(sorted(world.deals.items()), start=1):
        session.add(
            DealRegistration(
                reference=reference,
                partner_id=partner_ids[owners[reference]] if reference in owners else some_partner,
                submitted_by_id=user.id,
                state=state,
                customer_name=f"Customer {number}",
                customer_key=f"customer {number}",
                country="DE",
                estimated_value=Decimal(1000),
                currency="EUR",
                expected_close_on=date(2026, 9, 30),
            )
        )


def _chains(nodes: list[tuple[str, str | None]]) -> dict[str, tuple[str, ...]]:
    chains: dict[str, tuple[str, ...]] = {}
    for code, parent in nodes:
        chains[code] = (*chains[parent], code) if parent else (code,)
    return chains


def reference(world: World) -> tuple[RefWorld, list[RefLine]]:
    """The same world for reference_calculate."""
    territory_paths = _chains(world.territories)
    category_paths = _chains(world.categories)
    sku_category = dict(world.products)
    lines = world.numbered_lines()
    ref_world = RefWorld(
        parents=dict(world.partners),
        territories={
            code: [(day, territory_paths[t]) for day, t in history]
            for code, history in world.territory_history.items()
        },
        tiers={code: list(history) for code, history in world.tier_history.items()},
        fx_rates={currency: list(history) for currency, history in world.fx.items()},
        base_currency="USD",
        won_deals=frozenset(ref for ref, state in world.deals.items() if state == "won"),
    )
    ref_lines = [
        RefLine(
            partner=line.partner,
            sku=line.sku,
            category_path=category_paths[sku_category[line.sku]],
            sold_on=line.sold_on,
            quantity=line.quantity,
            amount=line.amount,
            currency=line.currency,
            deal_ref=line.deal_ref,
            external_id=line.external_id,
        )
        for line in lines
    ]
    return ref_world, ref_lines


def partner_codes(session) -> dict[int, str]:
    return dict(session.execute(select(Partner.id, Partner.code)).all())
