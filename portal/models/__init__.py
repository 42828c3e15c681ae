"""All models, imported here so Alembic and the app see the whole schema."""

from .agreements import AgreementAcceptance, AgreementVersion
from .audit import AuditEvent, AuditHead
from .catalog import Category, Product
from .deals import DealClaim, DealConflict, DealRegistration
from .invitations import Invitation
from .mail import OutboxMessage
from .onboarding import (
    ApplicationDocument,
    ApplicationDuplicate,
    CountryTerritoryRule,
    PartnerApplication,
    PartnerProfile,
)
from .partners import TIERS, Partner, PartnerTerritory, PartnerTier
from .programs import (
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
from .sales import FxRate, ImportBatch, SaleLine
from .tasks import Task
from .territories import Territory
from .types import utcnow
from .users import Role, User, manager_territories

__all__ = [
    "TIERS",
    "AgreementAcceptance",
    "AgreementVersion",
    "ApplicationDocument",
    "ApplicationDuplicate",
    "AuditEvent",
    "AuditHead",
    "CalcResult",
    "CalcRun",
    "CalcShard",
    "CalcUnusableLine",
    "Category",
    "ClosedPeriod",
    "CountryTerritoryRule",
    "DealClaim",
    "DealConflict",
    "DealRegistration",
    "FxRate",
    "ImportBatch",
    "Invitation",
    "OutboxMessage",
    "Partner",
    "PartnerApplication",
    "PartnerProfile",
    "PartnerTerritory",
    "PartnerTier",
    "PayoutLine",
    "Product",
    "Program",
    "ProgramVersion",
    "Resource",
    "ResourceTier",
    "Role",
    "SaleLine",
    "Task",
    "Territory",
    "User",
    "manager_territories",
    "utcnow",
]
