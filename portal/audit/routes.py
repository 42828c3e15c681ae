from flask import render_template, request
from sqlalchemy import select

from ..csv_export import csv_response
from ..extensions import db
from ..models import AuditEvent
from ..pagination import paginate
from ..security import Perm, requires
from . import bp
from .presenters import changes

EXPORT_BATCH = 2000


def _filtered():
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc())
    if action := request.args.get("action", "").strip():
        stmt = stmt.where(AuditEvent.action.startswith(action, autoescape=True))
    if actor := request.args.get("actor", "").strip():
        stmt = stmt.where(AuditEvent.actor_email.contains(actor.lower(), autoescape=True))
    if object_type := request.args.get("object_type", "").strip():
        stmt = stmt.where(AuditEvent.object_type == object_type)
    return stmt


@bp.get("/")
@requires(Perm.VIEW_AUDIT)
def index():
    return render_template(
        "audit/index.html", page=paginate(_filtered()), args=request.args, changes=changes
    )


@bp.get("/export.csv")
@requires(Perm.EXPORT_AUDIT)
def export():
    header = [
        "id",
        "occurred_at",
        "actor",
        "action",
        "object_type",
        "object_id",
        "before",
        "after",
        "ip",
        "prev_hash",
        "hash",
    ]
    stmt = _filtered().execution_options(yield_per=EXPORT_BATCH)

    def rows():  # runs while the file is sent, in the download's own session
        return (
            (
                e.id,
                e.occurred_at.isoformat(),
                e.actor_email,
                e.action,
                e.object_type,
                e.object_id,
                e.before,
                e.after,
                e.ip,
                e.prev_hash,
                e.hash,
            )
            for e in db.session.scalars(stmt)
        )

    return csv_response("audit-log.csv", header, rows)
