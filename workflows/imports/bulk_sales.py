"""The bulk path of the sales import: a plain file goes to PostgreSQL's COPY as it is.

A sales file of millions of lines spends most of its import in Python, splitting each line and
checking each cell. Nearly every large feed is *plain*: unquoted cells of printable ASCII with
no space at either end, numbers of at most 14 whole digits and 4 decimals, YYYY-MM-DD dates,
three-letter currency codes. For such a file one compiled pattern vouches for a whole
megabyte of lines at a time, and the bytes go unchanged to `COPY … (FORMAT csv)` into a table
of the file's cells, whose typed columns (a date, numerics) make PostgreSQL parse every cell;
the stage is a view over it (staging.py). One query then checks what the pattern cannot: dates
within the allowed window, currencies that exist, no line with a sale's quantity and a
return's amount; the same pass counts the lines naming unknown partners and products and
lists the file's months, so the checks and the merge need not read the file again for them.
From there the import is the same: the set-based checks and the merge.

The bulk path only ever says "these are exactly the rows the row path would stage" or "not
sure": anything else — a quote, a CR, a blank line, a cell outside the plain rules, a value
PostgreSQL refuses, a date outside the window — rolls its work back and the row path reads the
file, so every problem is reported exactly as before, with its line. Only files given by path
are read this way (the CLI and the import page's stored uploads); SQLite imports always take
the row path. tests/imports/test_bulk_sales.py compares the two paths on generated files.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import psycopg
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from workflows.validators import InvalidValue

from . import fields
from .errors import FieldError
from .reading import BOM, PROGRESS_EVERY, Layout
from .staging import Stage

CHUNK = 1 << 20
_CELL = rb"[ !#-+\--~]"  # printable ASCII but the comma and the quote
_NUMBER = rb"-?[0-9]{1,14}(?:\.[0-9]{1,4})?"
PLAIN_CELLS = {
    "external_id": _CELL + rb"{1,128}",
    "partner_code": _CELL + rb"{1,%d}" % fields.CODE_LENGTH,
    "sku": _CELL + rb"{1,%d}" % fields.CODE_LENGTH,
    "sold_on": rb"[0-9]{4}-[0-9]{2}-[0-9]{2}",
    "quantity": _NUMBER,
    "amount": _NUMBER,
    "currency": rb"[A-Z]{3}",
    "deal_ref": _CELL + rb"{0,64}",
}
EDGE_SPACES = (b" ,", b", ", b" \n", b"\n ")
# One pass over the COPYed cells: per currency and month, what the pattern cannot vouch for
# (dates within the window, no line with a sale's quantity and a return's amount), and how
# many lines name a partner or a product that does not exist (the checks report them).
SUMMARY = """
SELECT c.currency, CAST(date_trunc('month', CAST(c.sold_on AS timestamp)) AS date),
       min(c.sold_on), max(c.sold_on), count(*),
       bool_or(c.quantity > 0 AND c.amount < 0 OR c.quantity < 0 AND c.amount > 0),
       count(*) - count(p.id), count(*) - count(pr.id)
FROM {copied} c
LEFT JOIN partners p ON p.code = c.partner_code
LEFT JOIN products pr ON pr.sku = c.sku
GROUP BY 1, 2"""


@dataclass(frozen=True)
class Summary:
    """What the bulk path learnt of a file it took."""

    lines: int
    months: frozenset[date]  # the first days of its lines' months
    unknown_partners: bool  # some line names a partner code that does not exist
    unknown_products: bool


def header_columns(path: Path, layout: Layout) -> list[str] | None:
    """The file's columns in file order, or None when the header is not plainly right (the
    row path then reports what is wrong with it)."""
    with open(path, encoding="utf-8", newline="") as handle:
        try:
            first = handle.readline()
        except UnicodeDecodeError:
            return None
    header = next(csv.reader([first]), None)
    if not header:
        return None
    names = [cell.strip() for cell in header]
    names[0] = names[0].removeprefix(BOM)
    if (
        len(set(names)) != len(names)
        or not set(layout.required) <= set(names)
        or not set(names) <= set(layout.columns)
    ):
        return None
    return names


class _Decline(Exception):
    """The file is one the row path must read."""


def _plain_chunks(handle, columns: list[str]) -> Iterator[bytes]:
    """The file after its header, in chunks of whole lines, each vouched for by the pattern;
    raises _Decline at the first chunk that is not plain."""
    line = b",".join(PLAIN_CELLS[name] for name in columns)
    lines = re.compile(rb"(?:" + line + rb"\n)*")
    handle.readline()  # the header, checked already
    rest = b""
    while block := handle.read(CHUNK):
        block = rest + block
        end = block.rfind(b"\n") + 1
        chunk, rest = block[:end], block[end:]
        if chunk:
            if chunk[:1] == b" " or any(edge in chunk for edge in EDGE_SPACES):
                raise _Decline
            if not lines.fullmatch(chunk):
                raise _Decline
            yield chunk
    if rest:  # the last line, without its newline
        if rest[:1] == b" " or any(edge in rest + b"\n" for edge in EDGE_SPACES):
            raise _Decline
        if not lines.fullmatch(rest + b"\n"):
            raise _Decline
        yield rest


class BulkSales:
    """Stage a plain sales file with COPY, or decline (leaving nothing behind)."""

    def __init__(self, session: Session, stage: Stage, sale_dates, progress=None, total=None):
        self.session = session
        self.stage = stage
        self.sale_dates = sale_dates
        self.progress: Callable[[int, int | None], None] | None = progress
        self.total = total
        self.columns: tuple[str, ...] = ()
        self.summary: Summary | None = None

    def stage_file(self, path: Path, layout: Layout) -> int | None:
        """Rows staged, or None when the row path must read the file."""
        columns = header_columns(path, layout)
        if columns is None:
            return None
        self.columns = tuple(c for c in layout.columns if c in columns)
        savepoint = self.session.begin_nested()
        try:
            staged = self._stage(path, columns)
        except (psycopg.Error, DBAPIError, _Decline, UnicodeDecodeError):
            # a line that is not plain, or a value PostgreSQL refuses (such as 2026-02-30):
            # the row path reports it with its line
            savepoint.rollback()
            return None
        if staged is None:
            savepoint.rollback()
            return None
        savepoint.commit()
        return staged

    def _stage(self, path: Path, columns: list[str]) -> int | None:
        connection = self.session.connection()
        copied = self.stage.create_for_copy()
        statement = f"COPY {copied} ({', '.join(columns)}) FROM STDIN (FORMAT csv)"
        raw = connection.connection.dbapi_connection
        lines = reported = 0
        with open(path, "rb") as handle, raw.cursor() as cursor, cursor.copy(statement) as copy:
            for chunk in _plain_chunks(handle, columns):
                lines += chunk.count(b"\n") + (chunk[-1:] != b"\n")
                copy.write(chunk)
                # the rows sent so far, at the steps the row path reports
                while self.progress is not None and lines >= reported + PROGRESS_EVERY:
                    reported += PROGRESS_EVERY
                    self.progress(reported, self.total)
        found = connection.execute(text(SUMMARY.format(copied=copied))).all()
        if sum(count for _c, _m, _f, _l, count, *_rest in found) != lines:
            return None
        for currency, _month, first, last, _count, mixed, _partners, _products in found:
            if mixed or not (self._currency_ok(currency) and self._day_ok(first, last)):
                return None
        self.summary = Summary(
            lines=lines,
            months=frozenset(month for _currency, month, *_rest in found),
            unknown_partners=any(row[6] for row in found),
            unknown_products=any(row[7] for row in found),
        )
        # a table made in this transaction is not auto-analysed: the checks and the merge need
        # statistics
        connection.execute(text(f"ANALYZE {copied}"))
        self.stage.view_copied(copied)
        return lines

    def _day_ok(self, first, last) -> bool:
        try:
            self.sale_dates.check(first)
            self.sale_dates.check(last)
        except InvalidValue:
            return False
        return True

    @staticmethod
    def _currency_ok(value: str) -> bool:
        try:
            fields.currency(value)
        except FieldError:
            return False
        return True


def usable_path(source) -> Path | None:
    """The file to COPY from, when the source is a path to a regular file."""
    if isinstance(source, str | os.PathLike) and os.path.isfile(source):
        return Path(source)
    return None
