"""Streaming a CSV file row by row: UTF-8 (BOM tolerated), header checked, cells trimmed.

Rows are numbered by the file line they start on, the header being line 1, so the numbers in
error messages match what a spreadsheet or a text editor shows.
"""

from __future__ import annotations

import csv
import io
import operator
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .errors import (
    DUPLICATE_COLUMN,
    EMPTY_FILE,
    FIELD_COUNT,
    MALFORMED,
    MISSING_COLUMNS,
    NOT_UTF8,
    UNKNOWN_COLUMNS,
    UNREADABLE,
    ErrorList,
    shown,
)

Source = str | os.PathLike | IO[bytes] | IO[str]
ProgressCallback = Callable[[int, int | None], None]
PROGRESS_EVERY = 10_000
COUNT_CHUNK = 1 << 20
BOM = "\ufeff"


@dataclass(frozen=True)
class Layout:
    """The columns of one kind of file: all required ones, and the optional ones it may add."""

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


def source_name(source: Source) -> str:
    """The file name to show and audit (no directories)."""
    if isinstance(source, str | os.PathLike):
        return Path(source).name
    return Path(str(getattr(source, "name", "") or "upload.csv")).name


def count_data_lines(source: Source) -> int | None:
    """Cheap progress total: newlines in the file minus the header (None for streams)."""
    if not isinstance(source, str | os.PathLike):
        return None
    try:
        with open(source, "rb") as handle:
            lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(COUNT_CHUNK), b""))
    except OSError:
        return None
    return max(0, lines - 1)


def _first_undecodable_line(handle: IO[bytes]) -> int | None:
    """Re-scan a seekable binary file for the first line that is not UTF-8 (error path only)."""
    if not handle.seekable():
        return None
    handle.seek(0)
    for number, raw in enumerate(handle, start=1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return number
    return None


class CsvFile:
    """Yields (line, cells in layout order) for each well-formed row; reports the rest."""

    def __init__(
        self,
        source: Source,
        layout: Layout,
        errors: ErrorList,
        progress: ProgressCallback | None = None,
        total: int | None = None,
    ):
        self.source = source
        self.layout = layout
        self.errors = errors
        self.progress = progress
        self.total = total
        self.rows_read = 0
        self.columns: tuple[str, ...] = ()

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """Every data row, in file order; stops at the first undecodable or malformed line."""
        if isinstance(self.source, io.TextIOBase):
            yield from self._rows(self.source)
            return
        if not isinstance(self.source, str | os.PathLike):
            text = io.TextIOWrapper(self.source, encoding="utf-8-sig", newline="")
            try:
                yield from self._rows(text, self.source)
            finally:
                text.detach()  # the caller owns the stream: leave it open
            return
        try:
            handle = open(self.source, "rb")  # noqa: SIM115 - closed below, after the last row
        except OSError as exc:
            self.errors.add(None, None, UNREADABLE, reason=exc.strerror or str(exc))
            return
        with handle, io.TextIOWrapper(handle, encoding="utf-8-sig", newline="") as text:
            yield from self._rows(text, handle)

    def _rows(self, text: IO[str], raw: IO[bytes] | None = None) -> Iterator[tuple[int, list[str]]]:
        reader = csv.reader(text, strict=True)
        try:
            header = next(reader, None)
            picks = self._check_header(header)
            if picks is None:
                return
            width = len(header)
            # absent optional columns read the empty cell appended at index `width`
            pick = operator.itemgetter(*(width if i is None else i for i in picks))
            pad = None in picks
            while True:
                line = reader.line_num + 1
                cells = next(reader, None)
                if cells is None:
                    break
                if not any(cells):
                    continue  # blank lines and rows of empty cells carry no data
                self.rows_read += 1
                if len(cells) != width:
                    self.errors.add(line, None, FIELD_COUNT, found=len(cells), expected=width)
                    continue
                if self.progress is not None and self.rows_read % PROGRESS_EVERY == 0:
                    self.progress(self.rows_read, self.total)
                if pad:
                    cells.append("")
                yield line, list(map(str.strip, pick(cells)))
        except UnicodeDecodeError:
            # decoding runs ahead of the reader by a buffer, so find the exact line again
            bad_line = _first_undecodable_line(raw) if raw is not None else None
            self.errors.add(None, None, NOT_UTF8, line=bad_line or reader.line_num + 1)
        except csv.Error as exc:
            self.errors.add(reader.line_num, None, MALFORMED, reason=shown(str(exc)))

    def read_in_bulk(self, rows_read: int, columns: tuple[str, ...]) -> None:
        """Record that another reader took the whole file (its header being plainly right)."""
        self.rows_read = rows_read
        self.columns = columns

    def _check_header(self, header: list[str] | None) -> list[int | None] | None:
        """Positions of the layout's columns in the file, or None (and errors) if it is wrong."""
        if header is None or not any(cell.strip() for cell in header):
            self.errors.add(None, None, EMPTY_FILE)
            return None
        names = [cell.strip() for cell in header]
        names[0] = names[0].removeprefix(BOM)  # text streams keep the BOM the codec drops
        expected = ", ".join(self.layout.columns)
        ok = True
        for name in dict.fromkeys(n for n in names if names.count(n) > 1):
            self.errors.add(1, name, DUPLICATE_COLUMN, name=shown(name))
            ok = False
        missing = [c for c in self.layout.required if c not in names]
        if missing:
            self.errors.add(1, None, MISSING_COLUMNS, columns=", ".join(missing), expected=expected)
            ok = False
        unknown = [n for n in names if n not in self.layout.columns]
        if unknown:
            shown_names = ", ".join(shown(n) or '""' for n in unknown)
            self.errors.add(1, None, UNKNOWN_COLUMNS, columns=shown_names, expected=expected)
            ok = False
        if not ok:
            return None
        self.columns = tuple(c for c in self.layout.columns if c in names)
        return [names.index(c) if c in names else None for c in self.layout.columns]
