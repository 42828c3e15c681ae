"""Loading the demo data set: insert whatever is missing, set-based, in the caller's transaction.

Rows are matched by their natural keys (territory/category/partner code, SKU, currency and
`valid_from`, `external_id`, e-mail). Existing rows are never changed, so a second load — or a
load over data someone already imported — adds nothing twice and overwrites nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, insert, select

from portal.foundation.audit import record_event
from workflows.rollups import lock_sales, refresh_sales_monthly

from ..admin.services import create_user
from ..models import (
    Category,
    FxRate,
    Partner,
    PartnerTerritory,
    PartnerTier,
    Product,
    SaleLine,
    Territory,
    User,
)
from ..models.partners import close_ranges
from ..models.trees import rebuild_paths
from . import data
from .generate import DemoDates, demo_dates, fx_rows, joined_on, sale_lines

DEMO_EMAILS = tuple(login.email for login in data.LOGINS)


@dataclass(frozen=True)
class DemoSummary:
    """What `load_demo` found and added; `already_present` when it had nothing to add."""

    already_present: bool
    dates: DemoDates
    counts: dict[str, int]
    sales_span: tuple[date, date] | None = None
    inserted: dict[str, int] = field(default_factory=dict)
    logins: tuple[data.Login, ...] = data.LOGINS
    password: str = data.PASSWORD


def load_demo(session, *, today: date) -> DemoSummary:
    """Add the missing part of the demo data set for the quarter of `today` and the one before.

    `session` must be `db.session`: users and the audit event are written through it. The caller
    commits.
    """
    dates = demo_dates(today)
    if _is_complete(session):
        return DemoSummary(
            already_present=True,
            dates=dates,
            counts=demo_counts(session),
            sales_span=_sales_span(session),
        )
    inserted: dict[str, int] = {}
    territory_ids, inserted["territories"] = _ensure_tree(
        session, Territory, [node._asdict() for node in data.TERRITORIES]
    )
    category_ids, inserted["categories"] = _ensure_tree(
        session, Category, [node._asdict() for node in data.CATEGORIES]
    )
    product_ids, inserted["products"] = _ensure_products(session, category_ids)
    partner_ids, inserted["partners"] = _ensure_tree(session, Partner, _partner_rows())
    inserted["partner_territories"] = _ensure_history(
        session,
        PartnerTerritory,
        partner_ids,
        _history(
            dates,
            "territory_id",
            lambda p: territory_ids[p.territory],
            {code: territory_ids[to] for code, to in data.MOVES.items()},
            dates.move_on,
        ),
    )
    inserted["partner_tiers"] = _ensure_history(
        session,
        PartnerTier,
        partner_ids,
        _history(dates, "tier", lambda p: p.tier, data.TIER_CHANGES, dates.retier_on),
    )
    inserted["fx_rates"] = _ensure_fx_rates(session, dates)
    inserted["sale_lines"] = _ensure_sale_lines(session, dates, partner_ids, product_ids)
    inserted["users"] = _ensure_users(session)
    counts = demo_counts(session)
    if any(inserted.values()):
        refresh_sales_monthly(session)
        record_event(
            None,
            "demo.load",
            ("demo", None),
            after={
                "today": today.isoformat(),
                "sales_from": dates.start.isoformat(),
                "inserted": inserted,
                "counts": counts,
            },
        )
    return DemoSummary(
        already_present=not any(inserted.values()),
        dates=dates,
        counts=counts,
        sales_span=_sales_span(session),
        inserted=inserted,
    )


def _is_complete(session) -> bool:
    """The marker: the WORLD territory, every demo login and demo sales lines exist."""
    world = session.scalar(select(Territory.id).where(Territory.code == data.MARKER_TERRITORY))
    users = session.scalar(
        select(func.count(User.id)).where(func.lower(User.email).in_(DEMO_EMAILS))
    )
    sales = session.scalar(
        select(SaleLine.id).where(SaleLine.external_id.startswith(data.SALES_PREFIX)).limit(1)
    )
    return world is not None and users == len(DEMO_EMAILS) and sales is not None


def _ids_by(session, column, id_column, keys) -> dict:
    return dict(session.execute(select(column, id_column).where(column.in_(keys))).all())


def _ensure_tree(session, model, rows: list[dict]) -> tuple[dict[str, int], int]:
    """Insert the nodes missing by code, parents before children; returns code → id and the
    number inserted. Paths are rebuilt once when anything was added."""
    ids = _ids_by(session, model.code, model.id, [row["code"] for row in rows])
    missing = [row for row in rows if row["code"] not in ids]
    added = 0
    while missing:
        ready = [row for row in missing if row["parent"] is None or row["parent"] in ids]
        if not ready:
            raise ValueError(f"demo {model.__tablename__}: parents missing for {missing}")
        session.execute(
            insert(model),
            [
                {key: value for key, value in row.items() if key != "parent"}
                | {"parent_id": ids.get(row["parent"])}
                for row in ready
            ],
        )
        ids |= _ids_by(session, model.code, model.id, [row["code"] for row in ready])
        missing = [row for row in missing if row["code"] not in ids]
        added += len(ready)
    if added:
        rebuild_paths(session, model)
    return ids, added


def _ensure_products(session, category_ids: dict[str, int]) -> tuple[dict[str, int], int]:
    skus = [product.sku for product in data.PRODUCTS]
    ids = _ids_by(session, Product.sku, Product.id, skus)
    rows = [
        {"sku": p.sku, "name": p.name, "category_id": category_ids[p.category]}
        for p in data.PRODUCTS
        if p.sku not in ids
    ]
    if rows:
        session.execute(insert(Product), rows)
        ids = _ids_by(session, Product.sku, Product.id, skus)
    return ids, len(rows)


def _partner_rows() -> list[dict]:
    return [
        {
            "code": p.code,
            "name": p.name,
            "parent": p.parent,
            "country": p.country,
            "currency": data.COUNTRY_CURRENCY[p.country],
        }
        for p in data.PARTNERS
    ]


def _history(dates: DemoDates, column: str, first, changes: dict, changed_on) -> dict[str, list]:
    """Each partner's `column` since it joined (`first(partner)`), plus the mid-quarter change
    on `changed_on` for the partners in `changes`."""
    history = {}
    for p in data.PARTNERS:
        rows = [{column: first(p), "valid_from": joined_on(p, dates)}]
        if p.code in changes:
            rows.append({column: changes[p.code], "valid_from": changed_on})
        history[p.code] = rows
    return history


def _ensure_history(session, model, partner_ids, history: dict[str, list]) -> int:
    """Give the demo history to partners that have none; a partner with history keeps its own."""
    with_history = set(
        session.scalars(
            select(model.partner_id).where(model.partner_id.in_(partner_ids.values())).distinct()
        )
    )
    rows = [
        row | {"partner_id": partner_ids[code]}
        for code, partner_rows in history.items()
        if partner_ids[code] not in with_history
        for row in partner_rows
    ]
    if rows:
        session.execute(insert(model), rows)
        close_ranges(session, model, "partner_id")
    return len(rows)


def _ensure_fx_rates(session, dates: DemoDates) -> int:
    wanted = fx_rows(dates)
    existing = {
        (currency, valid_from)
        for currency, valid_from in session.execute(
            select(FxRate.currency, FxRate.valid_from).where(
                FxRate.currency.in_(data.BASE_RATES),
                FxRate.valid_from >= min(row["valid_from"] for row in wanted),
            )
        )
    }
    rows = [row for row in wanted if (row["currency"], row["valid_from"]) not in existing]
    if rows:
        session.execute(insert(FxRate), rows)
        close_ranges(session, FxRate, "currency")
    return len(rows)


def _ensure_sale_lines(session, dates: DemoDates, partner_ids, product_ids) -> int:
    existing = set(
        session.scalars(
            select(SaleLine.external_id).where(SaleLine.external_id.startswith(data.SALES_PREFIX))
        )
    )
    rows = [
        {k: v for k, v in line._asdict().items() if k not in ("partner", "sku")}
        | {"partner_id": partner_ids[line.partner], "product_id": product_ids[line.sku]}
        for line in sale_lines(dates)
        if line.external_id not in existing
    ]
    if rows:
        lock_sales(session)  # as every writer of sales lines (imports take their ids in blocks)
        session.execute(insert(SaleLine), rows)
    return len(rows)


def _ensure_users(session) -> int:
    """One login per role through `create_user`, so passwords are hashed and creation audited."""
    existing = set(
        session.scalars(
            select(func.lower(User.email)).where(func.lower(User.email).in_(DEMO_EMAILS))
        )
    )
    missing = [login for login in data.LOGINS if login.email not in existing]
    for login in missing:
        create_user(
            email=login.email,
            password=data.PASSWORD,
            role=login.role,
            name=login.name,
            partner_code=login.partner,
            territory_codes=login.territories,
            locale=login.locale,
        )
    return len(missing)


def demo_counts(session) -> dict[str, int]:
    """How many demo rows of each kind the database holds (matched by the demo's keys)."""

    def count(column, where) -> int:
        return session.scalar(select(func.count(column)).where(where))

    demo_lines = SaleLine.external_id.startswith(data.SALES_PREFIX)
    return {
        "territories": count(Territory.id, Territory.code.in_([t.code for t in data.TERRITORIES])),
        "categories": count(Category.id, Category.code.in_([c.code for c in data.CATEGORIES])),
        "products": count(Product.id, Product.sku.in_([p.sku for p in data.PRODUCTS])),
        "partners": count(Partner.id, Partner.code.in_([p.code for p in data.PARTNERS])),
        "fx_rates": count(FxRate.id, FxRate.currency.in_(data.BASE_RATES)),
        "sale_lines": count(SaleLine.id, demo_lines),
        "returns": count(SaleLine.id, demo_lines & (SaleLine.quantity < 0)),
        "deal_lines": count(SaleLine.id, demo_lines & SaleLine.deal_ref.is_not(None)),
        "users": count(User.id, func.lower(User.email).in_(DEMO_EMAILS)),
    }


def _sales_span(session) -> tuple[date, date] | None:
    """First and last day with demo sales: a later run may have been started on another day."""
    first, last = session.execute(
        select(func.min(SaleLine.sold_on), func.max(SaleLine.sold_on)).where(
            SaleLine.external_id.startswith(data.SALES_PREFIX)
        )
    ).one()
    return None if first is None else (first, last)
