"""Queries and commands behind the deal pages. Every query goes through `visible_to`; commands
take the actor, flush and never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import current_app
from flask_babel import format_percent, get_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from portal.foundation.audit import record_changes, record_event
from workflows import validators
from workflows.deals.conflicts import effective_categories
from workflows.deals.effects import checked, money_amount
from workflows.deals.errors import DealError
from workflows.deals.matching import (
    REASON_TEMPLATES,
    domain_root,
    normalise_domain,
    normalise_name,
)
from workflows.deals.states import territory_managers, transition
from workflows.engine.i18n import N_, render_message

from ..extensions import db
from ..models import (
    Category,
    DealConflict,
    DealRegistration,
    PartnerTerritory,
    Product,
    Territory,
    utcnow,
)
from ..models.partners import current_range
from ..security import Perm, ensure, visible_to

EDITABLE_STATES = ("draft", "returned")
AGE_FILTERS = {
    "lt2": (_l("less than 2 days"), None, 2),
    "2to7": (_l("2 to 7 days"), 2, 7),
    "gt7": (_l("more than 7 days"), 7, None),
    "gt30": (_l("more than 30 days"), 30, None),
}
DEAL_FIELDS = (
    "customer_name",
    "domain",
    "country",
    "estimated_value",
    "currency",
    "expected_close_on",
    "notes",
)


@dataclass(frozen=True)
class Filters:
    state: str | None = None
    age: str | None = None
    territory: Territory | None = None
    partner_id: int | None = None


def _age_since():
    return func.coalesce(DealRegistration.submitted_at, DealRegistration.created_at)


def deals_query(user, filters: Filters = Filters()):
    """The registrations `user` may see, newest first, narrowed by `filters`."""
    stmt = select(DealRegistration).options(
        selectinload(DealRegistration.partner),
        selectinload(DealRegistration.categories),
        selectinload(DealRegistration.products).selectinload(Product.category),
        selectinload(DealRegistration.protection_program),
    )
    if filters.state:
        stmt = stmt.where(DealRegistration.state == filters.state)
    if filters.partner_id:
        stmt = stmt.where(DealRegistration.partner_id == filters.partner_id)
    if filters.territory is not None:
        inside = (
            select(PartnerTerritory.partner_id)
            .join(Territory, Territory.id == PartnerTerritory.territory_id)
            .where(
                current_range(PartnerTerritory, date.today()),
                Territory.path.startswith(filters.territory.path, autoescape=True),
            )
        )
        stmt = stmt.where(DealRegistration.partner_id.in_(inside))
    if filters.age in AGE_FILTERS:
        _, at_least, under = AGE_FILTERS[filters.age]
        now = utcnow()
        if at_least is not None:
            stmt = stmt.where(_age_since() <= now - timedelta(days=at_least))
        if under is not None:
            stmt = stmt.where(_age_since() > now - timedelta(days=under))
    stmt = stmt.order_by(DealRegistration.id.desc())
    return visible_to(stmt, user, DealRegistration)


def review_queue(user, filters: Filters = Filters()):
    """Submitted registrations awaiting a decision, oldest first."""
    stmt = deals_query(user, Filters(None, filters.age, filters.territory, filters.partner_id))
    return (
        stmt.where(DealRegistration.state == "submitted")
        .order_by(None)
        .order_by(DealRegistration.submitted_at, DealRegistration.id)
    )


def extension_requests(user) -> list[DealRegistration]:
    stmt = deals_query(user).where(
        DealRegistration.state == "approved", DealRegistration.extension_state == "requested"
    )
    return list(
        db.session.scalars(stmt.order_by(None).order_by(DealRegistration.extension_requested_at))
    )


def editable(deal: DealRegistration) -> bool:
    """Whether the registration may still be changed and (re)submitted."""
    return deal.state in EDITABLE_STATES


@dataclass(frozen=True)
class Ageing:
    hours: int
    state: str  # overdue, due_soon or on_track (labels: portal.labels "review_age")


def ageing(since: datetime, now: datetime | None = None) -> Ageing:
    """Age against the review target (48 h): green in the first half, amber, then red."""
    target = current_app.config["REVIEW_TARGET_HOURS"]
    hours = int(((now or utcnow()) - since).total_seconds() // 3600)
    if hours >= target:
        return Ageing(hours, "overdue")
    if hours >= target / 2:
        return Ageing(hours, "due_soon")
    return Ageing(hours, "on_track")


def effective_category_names(deal: DealRegistration) -> list[str]:
    """Categories chosen plus those of the products chosen, in tree order."""
    return [c.name for c in effective_categories(deal)]


def conflict_flags(deal_ids: list[int]) -> set[int]:
    """Which of these registrations have a possible conflict with another partner's."""
    if not deal_ids:
        return set()
    rows = db.session.execute(
        select(DealConflict.deal_id, DealConflict.other_id).where(
            DealConflict.same_partner.is_(False),
            or_(DealConflict.deal_id.in_(deal_ids), DealConflict.other_id.in_(deal_ids)),
        )
    ).all()
    return {i for row in rows for i in row if i in set(deal_ids)}


@dataclass(frozen=True)
class DealInput:
    """What a partner enters to register a deal."""

    customer_name: str
    country: str
    estimated_value: Decimal
    currency: str
    expected_close_on: date
    domain: str | None = None
    category_ids: tuple[int, ...] = ()
    product_ids: tuple[int, ...] = ()
    notes: str = ""

    @classmethod
    def from_form(cls, form) -> DealInput:
        return cls(
            customer_name=form.customer_name.data,
            country=form.country.data,
            estimated_value=form.estimated_value.data,
            currency=form.currency.data,
            expected_close_on=form.expected_close_on.data,
            domain=form.domain.data,
            category_ids=tuple(form.categories.data or ()),
            product_ids=tuple(form.products.data or ()),
            notes=form.notes.data or "",
        )


def _apply(deal: DealRegistration, data: DealInput) -> None:
    """Validate and copy the input; raises DealError naming the field at fault."""
    name = checked("customer_name", validators.name, data.customer_name or "")
    if not normalise_name(name):
        raise DealError(N_("Enter the end customer's company name."), field="customer_name")
    try:
        domain = normalise_domain(data.domain)
    except ValueError:
        raise DealError(
            N_("Enter a web or e-mail domain such as acme.com."), field="domain"
        ) from None
    if data.expected_close_on < date.today():
        raise DealError(
            N_("The expected close date cannot be in the past."), field="expected_close_on"
        )
    window = validators.deal_close_window(current_app.config, date.today())
    checked("expected_close_on", window.check, data.expected_close_on)
    country = checked("country", validators.country, data.country or "")
    currency = checked("currency", validators.currency, (data.currency or "").strip().upper())
    categories = db.session.scalars(select(Category).where(Category.id.in_(data.category_ids)))
    products = db.session.scalars(select(Product).where(Product.id.in_(data.product_ids)))
    deal.categories, deal.products = list(categories), list(products)
    if not deal.categories and not deal.products:
        raise DealError(N_("Choose at least one product category or product."), field="categories")
    deal.currency = currency
    deal.estimated_value = money_amount(data.estimated_value, deal.currency, "estimated_value")
    deal.customer_name, deal.customer_key = name, normalise_name(name)
    deal.domain, deal.domain_root = domain, domain_root(domain)
    deal.country = country
    deal.expected_close_on = data.expected_close_on
    deal.notes = checked("notes", validators.text_block, (data.notes or "").strip())


def _fields(deal: DealRegistration) -> dict:
    values = {name: getattr(deal, name) for name in DEAL_FIELDS}
    values["categories"] = sorted(c.code for c in deal.categories)
    values["products"] = sorted(p.sku for p in deal.products)
    return {k: v if isinstance(v, (str, list)) or v is None else str(v) for k, v in values.items()}


def create_deal(data: DealInput, *, actor) -> DealRegistration:
    """A new draft registration of the actor's organisation, with its DR-YYYY-NNNNNN reference."""
    ensure(actor, Perm.REGISTER_DEALS)
    if actor.partner_id is None:
        raise DealError(N_("Your account belongs to no partner organisation."))
    now = utcnow()
    deal = DealRegistration(
        partner_id=actor.partner_id, submitted_by_id=actor.id, state="draft", created_at=now
    )
    _apply(deal, data)
    db.session.add(deal)
    db.session.flush()
    deal.reference = f"DR-{now.year}-{deal.id:06d}"
    record_event(actor, "deal.create", deal, after={"reference": deal.reference, **_fields(deal)})
    return deal


def update_deal(deal: DealRegistration, data: DealInput, *, actor) -> DealRegistration:
    """Change a draft or returned registration (only its own organisation may)."""
    ensure(actor, Perm.REGISTER_DEALS, deal)
    if not editable(deal):
        raise DealError(N_("Only drafts and returned registrations can be changed."))
    before = _fields(deal)
    _apply(deal, data)
    db.session.flush()
    record_changes(actor, "deal.update", deal, before, _fields(deal))
    return deal


def save_deal(
    data: DealInput, *, actor, deal: DealRegistration | None = None, submit: bool = False
) -> DealRegistration:
    """Create or update a registration; with `submit`, submit (or resubmit) it too."""
    deal = create_deal(data, actor=actor) if deal is None else update_deal(deal, data, actor=actor)
    if submit:
        transition(deal, "resubmit" if deal.state == "returned" else "submit", actor)
    return deal


@dataclass(frozen=True)
class OtherTerritory:
    """Where a registration the reviewer may not see belongs, and who manages it."""

    name: str
    managers: list[str]


@dataclass(frozen=True)
class ConflictView:
    """One possible conflict as the reviewer sees it. `other` is None when the other
    registration lies outside the user's territories: then only when it was registered, its
    state and protection, and its territory and managers are shown, never the partner."""

    score: Decimal
    reasons: list[str]
    other: DealRegistration | None
    same_partner: bool
    registered_at: datetime | None
    state: str
    protection_ends_on: date | None
    territory: OtherTerritory | None = None

    @property
    def score_percent(self) -> str:
        return format_percent(self.score)


REASON_WORDS = {
    "same_domain": N_("same web or e-mail domain (%(domain)s)"),
    "name_similarity": N_("name %(percent)s similar"),
    "same_name": N_("same name"),
    "same_category": N_("same category (%(category)s)"),
    "same_country": N_("same country (%(country)s)"),
    "same_partner": N_("registered by the same partner"),
}


def describe_reasons(reasons: list[dict]) -> list[str]:
    """The stored reasons in words, similarity as a percentage and the country by its name."""
    words = []
    for reason in reasons:
        code, params = reason.get("code"), reason.get("params") or {}
        if code == "same_domain":
            shown = domain_root(params.get("b")) or params.get("b") or params.get("a") or ""
            words.append(gettext(REASON_WORDS[code], domain=shown))
        elif code == "name_similarity":
            similarity = Decimal(str(params.get("score", "0")))
            if similarity >= 1:
                words.append(gettext(REASON_WORDS["same_name"]))
            else:
                percent = format_percent(similarity)
                words.append(gettext(REASON_WORDS[code], percent=percent))
        elif code == "same_category":
            words.append(gettext(REASON_WORDS[code], category=params.get("category")))
        elif code == "same_country":
            country = params.get("country") or ""
            name = get_locale().territories.get(country, country)
            words.append(gettext(REASON_WORDS[code], country=name))
        elif code in REASON_WORDS:
            words.append(gettext(REASON_WORDS[code]))
        elif code in REASON_TEMPLATES:
            words.append(render_message(REASON_TEMPLATES[code], params, gettext))
    return words


def other_territory(partner_id: int) -> OtherTerritory | None:
    """The partner's territory today and the managers who decide its registrations."""
    territory = db.session.scalar(
        select(Territory)
        .join(PartnerTerritory, PartnerTerritory.territory_id == Territory.id)
        .where(
            PartnerTerritory.partner_id == partner_id,
            current_range(PartnerTerritory, date.today()),
        )
    )
    if territory is None:
        return None
    managers = [m.name or m.email for m in territory_managers(partner_id)]
    return OtherTerritory(territory.name, managers)


def conflicts_for(deal: DealRegistration, user) -> list[ConflictView]:
    """Conflicts found in either direction, best score first; other registrations the user
    may not see are shown without their identity, with their territory and its managers."""
    rows = db.session.scalars(
        select(DealConflict)
        .where(or_(DealConflict.deal_id == deal.id, DealConflict.other_id == deal.id))
        .order_by(DealConflict.score.desc(), DealConflict.id)
    ).all()
    other_ids = {r.other_id if r.deal_id == deal.id else r.deal_id for r in rows}
    others = {
        d.id: d
        for d in db.session.scalars(
            select(DealRegistration).where(DealRegistration.id.in_(other_ids))
        )
    }
    visible = set(
        db.session.scalars(
            visible_to(select(DealRegistration.id), user, DealRegistration).where(
                DealRegistration.id.in_(other_ids)
            )
        )
    )
    views = []
    for row in rows:
        other = others[row.other_id if row.deal_id == deal.id else row.deal_id]
        shown = other.id in visible
        views.append(
            ConflictView(
                score=row.score,
                reasons=describe_reasons(row.reasons),
                other=other if shown else None,
                same_partner=row.same_partner,
                registered_at=other.submitted_at or other.created_at,
                state=other.state,
                protection_ends_on=other.protection_ends_on,
                territory=None if shown else other_territory(other.partner_id),
            )
        )
    return views
