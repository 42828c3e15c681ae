"""Finance manages the reward catalog: create or change an item (the CSV import does the same
for many items at once)."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.foundation.audit import record_event
from portal.models import RewardItem, utcnow
from portal.security import Perm, ensure
from workflows import validators
from workflows.engine import N_

from .errors import RewardsError


def save_item(
    *,
    actor,
    code: str,
    name: str,
    points_cost: int,
    description: str = "",
    image_url: str | None = None,
    stock: int | None = None,
    active: bool = True,
) -> RewardItem:
    """Create the item with this code, or change it; every change is audited."""
    ensure(actor, Perm.MANAGE_CATALOG)
    if points_cost <= 0:
        raise RewardsError(N_("The point cost must be greater than zero."))
    if stock is not None and stock < 0:
        raise RewardsError(N_("Stock cannot be negative."))
    if image_url and (not image_url.startswith("/") or image_url.startswith("//")):
        # The content security policy only loads images from this site.
        raise RewardsError(N_("The image must be a path on this site, such as /static/mug.png."))
    try:
        code = validators.printable(code.strip())
        name = validators.name(name)
        description = validators.text_block(description or "")
    except validators.InvalidValue as exc:
        raise RewardsError(exc.template, **exc.params) from None
    item = db.session.scalar(select(RewardItem).where(RewardItem.code == code))
    before = None
    if item is None:
        item = RewardItem(code=code)
        db.session.add(item)
    else:
        before = {"points_cost": item.points_cost, "stock": item.stock, "active": item.active}
    item.name, item.description, item.image_url = name, description or "", image_url or None
    item.points_cost, item.stock, item.active, item.updated_at = (
        points_cost,
        stock,
        active,
        utcnow(),
    )
    db.session.flush()
    record_event(
        actor,
        "points.catalog.save",
        item,
        before=before,
        after={"code": code, "points_cost": points_cost, "stock": stock, "active": active},
    )
    return item
