"""Territories and product categories: `code,name,parent_code`, upserted by code.

A parent may be an existing record or any row of the same file, before or after the child.
Codes absent from the file are left as they are. Paths are rebuilt after every import.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from sqlalchemy import insert, select, update

from portal.models import Category, Territory
from portal.models.trees import rebuild_paths

from . import fields
from .base import Counts, Importer, RowParser, register
from .hierarchy import check_parents
from .reading import Layout


@dataclass(frozen=True, slots=True)
class TreeRow:
    """One row; a name that failed its check is None (the row is kept for the parent checks)."""

    line: int
    code: str
    name: str | None
    parent_code: str | None


@dataclass(frozen=True, slots=True)
class Stored:
    id: int
    name: str
    parent_id: int | None


class TreeImporter(Importer):
    """Upsert nodes by code, then re-link parents and rebuild the materialised paths."""

    model: ClassVar[type[Territory] | type[Category]]
    layout = Layout(("code", "name", "parent_code"))

    def __init__(self, context):
        super().__init__(context)
        self.rows: dict[str, TreeRow] = {}
        self.stored: dict[str, Stored] = {}

    def read(self, rows: Iterable[tuple[int, list[str]]]) -> None:
        for line, (code, name, parent_code) in rows:
            parse = RowParser(self.errors, line)
            code = parse("code", fields.text, code, fields.CODE_LENGTH)
            name = parse("name", fields.name, name, fields.NAME_LENGTH)
            parent = parse(
                "parent_code", fields.text, parent_code, fields.CODE_LENGTH, required=False
            )
            self.keep_first("code", TreeRow(line, code, name, parent))

    def check(self) -> None:
        model = self.model
        rows = self.session.execute(select(model.id, model.code, model.name, model.parent_id))
        code_of: dict[int, str] = {}
        for r in rows:
            self.stored[r.code] = Stored(r.id, r.name, r.parent_id)
            code_of[r.id] = r.code
        known = {code: code_of.get(s.parent_id) for code, s in self.stored.items()}
        file_parents = {code: (row.line, row.parent_code) for code, row in self.rows.items()}
        check_parents(self.errors, file_parents, known)

    def apply(self) -> Counts:
        model = self.model
        ids = {code: s.id for code, s in self.stored.items()}
        new = [{"code": r.code, "name": r.name} for r in self.rows.values() if r.code not in ids]
        if new:
            created = self.session.execute(insert(model).returning(model.code, model.id), new)
            ids.update({r.code: r.id for r in created})
        changes = []
        counts = Counts(inserted=len(new))
        for row in self.rows.values():
            parent_id = ids[row.parent_code] if row.parent_code else None
            stored = self.stored.get(row.code)
            if stored is not None and (stored.name, stored.parent_id) == (row.name, parent_id):
                counts.unchanged += 1
                continue
            if stored is not None:
                counts.updated += 1
            if stored is not None or parent_id is not None:
                changes.append({"id": ids[row.code], "name": row.name, "parent_id": parent_id})
        if changes:
            self.session.execute(update(model), changes)
        rebuild_paths(self.session, model)
        return counts


@register
class TerritoryImporter(TreeImporter):
    kind = "territories"
    tables = ("territories",)
    model = Territory


@register
class CategoryImporter(TreeImporter):
    kind = "categories"
    tables = ("categories",)
    model = Category
