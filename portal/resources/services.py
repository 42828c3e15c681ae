"""The resources library: finance/admin publish documents and links targeted by tier and
territory; partners see only what targets them (the scoping rule lives in security.py)."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.foundation.audit import record_event
from workflows.engine.i18n import N_
from workflows.onboarding.errors import OnboardingError

from ..extensions import db
from ..models import TIERS, Resource, ResourceTier, Territory, utcnow
from ..onboarding import uploads
from ..security import Perm, ensure, visible_to

FOLDER = "resources"


def library(user):
    """What `user` may see, newest first (archived items only for those who publish)."""
    stmt = select(Resource).options(
        selectinload(Resource.tier_targets), selectinload(Resource.territories)
    )
    return visible_to(stmt, user, Resource).order_by(Resource.published_at.desc(), Resource.id)


def _check_url(url: str | None) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 2000:
        raise OnboardingError(N_("Enter a web address starting with https://."), field="url")
    return url


def publish(
    *,
    title: str,
    description: str,
    kind: str,
    url: str | None,
    upload,
    tiers: list[str],
    territory_ids: list[int],
    actor,
) -> Resource:
    """Publish a document (checked upload) or a link; no tiers/territories means everyone."""
    ensure(actor, Perm.PUBLISH_RESOURCES)
    title = (title or "").strip()
    if not title:
        raise OnboardingError(N_("Give the resource a title."), field="title")
    if any(tier not in TIERS for tier in tiers):
        raise OnboardingError(N_("Choose tiers from the list."), field="tiers")
    territories = list(db.session.scalars(select(Territory).where(Territory.id.in_(territory_ids))))
    if len(territories) != len(set(territory_ids)):
        raise OnboardingError(N_("Choose territories from the list."), field="territories")
    resource = Resource(
        title=title,
        description=(description or "").strip(),
        kind=kind,
        published_at=utcnow(),
        published_by_id=actor.id,
        territories=territories,
        tier_targets=[ResourceTier(tier=tier) for tier in sorted(set(tiers))],
    )
    if kind == "link":
        resource.url = _check_url(url)
    elif kind == "document":
        if upload is None or not getattr(upload, "filename", None):
            raise OnboardingError(N_("Choose a file to upload."), field="file")
        checked = uploads.check_upload(upload, uploads.LIBRARY_TYPES)
        resource.filename, resource.content_type = checked.filename, checked.content_type
        resource.size = checked.size
        resource.storage_name = uploads.store(checked, FOLDER)
    else:
        raise OnboardingError(N_("Choose a document or a link."), field="kind")
    db.session.add(resource)
    db.session.flush()
    record_event(
        actor,
        "resource.publish",
        resource,
        after={
            "title": title,
            "kind": kind,
            "tiers": sorted(set(tiers)),
            "territories": sorted(t.code for t in territories),
        },
    )
    return resource


def set_active(resource: Resource, active: bool, *, actor) -> Resource:
    """Archive (hide from partners) or restore a resource."""
    ensure(actor, Perm.PUBLISH_RESOURCES)
    resource.active = active
    record_event(
        actor,
        "resource.restore" if active else "resource.archive",
        resource,
        after={"active": active},
    )
    return resource


def stored_file(resource: Resource):
    return uploads.stored_path(FOLDER, resource.storage_name)
