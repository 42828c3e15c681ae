"""Who may do what, and what they may see: the one permission table and the one scoping function.

Every view declares the permission it needs with `@requires`; every service re-checks with
`ensure`; every list query and every lookup by id goes through `visible_to` / `get_visible_or_404`,
or `get_unscoped_or_404` for the objects of no partner or territory listed in UNSCOPED.
"""

from __future__ import annotations

import enum
from datetime import date
from functools import cache, wraps

from flask import abort, has_request_context, request
from flask_login import current_user
from sqlalchemy import BindParameter, Date, Integer, Select, any_, bindparam, cast, literal, select
from sqlalchemy.dialects.postgresql import ARRAY

from .extensions import db
from .inputs import MAX_ID
from .models import (
    ApplicationDocument,
    CalcResult,
    ContestAward,
    ContestStanding,
    MdfActivityType,
    MdfAllocation,
    MdfClaim,
    MdfClaimProof,
    MdfEntry,
    MdfFund,
    Partner,
    PartnerApplication,
    PartnerTerritory,
    PayeeAccount,
    PayoutBatch,
    PayoutLine,
    Resource,
    RewardItem,
    Role,
    SalesTerritoryMonthly,
    Territory,
    User,
    managed_territories,
)
from .models.partners import current_range
from .models.resources import targets_partner


class Perm(enum.StrEnum):
    VIEW_PARTNERS = "view_partners"
    VIEW_SALES = "view_sales"
    EXPORT_SALES = "export_sales"
    VIEW_TERRITORIES = "view_territories"
    IMPORT_DATA = "import_data"
    VIEW_AUDIT = "view_audit"
    EXPORT_AUDIT = "export_audit"
    MANAGE_USERS = "manage_users"
    VIEW_HEALTH = "view_health"
    APPROVE_PARTNER_WORK = "approve_partner_work"
    MANAGE_PROGRAMS = "manage_programs"
    RUN_CALCULATIONS = "run_calculations"
    APPROVE_CALCULATIONS = "approve_calculations"
    VIEW_CALC_RESULTS = "view_calc_results"
    CLOSE_PERIODS = "close_periods"
    EXPORT_PAYOUTS = "export_payouts"
    VIEW_DEALS = "view_deals"
    REGISTER_DEALS = "register_deals"
    REVIEW_DEALS = "review_deals"
    EXPORT_DEALS = "export_deals"
    APPLY_AS_PARTNER = "apply_as_partner"
    VIEW_APPLICATIONS = "view_applications"
    REVIEW_APPLICATIONS = "review_applications"
    MANAGE_COUNTRY_RULES = "manage_country_rules"
    PUBLISH_AGREEMENTS = "publish_agreements"
    ACCEPT_AGREEMENTS = "accept_agreements"
    MANAGE_TEAM = "manage_team"
    VIEW_RESOURCES = "view_resources"
    PUBLISH_RESOURCES = "publish_resources"
    VIEW_POINTS = "view_points"
    REQUEST_REDEMPTIONS = "request_redemptions"
    APPROVE_REDEMPTIONS = "approve_redemptions"
    ADJUST_POINTS = "adjust_points"
    MANAGE_CATALOG = "manage_catalog"
    VIEW_CLAIMS = "view_claims"
    SUBMIT_CLAIMS = "submit_claims"
    APPROVE_CLAIMS = "approve_claims"
    MANAGE_PAYOUT_BATCHES = "manage_payout_batches"
    VIEW_STATEMENTS = "view_statements"
    USE_API = "use_api"  # create personal API tokens and call the JSON API
    VIEW_MDF = "view_mdf"  # market development funds: balances, requests, claims in scope
    MANAGE_FUNDS = "manage_funds"  # create funds, keep activity types, second approvals
    ALLOCATE_MDF = "allocate_mdf"  # pass fund money down from a territory in scope
    REQUEST_MDF = "request_mdf"  # propose activities and claim them for the own organisation
    APPROVE_MDF = "approve_mdf"  # decide requests and claims of partners in scope
    MANAGE_PAYOUT_ACCOUNTS = "manage_payout_accounts"  # enter the own organisation's accounts
    VERIFY_PAYOUT_ACCOUNTS = "verify_payout_accounts"  # open, verify or reject any payee account
    MANAGE_WEBHOOKS = "manage_webhooks"  # register webhook endpoints, read and redeliver
    VIEW_CONTESTS = "view_contests"  # contest pages: own place, or the board of those in scope
    VIEW_CONTEST_COSTS = "view_contest_costs"  # what a contest's awards would cost if it ended now
    MANAGE_TRIP_SEATS = "manage_trip_seats"  # answer the own organisation's trip awards
    VIEW_TRIP_TRAVELLERS = "view_trip_travellers"  # who travels on contest trips, in scope
    EXPORT_TRIP_TRAVELLERS = "export_trip_travellers"  # the travellers list for the agency


P = Perm
PARTNER_USER: frozenset[Perm] = frozenset(
    {
        P.USE_API,
        P.VIEW_PARTNERS,
        P.VIEW_SALES,
        P.EXPORT_SALES,
        P.VIEW_DEALS,
        P.REGISTER_DEALS,
        P.VIEW_CALC_RESULTS,
        P.VIEW_RESOURCES,
        P.VIEW_POINTS,
        P.VIEW_CLAIMS,
        P.SUBMIT_CLAIMS,
        P.VIEW_STATEMENTS,
        P.VIEW_MDF,
        P.REQUEST_MDF,
        P.VIEW_CONTESTS,
    }
)
PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.PARTNER_USER: PARTNER_USER,
    # A partner admin does all a partner user does and runs the organisation's account.
    Role.PARTNER_ADMIN: PARTNER_USER
    | {
        P.MANAGE_TEAM,
        P.ACCEPT_AGREEMENTS,
        P.REQUEST_REDEMPTIONS,
        P.MANAGE_PAYOUT_ACCOUNTS,
        P.MANAGE_TRIP_SEATS,
    },
    Role.CHANNEL_MANAGER: frozenset(
        {
            P.USE_API,
            P.VIEW_PARTNERS,
            P.VIEW_SALES,
            P.EXPORT_SALES,
            P.VIEW_TERRITORIES,
            P.APPROVE_PARTNER_WORK,
            P.VIEW_DEALS,
            P.REVIEW_DEALS,
            P.EXPORT_DEALS,
            P.VIEW_CALC_RESULTS,
            P.VIEW_APPLICATIONS,
            P.REVIEW_APPLICATIONS,
            P.VIEW_RESOURCES,
            P.VIEW_POINTS,
            P.APPROVE_REDEMPTIONS,
            P.VIEW_CLAIMS,
            P.APPROVE_CLAIMS,
            P.VIEW_STATEMENTS,
            P.VIEW_MDF,
            P.ALLOCATE_MDF,
            P.APPROVE_MDF,
            P.VIEW_CONTESTS,
            P.VIEW_TRIP_TRAVELLERS,
        }
    ),
    Role.FINANCE: frozenset(
        {
            P.USE_API,
            P.VIEW_PARTNERS,
            P.VIEW_SALES,
            P.EXPORT_SALES,
            P.VIEW_TERRITORIES,
            P.IMPORT_DATA,
            P.VIEW_AUDIT,
            P.EXPORT_AUDIT,
            P.VIEW_HEALTH,
            P.MANAGE_PROGRAMS,
            P.RUN_CALCULATIONS,
            P.APPROVE_CALCULATIONS,
            P.VIEW_DEALS,
            P.EXPORT_DEALS,
            P.VIEW_CALC_RESULTS,
            P.CLOSE_PERIODS,
            P.EXPORT_PAYOUTS,
            P.PUBLISH_AGREEMENTS,
            P.VIEW_RESOURCES,
            P.PUBLISH_RESOURCES,
            P.VIEW_POINTS,
            P.APPROVE_REDEMPTIONS,
            P.ADJUST_POINTS,
            P.MANAGE_CATALOG,
            P.VIEW_CLAIMS,
            P.APPROVE_CLAIMS,
            P.MANAGE_PAYOUT_BATCHES,
            P.VIEW_STATEMENTS,
            P.VIEW_MDF,
            P.MANAGE_FUNDS,
            P.ALLOCATE_MDF,
            P.APPROVE_MDF,
            P.VERIFY_PAYOUT_ACCOUNTS,
            P.VIEW_CONTESTS,
            P.VIEW_CONTEST_COSTS,
            P.VIEW_TRIP_TRAVELLERS,
            P.EXPORT_TRIP_TRAVELLERS,
        }
    ),
    Role.ADMIN: frozenset(
        {
            P.USE_API,
            P.VIEW_PARTNERS,
            P.VIEW_SALES,
            P.EXPORT_SALES,
            P.VIEW_TERRITORIES,
            P.IMPORT_DATA,
            P.VIEW_AUDIT,
            P.EXPORT_AUDIT,
            P.MANAGE_USERS,
            P.VIEW_HEALTH,
            P.VIEW_DEALS,
            P.VIEW_APPLICATIONS,
            P.MANAGE_COUNTRY_RULES,
            P.PUBLISH_AGREEMENTS,
            P.VIEW_RESOURCES,
            P.PUBLISH_RESOURCES,
            P.MANAGE_WEBHOOKS,
            P.VIEW_CONTESTS,
        }
    ),
    Role.APPLICANT: frozenset({P.APPLY_AS_PARTNER, P.ACCEPT_AGREEMENTS}),
}


class Forbidden(Exception):
    """The actor lacks the permission, or the object is outside what they may touch."""


def can(user, perm: Perm) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    return role_can(Role(user.role), perm)


def role_can(role: Role, perm: Perm) -> bool:
    """Whether an active user of `role` holds `perm` (what `can` asks once it knows the user
    is signed in and active)."""
    return perm in PERMISSIONS.get(role, frozenset())


def ensure(user, perm: Perm, obj=None) -> None:
    """Raise Forbidden unless `user` holds `perm` (and may see `obj`, when given)."""
    if not can(user, perm):
        raise Forbidden(perm)
    if obj is not None and not is_visible(obj, user):
        raise Forbidden(perm)


def ensure_not_maker(actor, maker_id: int | None) -> None:
    """Maker–checker: nobody approves what they themselves submitted, ran or requested."""
    if maker_id is not None and actor.id == maker_id:
        raise Forbidden("maker_checker")


def requires(perm: Perm):
    """View decorator: 401 for anonymous users (login redirect), 403 without the permission."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from .extensions import login_manager

                return login_manager.unauthorized()
            if not can(current_user, perm):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


@cache
def _managed_ids() -> Select:
    """The ids of the territories the user bound as `user_id` manages; built once per process."""
    managed = managed_territories()
    return select(managed.c.territory_id).where(managed.c.user_id == bindparam("user_id"))


def _managed_id_list(user) -> list[int]:
    """The ids of the territories in the manager's subtrees, read once per request."""
    read = request.environ.setdefault("portal.managed_territory_ids", {})
    if user.id not in read:
        read[user.id] = sorted(db.session.scalars(_managed_ids(), {"user_id": user.id}))
    return read[user.id]


def _named_territories(ids) -> Select:
    """The territories `ids` (a list, or the parameter that binds one). On PostgreSQL one array
    written into the statement, not one parameter per id: a page's statements stay short
    however many territories the manager has, and the driver prepares them per manager.
    Written in, not bound: a prepared statement's generic plan is made without its
    parameters' values, and for an array of unknown size PostgreSQL guessed a few territories
    and probed thousands of partners one by one."""
    if db.engine.dialect.name == "postgresql":
        if isinstance(ids, BindParameter):
            written = ids
        else:
            written = literal(ids, ARRAY(Integer), literal_execute=True)
        return select(Territory.id).where(Territory.id == any_(cast(written, ARRAY(Integer))))
    return select(Territory.id).where(Territory.id.in_(ids))


def managed_territory_ids(user) -> Select:
    """Ids of the territories in the manager's subtrees. Within a request they are read once and
    named in the statement: a page runs several scoped queries, and PostgreSQL misjudges how
    many territories the path self-join yields (one), so it planned the partners in scope as a
    handful and walked thousands of them one by one."""
    if isinstance(user, _BoundReader):
        return user.territories
    if not has_request_context():
        managed = managed_territories()
        return select(managed.c.territory_id).where(managed.c.user_id == user.id)
    # this request only; the construct too, so the page's scoped statements share it
    built = request.environ.setdefault("portal.managed_territories", {})
    if user.id not in built:
        built[user.id] = _named_territories(_managed_id_list(user))
    return built[user.id]


def managed_partner_ids(user, on: date | None = None) -> Select:
    """Ids of partners whose territory on `on` lies in one of the manager's subtrees (built
    once per request, user and day, like `managed_territory_ids`)."""
    day = on or _today(user)
    if isinstance(user, _BoundReader):
        return select(PartnerTerritory.partner_id).where(
            current_range(PartnerTerritory, day),
            PartnerTerritory.territory_id.in_(managed_territory_ids(user)),
        )
    built = (
        request.environ.setdefault("portal.managed_partner_ids", {})
        if has_request_context()
        else {}
    )
    key = (user.id, day)
    if key not in built:
        built[key] = select(PartnerTerritory.partner_id).where(
            current_range(PartnerTerritory, day),
            PartnerTerritory.territory_id.in_(managed_territory_ids(user)),
        )
    return built[key]


def _today(user):
    """The day scoping rules take as today: the date, or for a bound reader its parameter."""
    return user.day if isinstance(user, _BoundReader) else date.today()


class _BoundReader:
    """Stands for every reader of one role whose scope `scoped` binds by name: what the scoping
    rules read of a user (its id, organisation, territories, today) are parameters here."""

    is_authenticated = True

    def __init__(self, role: Role, active: bool, has_partner: bool):
        self.role = role.value
        self.active = active
        self.id = bindparam("scope_user_id", type_=Integer)
        self.partner_id = bindparam("scope_partner_id", type_=Integer) if has_partner else None
        self.day = bindparam("scope_day", type_=Date)
        if db.engine.dialect.name == "postgresql":
            ids = bindparam("scope_territory_ids", type_=ARRAY(Integer), literal_execute=True)
        else:
            ids = bindparam("scope_territory_ids", expanding=True)
        self.territories = _named_territories(ids)


_GATED: dict[tuple, tuple[Select, Select]] = {}
_GATED_MAX = 256  # statements built once per process, times the shapes of scope


def scoped(stmt: Select, user, model=None) -> tuple[Select, dict]:
    """`visible_to` for a statement built once per process: the restricted statement is built
    once per process and shape of scope (role, active, with an organisation or not), with the
    reader's scope bound by name, and returned with the values to bind for `user`. Building
    and keying a restricted statement cost a page more than running it.

    Outside a request, or for a statement built per call, use `visible_to`."""
    if not has_request_context():
        return visible_to(stmt, user, model), {}
    model = model or stmt.column_descriptions[0]["entity"]
    role = Role(user.role)
    shape = (role, bool(user.active), user.partner_id is not None)
    key = (id(stmt), model, shape)
    kept = _GATED.get(key)
    if kept is None or kept[0] is not stmt:  # kept[0] holds the statement: its id stays its own
        if len(_GATED) >= _GATED_MAX:
            _GATED.clear()
        kept = _GATED[key] = (stmt, visible_to(stmt, _BoundReader(*shape), model))
    values = {
        "scope_user_id": user.id,
        "scope_partner_id": user.partner_id,
        "scope_day": date.today(),
    }
    if role is Role.CHANNEL_MANAGER:
        values["scope_territory_ids"] = _managed_id_list(user)
    return kept[1], values


def _partner_column(model):
    if model is Partner:
        return Partner.id
    if model is User:
        return User.partner_id
    if model in (CalcResult, PayoutLine, ContestStanding, ContestAward):
        return model.payee_id  # a partner sees what it is paid; a manager, payees in scope
    return getattr(model, "partner_id", None)


def visible_to(stmt: Select, user, model=None) -> Select:
    """Restrict `stmt` (a select over `model`) to the rows `user` may see."""
    model = model or stmt.column_descriptions[0]["entity"]
    role = Role(user.role)
    if role in (Role.FINANCE, Role.ADMIN):
        return stmt
    if model is Territory:
        if role is Role.CHANNEL_MANAGER:
            return stmt.where(Territory.id.in_(managed_territory_ids(user)))
        return stmt.where(db.false())
    if model in _OWN_SCOPES:
        return stmt.where(_OWN_SCOPES[model](user, role))
    column = _partner_column(model)
    if column is None:
        raise TypeError(f"{model.__name__} has no scoping rule; add one to security.visible_to")
    if role.is_partner:
        if user.partner_id is None:
            return stmt.where(db.false())
        return stmt.where(column == user.partner_id)
    if role is Role.CHANNEL_MANAGER:
        return stmt.where(column.in_(managed_partner_ids(user)))
    return stmt.where(db.false())


def _application_scope(user, role: Role):
    """Applicants see their own application; managers those routed into their subtrees."""
    if role is Role.APPLICANT:
        return PartnerApplication.applicant_id == user.id
    if role is Role.CHANNEL_MANAGER:
        return PartnerApplication.territory_id.in_(managed_territory_ids(user))
    return db.false()


def _application_document_scope(user, role: Role):
    """A supporting document is visible to whoever may see its application."""
    applications = select(PartnerApplication.id).where(_application_scope(user, role))
    return ApplicationDocument.application_id.in_(applications)


def _resource_scope(user, role: Role):
    """Managers see the whole active library; a partner only what targets its tier and
    territory (finance and admin, who publish, see everything)."""
    if role is Role.CHANNEL_MANAGER:
        return Resource.active.is_(True)
    if role.is_partner and user.partner_id is not None:
        return targets_partner(user.partner_id, _today(user))
    return db.false()


def _reward_item_scope(user, role: Role):
    """Everyone who may see points sees the active catalog (finance, who manages it, sees all)."""
    return RewardItem.active.is_(True) if can(user, Perm.VIEW_POINTS) else db.false()


def _territory_sales_scope(user, role: Role):
    """Sales summed per territory: a manager sees the rows of territories in their subtrees
    (which partner sold is not in them; portal/dashboards/figures.py corrects the sums for
    partners whose rows lie elsewhere than their territory of today); partners see none."""
    if role is Role.CHANNEL_MANAGER:
        return SalesTerritoryMonthly.territory_id.in_(managed_territory_ids(user))
    return db.false()


def _payout_batch_scope(user, role: Role):
    """Batches mix partners: only finance (unscoped above) sees them."""
    return db.false()


def _mdf_holder_scope(model, user, role: Role):
    """A partner sees its own MDF rows; a manager the rows of territories in their subtrees
    and of the partners in them (ledger rows and allocations name one holder or target)."""
    if role.is_partner:
        if user.partner_id is None:
            return db.false()
        return model.partner_id == user.partner_id
    if role is Role.CHANNEL_MANAGER:
        return db.or_(
            model.territory_id.in_(managed_territory_ids(user)),
            model.partner_id.in_(managed_partner_ids(user)),
        )
    return db.false()


def _mdf_entry_scope(user, role: Role):
    return _mdf_holder_scope(MdfEntry, user, role)


def _mdf_allocation_scope(user, role: Role):
    return _mdf_holder_scope(MdfAllocation, user, role)


def _mdf_fund_scope(user, role: Role):
    """A fund is visible to whoever may see one of its ledger rows (money reached them)."""
    rows = select(MdfEntry.fund_id).where(_mdf_entry_scope(user, role))
    return MdfFund.id.in_(rows)


def _mdf_proof_scope(user, role: Role):
    """A claim's proof is visible to whoever may see the claim."""
    claims = visible_to(select(MdfClaim.id), user, MdfClaim)
    return MdfClaimProof.claim_id.in_(claims)


def _mdf_activity_type_scope(user, role: Role):
    """Everyone who may see funds sees the active activity types (finance keeps the list)."""
    return MdfActivityType.active.is_(True) if can(user, Perm.VIEW_MDF) else db.false()


def _payee_account_scope(user, role: Role):
    """Bank accounts: a partner sees its own organisation's; no channel manager sees any
    (finance, who verifies them, sees all)."""
    if role.is_partner and user.partner_id is not None:
        return PayeeAccount.partner_id == user.partner_id
    return db.false()


_OWN_SCOPES = {
    PayeeAccount: _payee_account_scope,
    MdfActivityType: _mdf_activity_type_scope,
    MdfAllocation: _mdf_allocation_scope,
    MdfClaimProof: _mdf_proof_scope,
    MdfEntry: _mdf_entry_scope,
    MdfFund: _mdf_fund_scope,
    PayoutBatch: _payout_batch_scope,
    RewardItem: _reward_item_scope,
    PartnerApplication: _application_scope,
    ApplicationDocument: _application_document_scope,
    Resource: _resource_scope,
    SalesTerritoryMonthly: _territory_sales_scope,
}


def is_visible(obj, user) -> bool:
    model = type(obj)
    return (
        db.session.execute(
            visible_to(select(model.id), user, model).where(model.id == obj.id)
        ).first()
        is not None
    )


def _id_or_404(object_id) -> int:
    """An id from the request: anything but a whole number within the id columns names
    nothing (a 404), so no lookup sends the database a number its columns cannot hold."""
    try:
        number = int(object_id)
    except (TypeError, ValueError):
        abort(404)
    if not 0 < number <= MAX_ID:
        abort(404)
    return number


def find_visible(model, object_id: int, user):
    """Load one object by id through the scoping rule; None when `user` may not see it."""
    return db.session.scalar(visible_to(select(model), user, model).where(model.id == object_id))


def get_visible_or_404(model, object_id, user=None):
    """Load one object by id through the scoping rule; anything not visible is a 404."""
    found = find_visible(model, _id_or_404(object_id), user or current_user)
    if found is None:
        abort(404)
    return found


def has_scope(model) -> bool:
    """Whether `visible_to` restricts `model` for some role (by partner, territory or owner)."""
    return model is Territory or model in _OWN_SCOPES or _partner_column(model) is not None


# What may be loaded by id outside `visible_to`, by table, and why: objects of no partner,
# territory or owner, which whoever holds the permission of a page leading to them may open.
UNSCOPED = {
    "programs": "a program applies to partners but belongs to none; its managers see all",
    "calc_runs": "a run calculates every payee of a program; whoever runs them sees all",
    "closed_periods": "a program's closed period belongs to no partner; finance sees all",
    "import_batches": "an import belongs to no partner or territory; importers see all",
    "tasks": "a simulation or points posting spans every partner, like its program",
    "role_grants": "a staff role request belongs to no partner; administrators see all",
    "country_territory_rules": "a country rule routes applications; administrators see all",
    "agreement_versions": "agreements are published to everyone (unpublished: see the view)",
    "webhook_endpoints": "a webhook endpoint receives events of every partner; admins see all",
    "webhook_deliveries": "a delivery belongs to an endpoint, not a partner; admins see all",
    "bank_file_formats": "a bank's payment CSV layout is the vendor's setting; finance sees all",
}


def find_unscoped(model, object_id: int):
    """One object of a table in UNSCOPED by id, or None; any other goes through `visible_to`."""
    if model.__tablename__ not in UNSCOPED:
        raise TypeError(f"{model.__name__} is not in security.UNSCOPED: use get_visible_or_404")
    return db.session.get(model, object_id)


def get_unscoped_or_404(model, object_id):
    """`find_unscoped` for an id from the request: a 404 when there is no such object."""
    found = find_unscoped(model, _id_or_404(object_id))
    if found is None:
        abort(404)
    return found
