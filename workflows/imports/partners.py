"""Partners: `code,name,parent_code,territory_code,tier,country,currency[,effective_from]`.

Name, group parent, country and currency are updated in place. Territory and tier are
effective-dated: a new partner gets them from `effective_from`, or from the beginning of time
when the cell is empty. For an existing partner whose territory (or tier) in force on
`effective_from` (today when empty) differs from the file, a new assignment starts that day —
or replaces the one that already starts that very day — and the ranges are re-closed, so sales
before the day keep counting under the old territory and tier.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import insert, select, update

from portal.models import TIERS, Partner, PartnerTerritory, PartnerTier, Territory
from portal.models.partners import BEGINNING, close_ranges
from portal.models.trees import rebuild_paths
from workflows.validators import DateWindow

from . import fields
from .base import Counts, Importer, RowParser, lookup, register
from .errors import (
    REQUIRED,
    UNKNOWN_TERRITORY,
    UNKNOWN_TIER,
    FieldError,
    shown,
)
from .hierarchy import check_parents
from .reading import Layout


@dataclass(frozen=True, slots=True)
class PartnerRow:
    """One row; a cell that failed its check is None (the row is kept for cross-row checks)."""

    line: int
    code: str
    name: str | None
    parent_code: str | None
    territory_code: str | None
    tier: str | None
    country: str | None
    currency: str | None
    effective_from: date | None


def tier(value: str) -> str:
    """One of the programme tiers (portal.models.TIERS), spelt exactly."""
    if not value:
        raise FieldError(REQUIRED)
    if value not in TIERS:
        raise FieldError(UNKNOWN_TIER, value=shown(value), choices=", ".join(TIERS))
    return value


def optional_date(value: str, window: DateWindow) -> date | None:
    """An empty `effective_from` means "no date given"; see the module docstring."""
    return fields.dated(value, window) if value else None


class History:
    """The effective-dated assignments (territory or tier) of the partners in the file."""

    def __init__(self, model, value_column: str):
        self.model = model
        self.value_column = value_column
        self.rows: dict[int, list[Any]] = defaultdict(list)
        self.new: list[dict[str, Any]] = []
        self.replaced: list[dict[str, Any]] = []

    def load(self, session, partner_ids: Iterable[int]) -> None:
        m = self.model
        value = getattr(m, self.value_column).label("value")
        query = select(m.partner_id, m.id, m.valid_from, m.valid_to, value)
        for r in lookup(session, query, m.partner_id, partner_ids):
            self.rows[r.partner_id].append(r)

    def assign(self, partner_id: int, day: date, value: Any) -> bool:
        """Plan `value` from `day` on unless it is already in force then; True if it changes."""
        history = self.rows.get(partner_id, [])
        in_force = next(
            (
                h
                for h in history
                if h.valid_from <= day and (h.valid_to is None or day < h.valid_to)
            ),
            None,
        )
        if in_force is not None and in_force.value == value:
            return False
        same_day = next((h for h in history if h.valid_from == day), None)
        if same_day is not None:
            self.replaced.append({"id": same_day.id, self.value_column: value})
        else:
            self.new.append({"partner_id": partner_id, "valid_from": day, self.value_column: value})
        return True

    def write(self, session) -> None:
        if self.new:
            session.execute(insert(self.model), self.new)
        if self.replaced:
            session.execute(update(self.model), self.replaced)
        close_ranges(session, self.model, "partner_id")


@register
class PartnerImporter(Importer):
    kind = "partners"
    tables = ("partners", "partner_territories", "partner_tiers")
    layout = Layout(
        ("code", "name", "parent_code", "territory_code", "tier", "country", "currency"),
        ("effective_from",),
    )

    def __init__(self, context):
        super().__init__(context)
        self.rows: dict[str, PartnerRow] = {}
        self.territory_ids: dict[str, int] = {}
        self.stored: dict[str, Any] = {}

    def read(self, rows: Iterable[tuple[int, list[str]]]) -> None:
        for line, cells in rows:
            code, name, parent_code, territory_code, tier_, country, currency, effective = cells
            parse = RowParser(self.errors, line)
            row = PartnerRow(
                line,
                parse("code", fields.text, code, fields.CODE_LENGTH),
                parse("name", fields.name, name, fields.NAME_LENGTH),
                parse("parent_code", fields.text, parent_code, fields.CODE_LENGTH, required=False),
                parse("territory_code", fields.text, territory_code, fields.CODE_LENGTH),
                parse("tier", tier, tier_),
                parse("country", fields.country, country),
                parse("currency", fields.currency, currency),
                parse("effective_from", optional_date, effective, self.context.sale_dates),
            )
            self.keep_first("code", row)

    def check(self) -> None:
        codes = {row.territory_code for row in self.rows.values()} - {None}
        query = select(Territory.code, Territory.id)
        self.territory_ids = dict(lookup(self.session, query, Territory.code, codes))
        for row in self.rows.values():
            if row.territory_code is not None and row.territory_code not in self.territory_ids:
                value = shown(row.territory_code)
                self.errors.add(row.line, "territory_code", UNKNOWN_TERRITORY, value=value)
        columns = (Partner.id, Partner.code, Partner.name, Partner.parent_id)
        stored = self.session.execute(select(*columns, Partner.country, Partner.currency)).all()
        self.stored = {r.code: r for r in stored}
        code_of = {r.id: r.code for r in stored}
        known = {r.code: code_of.get(r.parent_id) for r in stored}
        file_parents = {code: (row.line, row.parent_code) for code, row in self.rows.items()}
        check_parents(self.errors, file_parents, known)

    def apply(self) -> Counts:
        ids = {code: r.id for code, r in self.stored.items()}
        new = [row for row in self.rows.values() if row.code not in ids]
        if new:
            values = [
                {"code": r.code, "name": r.name, "country": r.country, "currency": r.currency}
                for r in new
            ]
            created = self.session.execute(
                insert(Partner).returning(Partner.code, Partner.id), values
            )
            ids.update({r.code: r.id for r in created})
        territories = History(PartnerTerritory, "territory_id")
        tiers = History(PartnerTier, "tier")
        existing_ids = [ids[code] for code in self.rows if code in self.stored]
        territories.load(self.session, existing_ids)
        tiers.load(self.session, existing_ids)
        changes = []
        counts = Counts(inserted=len(new))
        for row in self.rows.values():
            partner_id = ids[row.code]
            stored = self.stored.get(row.code)
            wanted = {
                "name": row.name,
                "parent_id": ids[row.parent_code] if row.parent_code else None,
                "country": row.country,
                "currency": row.currency,
            }
            attributes_differ = stored is None or any(
                getattr(stored, key) != value for key, value in wanted.items()
            )
            if attributes_differ and (stored is not None or wanted["parent_id"] is not None):
                changes.append({"id": partner_id, **wanted})
            default_day = BEGINNING if stored is None else self.context.today
            day = row.effective_from or default_day
            moved = territories.assign(partner_id, day, self.territory_ids[row.territory_code])
            retiered = tiers.assign(partner_id, day, row.tier)
            if stored is not None:
                if attributes_differ or moved or retiered:
                    counts.updated += 1
                else:
                    counts.unchanged += 1
        if changes:
            self.session.execute(update(Partner), changes)
        territories.write(self.session)
        tiers.write(self.session)
        rebuild_paths(self.session, Partner)
        return counts
