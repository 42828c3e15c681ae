"""The territory tree (World › EMEA › DACH › Germany-South)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
