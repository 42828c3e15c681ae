"""Small builders for test data; each flushes so ids are available."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache

from werkzeug.security import generate_password_hash

from portal.models import (
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
from portal.models.partners import BEGINNING, close_ranges
from portal.models.trees import rebuild_paths

PASSWORD = "correct horse battery"  # noqa: S105
# Test users carry a cheap hash of PASSWORD, made once: the product's scrypt costs ~0.1–0.3 s to
# make and as much to check, at every user made and every sign-in. Tests of the hashing itself
# set the password through the product (`User.set_password`).
TEST_HASH_METHOD = "pbkdf2:sha256:1000"


@cache
def cheap_password_hash() -> str:
    return generate_password_hash(PASSWORD, method=TEST_HASH_METHOD)


class Factory:
    def __init__(self, session):
        self.session = session
        self._seq = 0

    def _next(self) -> int:
        self._seq += 1
        return self._seq

    def territory(self, code: str, parent: Territory | None = None, name: str | None = None):
        t = Territory(code=code, name=name or code, parent_id=parent.id if parent else None)
        self.session.add(t)
        self.session.flush()
        rebuild_paths(self.session, Territory)
        self.session.refresh(t)
        return t

    def tree(self, spec: dict[str, str | None]) -> dict[str, Territory]:
        """{'WORLD': None, 'EMEA': 'WORLD', ...} in parent-first order."""
        made: dict[str, Territory] = {}
        for code, parent in spec.items():
            made[code] = self.territory(code, made[parent] if parent else None)
        return made

    def partner(
        self,
        code: str,
        territory: Territory,
        tier: str = "gold",
        *,
        parent: Partner | None = None,
        country: str = "DE",
        currency: str = "EUR",
        since: date = BEGINNING,
    ):
        p = Partner(
            code=code,
            name=f"{code} Ltd",
            country=country,
            currency=currency,
            parent_id=parent.id if parent else None,
        )
        self.session.add(p)
        self.session.flush()
        self.session.add(
            PartnerTerritory(partner_id=p.id, territory_id=territory.id, valid_from=since)
        )
        self.session.add(PartnerTier(partner_id=p.id, tier=tier, valid_from=since))
        self.session.flush()
        rebuild_paths(self.session, Partner)
        self.session.refresh(p)
        return p

    def move(self, partner: Partner, territory: Territory, on: date):
        self.session.add(
            PartnerTerritory(partner_id=partner.id, territory_id=territory.id, valid_from=on)
        )
        self.session.flush()
        close_ranges(self.session, PartnerTerritory, "partner_id")

    def retier(self, partner: Partner, tier: str, on: date):
        self.session.add(PartnerTier(partner_id=partner.id, tier=tier, valid_from=on))
        self.session.flush()
        close_ranges(self.session, PartnerTier, "partner_id")

    def user(self, role: str, *, partner: Partner | None = None, territories=(), email=None):
        u = User(
            email=email or f"{role}{self._next()}@example.com",
            name=role,
            role=role,
            partner_id=partner.id if partner else None,
            territories=list(territories),
        )
        u.password_hash = cheap_password_hash()
        self.session.add(u)
        self.session.flush()
        return u

    def category(self, code: str, parent: Category | None = None):
        c = Category(code=code, name=code, parent_id=parent.id if parent else None)
        self.session.add(c)
        self.session.flush()
        rebuild_paths(self.session, Category)
        return c

    def product(self, sku: str, category: Category):
        p = Product(sku=sku, name=f"Product {sku}", category_id=category.id)
        self.session.add(p)
        self.session.flush()
        return p

    def fx(self, currency: str, rate: str, valid_from: date):
        r = FxRate(currency=currency, rate=Decimal(rate), valid_from=valid_from)
        self.session.add(r)
        self.session.flush()
        close_ranges(self.session, FxRate, "currency")
        return r

    def sale(
        self,
        partner: Partner,
        product: Product,
        amount: str,
        *,
        sold_on=date(2026, 8, 1),
        quantity: str = "1",
        currency: str = "EUR",
        external_id: str | None = None,
        deal_ref: str | None = None,
    ):
        line = SaleLine(
            external_id=external_id or f"S{self._next()}",
            partner_id=partner.id,
            product_id=product.id,
            sold_on=sold_on,
            quantity=Decimal(quantity),
            amount=Decimal(amount),
            currency=currency,
            deal_ref=deal_ref,
        )
        self.session.add(line)
        self.session.flush()
        return line
