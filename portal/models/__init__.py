"""All models, imported here so Alembic and the app see the whole schema."""

from .audit import AuditEvent, AuditHead
from .catalog import Category, Product
from .partners import TIERS, Partner, PartnerTerritory, PartnerTier
from .sales import FxRate, ImportBatch, SaleLine
from .tasks import Task
from .territories import Territory
from .types import utcnow
from .users import Role, User, manager_territories

__all__ = [
    "TIERS",
    "AuditEvent",
    "AuditHead",
    "Category",
    "FxRate",
    "ImportBatch",
    "Partner",
    "PartnerTerritory",
    "PartnerTier",
    "Product",
    "Role",
    "SaleLine",
    "Task",
    "Territory",
    "User",
    "manager_territories",
    "utcnow",
]
