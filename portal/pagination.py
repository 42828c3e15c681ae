"""Page through a scoped query without loading it whole."""

from __future__ import annotations

from .extensions import db
from .inputs import page_number


def paginate(stmt, per_page: int = 50):
    return db.paginate(stmt, page=page_number(), per_page=per_page, error_out=False)
