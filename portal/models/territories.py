"""The territory tree (World › EMEA › DACH › Germany-South)."""

from __future__ import annotations

from functools import cache

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, aliased, mapped_column, relationship

from ..extensions import db
from .trees import TreeMixin


class Territory(TreeMixin, db.Model):
    __tablename__ = "territories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("territories.id"), index=True)

    parent: Mapped[Territory | None] = relationship(remote_side="Territory.id")

    def __repr__(self) -> str:
        return f"<Territory {self.code}>"


@cache
def territory_ancestry():
    """Every territory paired with itself and with each territory above it: a subquery of rows
    (territory_id, ancestor_id), one self-join on the materialised paths. Filter territory_id to
    go up the tree (who is above X), ancestor_id to go down (what lies within X). Built once:
    the construct has no parameters, and building it (two aliases, a subquery) cost every scoped
    query more than compiling it."""
    own, above = aliased(Territory), aliased(Territory)
    return (
        select(own.id.label("territory_id"), above.id.label("ancestor_id"))
        .join(above, own.path.startswith(above.path, autoescape=False))
        .subquery("ancestry")
    )
