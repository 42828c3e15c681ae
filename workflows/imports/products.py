"""Products: `sku,name,category_code`, upserted by SKU into an existing category."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from portal.models import Category, Product

from . import fields
from .base import Counts, Importer, RowParser, lookup, register, upsert
from .errors import UNKNOWN_CATEGORY, shown
from .reading import Layout


@dataclass(frozen=True, slots=True)
class ProductRow:
    """One row; a cell that failed its check is None (the row is kept for cross-row checks)."""

    line: int
    sku: str
    name: str | None
    category_code: str | None


@register
class ProductImporter(Importer):
    """The category must already exist (import categories first); SKUs not in the file stay."""

    kind = "products"
    tables = ("products",)
    layout = Layout(("sku", "name", "category_code"))

    def __init__(self, context):
        super().__init__(context)
        self.rows: dict[str, ProductRow] = {}
        self.category_ids: dict[str, int] = {}

    def read(self, rows: Iterable[tuple[int, list[str]]]) -> None:
        for line, (sku, name, category_code) in rows:
            parse = RowParser(self.errors, line)
            sku = parse("sku", fields.text, sku, fields.CODE_LENGTH)
            name = parse("name", fields.name, name, fields.NAME_LENGTH)
            category = parse("category_code", fields.text, category_code, fields.CODE_LENGTH)
            self.keep_first("sku", ProductRow(line, sku, name, category))

    def check(self) -> None:
        codes = {row.category_code for row in self.rows.values()} - {None}
        query = select(Category.code, Category.id)
        self.category_ids = dict(lookup(self.session, query, Category.code, codes))
        for row in self.rows.values():
            if row.category_code is not None and row.category_code not in self.category_ids:
                value = shown(row.category_code)
                self.errors.add(row.line, "category_code", UNKNOWN_CATEGORY, value=value)

    def apply(self) -> Counts:
        query = select(Product.sku, Product.id, Product.name, Product.category_id)
        stored = {r.sku: r for r in lookup(self.session, query, Product.sku, self.rows)}
        wanted = (
            (
                row.sku,
                {"sku": row.sku},
                {"name": row.name, "category_id": self.category_ids[row.category_code]},
            )
            for row in self.rows.values()
        )
        return upsert(self.session, Product, stored, wanted)
