"""Reward catalog: `code,name,description,points_cost,active`, upserted by code (stock and image
are managed in the portal and left as they are)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from portal.models import RewardItem, utcnow
from workflows.engine import N_

from . import fields
from .base import Counts, Importer, RowParser, lookup, register, upsert
from .errors import FieldError, shown
from .reading import Layout

DESCRIPTION_LENGTH = 2000
BAD_POINTS = N_("%(value)s is not a whole number of points greater than zero.")
BAD_FLAG = N_("%(value)s is not a yes/no value: use true or false.")
FLAGS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


def points(value: str) -> int:
    if not (value.isascii() and value.isdigit()) or int(value) <= 0 or len(value) > 15:
        raise FieldError(BAD_POINTS, value=shown(value))
    return int(value)


def flag(value: str) -> bool:
    if value.strip().lower() not in FLAGS:
        raise FieldError(BAD_FLAG, value=shown(value))
    return FLAGS[value.strip().lower()]


@dataclass(frozen=True, slots=True)
class ItemRow:
    line: int
    code: str
    name: str | None
    description: str
    points_cost: int | None
    active: bool | None


@register
class CatalogImporter(Importer):
    """Items not in the file stay as they are; deactivate them with active=false."""

    kind = "catalog"
    tables = ("reward_items",)
    layout = Layout(("code", "name", "description", "points_cost", "active"))

    def __init__(self, context):
        super().__init__(context)
        self.rows: dict[str, ItemRow] = {}

    def read(self, rows: Iterable[tuple[int, list[str]]]) -> None:
        for line, (code, name, description, cost, active) in rows:
            parse = RowParser(self.errors, line)
            code = parse("code", fields.text, code, fields.CODE_LENGTH)
            name = parse("name", fields.name, name, fields.NAME_LENGTH)
            text = parse("description", fields.text_block, description, DESCRIPTION_LENGTH)
            cost = parse("points_cost", points, cost)
            active = parse("active", flag, active)
            self.keep_first("code", ItemRow(line, code, name, text or "", cost, active))

    def check(self) -> None:
        """Every check is per cell; nothing in the database can contradict a catalog row."""

    def apply(self) -> Counts:
        query = select(
            RewardItem.code,
            RewardItem.id,
            RewardItem.name,
            RewardItem.description,
            RewardItem.points_cost,
            RewardItem.active,
        )
        stored = {r.code: r for r in lookup(self.session, query, RewardItem.code, self.rows)}
        wanted = (
            (
                row.code,
                {"code": row.code},
                {
                    "name": row.name,
                    "description": row.description,
                    "points_cost": row.points_cost,
                    "active": row.active,
                },
            )
            for row in self.rows.values()
        )
        return upsert(self.session, RewardItem, stored, wanted, updated_at=utcnow())
