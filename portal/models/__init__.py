"""All models, imported here so Alembic and the app see the whole schema."""

from .agreements import AgreementAcceptance, AgreementVersion
from .api_tokens import ApiToken
from .audit import AuditEvent, AuditHead
from .banking import PayeeAccount
from .catalog import Category, Product
from .contests import ContestAward, ContestStanding
from .dashboards import (
    SalesMonthly,
    SalesPartnerTerritory,
    SalesQuarterLeader,
    SalesTerritoryMonthly,
)
from .deals import DealClaim, DealConflict, DealRegistration
from .invitations import Invitation
from .mail import OutboxMessage
from .mdf import (
    MdfActivityType,
    MdfAllocation,
    MdfClaim,
    MdfClaimProof,
    MdfEntry,
    MdfFund,
    MdfRequest,
)
from .onboarding import (
    ApplicationDocument,
    ApplicationDuplicate,
    CountryTerritoryRule,
    PartnerApplication,
    PartnerProfile,
)
from .partners import TIERS, Partner, PartnerTerritory, PartnerTier
from .payables import BankFileFormat, Claim, PayoutBatch, PayoutBatchLine
from .programs import (
    CalcPartial,
    CalcResult,
    CalcRun,
    CalcShard,
    CalcUnusableLine,
    ClosedPeriod,
    PayoutLine,
    Program,
    ProgramVersion,
)
from .resources import Resource, ResourceTier
from .rewards import (
    LoyaltyLevel,
    PartnerLevel,
    PointsAllocation,
    PointsEntry,
    Redemption,
    RewardItem,
)
from .role_grants import RoleGrant
from .sales import FxRate, ImportBatch, SaleLine
from .sessions import UserSession
from .sso import SsoIdentity, SsoProvider
from .tasks import Task
from .territories import Territory, territory_ancestry
from .trips import TripAward, TripTraveller
from .types import utcnow
from .users import (
    Role,
    User,
    managed_territories,
    manager_territories,
    managers_above,
    partner_admins_of,
)
from .webhooks import WebhookDelivery, WebhookEndpoint

__all__ = [
    "TripAward",
    "TripTraveller",
    "TIERS",
    "AgreementAcceptance",
    "AgreementVersion",
    "ApiToken",
    "ApplicationDocument",
    "ApplicationDuplicate",
    "AuditEvent",
    "AuditHead",
    "CalcPartial",
    "CalcResult",
    "CalcRun",
    "CalcShard",
    "CalcUnusableLine",
    "Claim",
    "Category",
    "ContestAward",
    "ContestStanding",
    "ClosedPeriod",
    "CountryTerritoryRule",
    "DealClaim",
    "DealConflict",
    "DealRegistration",
    "FxRate",
    "ImportBatch",
    "Invitation",
    "LoyaltyLevel",
    "MdfActivityType",
    "MdfAllocation",
    "MdfClaim",
    "MdfClaimProof",
    "MdfEntry",
    "MdfFund",
    "MdfRequest",
    "OutboxMessage",
    "PayeeAccount",
    "Partner",
    "PartnerApplication",
    "PartnerLevel",
    "PartnerProfile",
    "PartnerTerritory",
    "PartnerTier",
    "PayoutBatch",
    "PayoutBatchLine",
    "BankFileFormat",
    "PayoutLine",
    "PointsAllocation",
    "PointsEntry",
    "Product",
    "Program",
    "ProgramVersion",
    "Redemption",
    "Resource",
    "ResourceTier",
    "RewardItem",
    "Role",
    "RoleGrant",
    "SaleLine",
    "SalesMonthly",
    "SalesPartnerTerritory",
    "SalesQuarterLeader",
    "SalesTerritoryMonthly",
    "Task",
    "Territory",
    "User",
    "SsoIdentity",
    "SsoProvider",
    "UserSession",
    "WebhookDelivery",
    "WebhookEndpoint",
    "managed_territories",
    "manager_territories",
    "managers_above",
    "partner_admins_of",
    "territory_ancestry",
    "utcnow",
]
