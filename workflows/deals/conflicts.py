"""Conflict detection at submission, and the one-approved-registration-per-customer rule.

Detection is set-based: one query fetches the candidates (other submitted or approved
registrations with the same domain root, a shared distinctive name word, or the same country and
an overlapping category), one more their categories; the pure matcher scores them in Python.

The rule "one approved registration per end customer and category" is held by `deal_claims`
rows: approval inserts one row per (customer key, category), where the customer keys are the
normalised name and the domain root. Race safety:

- on PostgreSQL, approvals for the same customer key are serialised by a transaction-scoped
  advisory lock taken before the check, so the subtree check (a parent category overlaps its
  children) always sees the other approval's committed claims;
- the unique (customer_key, category_id) constraint is the database's backstop for the exact
  category on every database; SQLite also serialises writers with its database lock.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import delete, literal, or_, select, text, union_all
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import Category, DealClaim, DealConflict, DealRegistration, Product
from portal.models.deals import ACTIVE_STATES, deal_categories, deal_products

from .errors import AlreadyProtected
from .matching import CategoryRef, Facts, candidate_tokens, customer_keys, match


def ancestors_or_self(path: str) -> list[str]:
    """ "/1/5/9/" → ["/1/", "/1/5/", "/1/5/9/"]."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def path_overlaps(column, paths: Iterable[str]):
    """SQL: `column` is an ancestor of, equal to, or inside one of `paths`."""
    paths = list(paths)
    ancestors = sorted({a for p in paths for a in ancestors_or_self(p)})
    return or_(column.in_(ancestors), *[column.startswith(p, autoescape=True) for p in paths])


def effective_categories(deal: DealRegistration) -> list[Category]:
    """The categories chosen plus those of the products chosen, in tree order."""
    found = {c.id: c for c in deal.categories}
    found.update({p.category.id: p.category for p in deal.products})
    return sorted(found.values(), key=lambda c: c.path)


def category_refs(deal_ids: Iterable[int]) -> dict[int, tuple[CategoryRef, ...]]:
    """Each deal's effective categories, for many deals in one query."""
    ids = list(deal_ids)
    if not ids:
        return {}
    direct = (
        select(deal_categories.c.deal_id, Category.path, Category.name)
        .join(Category, Category.id == deal_categories.c.category_id)
        .where(deal_categories.c.deal_id.in_(ids))
    )
    via_products = (
        select(deal_products.c.deal_id, Category.path, Category.name)
        .join(Product, Product.id == deal_products.c.product_id)
        .join(Category, Category.id == Product.category_id)
        .where(deal_products.c.deal_id.in_(ids))
    )
    refs: dict[int, set[CategoryRef]] = defaultdict(set)
    for deal_id, path, name in db.session.execute(union_all(direct, via_products)):
        refs[deal_id].add(CategoryRef(path, name))
    return {k: tuple(sorted(v, key=lambda c: c.path)) for k, v in refs.items()}


def facts(deal: DealRegistration, categories: tuple[CategoryRef, ...]) -> Facts:
    return Facts(deal.customer_name, deal.domain, deal.country, categories, deal.partner_id)


def _category_overlap_exists(paths: list[str]):
    direct = (
        select(literal(1))
        .select_from(deal_categories)
        .join(Category, Category.id == deal_categories.c.category_id)
        .where(
            deal_categories.c.deal_id == DealRegistration.id, path_overlaps(Category.path, paths)
        )
    )
    via_products = (
        select(literal(1))
        .select_from(deal_products)
        .join(Product, Product.id == deal_products.c.product_id)
        .join(Category, Category.id == Product.category_id)
        .where(deal_products.c.deal_id == DealRegistration.id, path_overlaps(Category.path, paths))
    )
    return or_(direct.exists(), via_products.exists())


def candidates(deal: DealRegistration, paths: list[str]) -> list[DealRegistration]:
    """Active registrations that might concern the same customer, in one query."""
    padded = literal(" ") + DealRegistration.customer_key + literal(" ")
    by = [
        padded.contains(f" {token} ", autoescape=True)
        for token in candidate_tokens(deal.customer_name)
    ]
    if deal.domain_root:
        by.append(DealRegistration.domain_root == deal.domain_root)
    if paths:
        by.append((DealRegistration.country == deal.country) & _category_overlap_exists(paths))
    if not by:
        return []
    stmt = (
        select(DealRegistration)
        .where(
            DealRegistration.id != deal.id,
            DealRegistration.state.in_(ACTIVE_STATES),
            or_(*by),
        )
        .order_by(DealRegistration.id)
    )
    return list(db.session.scalars(stmt))


def detect_conflicts(deal: DealRegistration) -> list[DealConflict]:
    """Score every candidate against `deal` and store those at or above the threshold."""
    own = tuple(CategoryRef(c.path, c.name) for c in effective_categories(deal))
    found = candidates(deal, [c.path for c in own])
    refs = category_refs(c.id for c in found)
    mine = facts(deal, own)
    db.session.execute(delete(DealConflict).where(DealConflict.deal_id == deal.id))
    conflicts = []
    for other in found:
        result = match(mine, facts(other, refs.get(other.id, ())))
        if result.is_conflict:
            conflicts.append(
                DealConflict(
                    deal_id=deal.id,
                    other_id=other.id,
                    score=result.score,
                    reasons=result.reason_dicts(),
                    same_partner=other.partner_id == deal.partner_id,
                )
            )
    db.session.add_all(conflicts)
    db.session.flush()
    return conflicts


def _lock_customer_keys(keys: Iterable[str]) -> None:
    """PostgreSQL: serialise approvals of the same customer until this transaction ends."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for key in sorted(set(keys)):
        number = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": number})


def _holder(deal: DealRegistration, keys: tuple[str, ...], paths: list[str]):
    """Another registration holding one of `keys` in an overlapping category, with the name
    of that category; None when the customer is free."""
    return db.session.execute(
        select(DealRegistration, Category.name)
        .join(DealClaim, DealClaim.deal_id == DealRegistration.id)
        .join(Category, Category.id == DealClaim.category_id)
        .where(
            DealClaim.customer_key.in_(keys),
            DealClaim.deal_id != deal.id,
            path_overlaps(DealClaim.category_path, paths),
        )
        .order_by(DealClaim.id)
        .limit(1)
    ).first()


def protection_holder(deal: DealRegistration):
    """Who would refuse approving `deal` now: (the registration holding the customer in an
    overlapping category, that category's name), or None. A read for the pages, taken without
    the approval lock; `claim_protection` decides."""
    keys = customer_keys(deal.customer_name, deal.domain)
    return _holder(deal, keys, [c.path for c in effective_categories(deal)])


def claim_protection(deal: DealRegistration) -> list[DealClaim]:
    """Take the (customer, category) claims of an approval, or raise AlreadyProtected."""
    keys = customer_keys(deal.customer_name, deal.domain)
    categories = effective_categories(deal)
    paths = [c.path for c in categories]
    _lock_customer_keys(keys)
    if (holder := _holder(deal, keys, paths)) is not None:
        other, category = holder
        raise AlreadyProtected(other.reference, category, other.protection_ends_on)
    claims = [
        DealClaim(deal_id=deal.id, customer_key=key, category_id=c.id, category_path=c.path)
        for key in keys
        for c in categories
    ]
    try:
        with db.session.begin_nested():
            db.session.add_all(claims)
    except IntegrityError:
        other, category = _holder(deal, keys, paths)
        raise AlreadyProtected(other.reference, category, other.protection_ends_on) from None
    return claims


def release_protection(deal: DealRegistration) -> None:
    db.session.execute(delete(DealClaim).where(DealClaim.deal_id == deal.id))
