"""The demo's reward catalog, and one redemption waiting for its manager.

Finance's catalog gives the points the demo's loyalty program posts something to buy; the
partner administrator of Alpennetz has asked for a training seat (when its points cover it, as
they do with the demo's sales), so the manager's redemption queue has a request to decide.
Through the same services as the pages; a second load adds nothing.
"""

from __future__ import annotations

from sqlalchemy import func, select

from workflows.rewards import ledger
from workflows.rewards.catalog import save_item
from workflows.rewards.redemptions import request_redemption

from ..actors import actor_for
from ..extensions import db
from ..models import Partner, RewardItem, utcnow

FINANCE, PARTNER_ADMIN = "finance@demo.example", "partner.admin@demo.example"
ITEMS = (
    ("GIFT-50", "Gift card, 50 EUR", 5_000, "A voucher for a well-known online shop.", None),
    ("NFR-SWITCH", "Lab switch NX-S1024 (not for resale)", 40_000,
     "A demo unit for your lab or showroom.", None),
    ("TRAINING", "Certified engineer training seat", 60_000,
     "Five days, exam included, at any Nexaline academy.", None),
    ("MDF-1000", "Marketing development funds, 1,000 EUR", 90_000,
     "Credited against your next co-marketing campaign.", None),
    ("SUMMIT", "Partner summit pass", 120_000, "Three days, travel and hotel included.", 10),
)  # fmt: skip
REQUESTED = "TRAINING"


def load_demo_rewards() -> int:
    """Fill the catalog and request one redemption, once; returns the items added. Commits."""
    if db.session.scalar(select(func.count(RewardItem.id))):
        return 0
    finance, partner_admin = actor_for(FINANCE), actor_for(PARTNER_ADMIN)
    items = {
        code: save_item(
            actor=finance,
            code=code,
            name=name,
            points_cost=cost,
            description=description,
            stock=stock,
        )
        for code, name, cost, description, stock in ITEMS
    }
    db.session.flush()
    partner = db.session.get(Partner, partner_admin.partner_id)
    wanted = items[REQUESTED]
    if ledger.balance(partner.id, utcnow().date()).available >= wanted.points_cost:
        request_redemption(partner, wanted, actor=partner_admin)
    db.session.commit()
    return len(ITEMS)
