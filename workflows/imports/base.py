"""What every importer shares: the result, the counts, the registry and small query helpers."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

from sqlalchemy import Select, insert, update
from sqlalchemy.orm import Session

from workflows.validators import DateWindow

from .errors import DUPLICATE_KEY, ErrorList, FieldError, RowError, shown
from .reading import CsvFile, Layout

LOOKUP_CHUNK = 500


@dataclass
class Counts:
    """Rows that created a record, changed one, or matched one exactly."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportResult:
    """The outcome of one import; `ok` is False when any row was rejected (nothing changed)."""

    kind: str
    rows_total: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    filename: str = ""
    error_count: int = 0
    stale_months: frozenset[date] | None = None  # see Importer.stale_months

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> dict[str, Any]:
        """The figures recorded in the audit trail."""
        return {
            "kind": self.kind,
            "filename": self.filename,
            "dry_run": self.dry_run,
            "ok": self.ok,
            "rows_total": self.rows_total,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": self.error_count,
        }


@dataclass(frozen=True)
class Context:
    """What an importer needs besides the rows: where to write and on whose behalf."""

    session: Session
    errors: ErrorList
    batch_id: int | None
    dry_run: bool
    today: date
    base_currency: str
    sale_dates: DateWindow  # sale lines, FX rates and effective dates fall in it
    work_mem: str | None = None  # PostgreSQL work_mem for the import's set-based statements


class Importer(ABC):
    """Reads and validates every row, checks them against the database, then writes them.

    `apply` runs only when no row was rejected; the caller wraps all three in a SAVEPOINT.
    """

    kind: ClassVar[str]
    layout: ClassVar[Layout]
    tables: ClassVar[tuple[str, ...]]  # what `apply` writes, one row or more per file row
    # The months of sales whose roll-up the import left out of date (their first days), to be
    # rebuilt once it commits: none when it changed nothing or brought the roll-up up to date
    # itself, None when it cannot say (the whole roll-up is rebuilt after an import that
    # affects it).
    stale_months: frozenset[date] | None = None

    def __init__(self, context: Context):
        self.context = context
        self.session = context.session
        self.errors = context.errors

    def keep_first(self, key: str, row) -> None:
        """Keep `row` in `self.rows` under its `key` cell, kept even when another cell is bad
        (for the cross-row checks); a repeated key is a row error naming the first line, a key
        that failed its own check keeps nothing."""
        value = getattr(row, key)
        if value is not None and value in self.rows:
            first = self.rows[value].line
            self.errors.add(row.line, key, DUPLICATE_KEY, value=shown(value), first=first)
        elif value is not None:
            self.rows[value] = row

    @abstractmethod
    def read(self, rows: Iterable[tuple[int, list[str]]]) -> None:
        """Check each row's cells and keep what `check` and `apply` need."""

    def read_file(self, csv_file: CsvFile) -> None:
        """Read the whole file: row by row through the cell checks (an importer may have a
        faster way for files that allow it)."""
        self.read(csv_file.rows())

    @abstractmethod
    def check(self) -> None:
        """Cross-row and database checks, after the whole file was read."""

    @abstractmethod
    def apply(self) -> Counts:
        """Write the file's rows (or, on a dry run, count what would change)."""


IMPORTERS: dict[str, type[Importer]] = {}


def register(importer: type[Importer]) -> type[Importer]:
    IMPORTERS[importer.kind] = importer
    return importer


class RowParser:
    """Collects the field errors of one row so every bad cell is reported, not just the first."""

    def __init__(self, errors: ErrorList, line: int):
        self.errors = errors
        self.line = line
        self.ok = True

    def __call__(self, column: str, parse, *args, **kwargs):
        try:
            return parse(*args, **kwargs)
        except FieldError as exc:
            self.errors.add_field(self.line, column, exc)
            self.ok = False
            return None


def chunked(items: Sequence[Any], size: int = LOOKUP_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def upsert(session: Session, model, stored, wanted: Iterable[tuple[Any, dict, dict]], **stamp):
    """Write `wanted` (key, identity, values) rows against the `stored` records by key: insert
    the missing ones, update (by id) those whose values differ, count the rest unchanged;
    `stamp` columns are written with every insert and update."""
    new, changes, counts = [], [], Counts()
    for key, identity, values in wanted:
        record = stored.get(key)
        if record is None:
            new.append({**identity, **values, **stamp})
        elif any(getattr(record, name) != value for name, value in values.items()):
            changes.append({"id": record.id, **values, **stamp})
        else:
            counts.unchanged += 1
    if new:
        session.execute(insert(model), new)
    if changes:
        session.execute(update(model), changes)
    counts.inserted, counts.updated = len(new), len(changes)
    return counts


def lookup(session: Session, query: Select, key_column, keys: Iterable[Any]) -> list[Any]:
    """Rows of `query` whose `key_column` is one of `keys`, fetched in bounded IN-lists."""
    found: list[Any] = []
    for chunk in chunked(sorted(set(keys))):
        found.extend(session.execute(query.where(key_column.in_(chunk))).all())
    return found
