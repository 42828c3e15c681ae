"""The demo's deal registrations: a few in every state a first look should find.

Registered by the demo's partner users and decided by its channel managers through the same
services as the pages (state machine, conflict detection, maker–checker, audit trail): three wait
for review — two of them from different partners for the same customer, flagged as a conflict —
one is approved and protected, one was won, one rejected. A second load adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from workflows.deals.states import transition

from ..actors import actor_for
from ..deals.services import DealInput, save_deal
from ..extensions import db
from ..models import Category, DealRegistration


@dataclass(frozen=True)
class DemoDeal:
    by: str  # the partner user who registers it
    customer: str
    country: str
    domain: str
    value: str
    currency: str
    category: str
    closes_in_days: int
    decisions: tuple[tuple[str, str, dict], ...] = ()  # (event, e-mail of who, data)


ALPENNETZ, LUMIERE = "partner.user@demo.example", "partner.fr@demo.example"
DACH, EMEA = "manager.dach@demo.example", "manager.emea@demo.example"
DEALS = (
    DemoDeal(ALPENNETZ, "Brauerei Zum Löwen AG", "DE", "loewenbrau.example", "85000", "EUR",
             "SWITCHES", 60),
    DemoDeal(LUMIERE, "Groupe Hôtelier Azur SA", "FR", "azur-hotels.example", "60000", "EUR",
             "WIRELESS", 75),
    # The same customer from another partner: the reviewer sees the conflict.
    DemoDeal(ALPENNETZ, "Groupe Hotelier Azur", "FR", "azur-hotels.example", "48000", "EUR",
             "WIRELESS", 45),
    DemoDeal(ALPENNETZ, "Klinikum Südstadt gGmbH", "DE", "klinikum-suedstadt.example",
             "140000", "EUR", "FIREWALLS", 90,
             (("approve", DACH, {"note": "Protected for 90 days."}),)),
    DemoDeal(ALPENNETZ, "Stadtwerke Isarhausen GmbH", "DE", "stadtwerke-isar.example",
             "52000", "EUR", "ROUTERS", 30,
             (("approve", DACH, {}),
              ("report_won", ALPENNETZ, {"amount": Decimal("49500"), "won_on": "today"}))),
    DemoDeal(LUMIERE, "Mairie de Saint-Clair", "FR", "saint-clair.example", "18000", "EUR",
             "STORAGE", 40,
             (("reject", EMEA, {"reason": "direct_sales",
                                "note": "The account team already works with the city."}),)),
)  # fmt: skip


def load_demo_deals() -> int:
    """Register and decide the demo deals once; returns how many were added. Commits.
    Close dates count from the real today: a registration cannot close in the past."""
    if db.session.scalar(select(func.count(DealRegistration.id))):
        return 0
    today = date.today()
    users = {email: actor_for(email) for email in (ALPENNETZ, LUMIERE, DACH, EMEA)}
    categories = dict(db.session.execute(select(Category.code, Category.id)).all())
    for spec in DEALS:
        deal = save_deal(
            DealInput(
                customer_name=spec.customer,
                country=spec.country,
                estimated_value=Decimal(spec.value),
                currency=spec.currency,
                expected_close_on=today + timedelta(days=spec.closes_in_days),
                domain=spec.domain,
                category_ids=(categories[spec.category],),
            ),
            actor=users[spec.by],
            submit=True,
        )
        for event, who, data in spec.decisions:
            dated = {key: today if value == "today" else value for key, value in data.items()}
            transition(deal, event, users[who], **dated)
    db.session.commit()  # all of them or none, so a failed load can simply be repeated
    return len(DEALS)
