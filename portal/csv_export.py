"""Streaming CSV downloads with spreadsheet formulas neutralised in every cell.

A streamed body is sent after the view has returned, when the request's app context has been
popped and its database session removed: a query result or a lazy load carried over from the
view would fail half-way through the download. `csv_response` therefore takes either rows that
are already plain values (a list) or a function that queries them, and calls that function while
the body is sent, inside a context of its own (`streamed_body`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence

from flask import Response, current_app
from flask.globals import request_ctx

from .downloads import content_disposition

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """Prefix text that a spreadsheet would run as a formula with an apostrophe."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_PREFIXES) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_rows(header: Iterable[str], rows: Iterable[Iterable]) -> Iterable[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    yield buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([safe_cell(v) for v in row])
        yield buffer.getvalue()


CHUNK_BYTES = 64 * 1024
RowSource = Sequence[Iterable] | Callable[[], Iterable[Iterable]]


def streamed_body(produce: Callable[[], Iterable[str]]) -> Iterator[str]:
    """A response body produced while it is sent, inside its own app context (its own database
    session and `g`) and a copy of the request's context. Both are popped, with the app's
    teardown (the session removed), when the body ends, fails or the server closes the
    response because the client went away."""
    app = current_app._get_current_object()
    request_copy = request_ctx.copy()

    def body() -> Iterator[str]:
        with app.app_context(), request_copy:
            yield from produce()

    return body()


def _chunks(pieces: Iterable[str], size: int = CHUNK_BYTES) -> Iterator[str]:
    """Join small pieces into chunks of about `size` characters (one socket write each)."""
    batch: list[str] = []
    length = 0
    for piece in pieces:
        batch.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(batch)
            batch, length = [], 0
    if batch:
        yield "".join(batch)


def _row_source(rows: RowSource) -> Callable[[], Iterable[Iterable]]:
    if callable(rows):
        return rows
    if isinstance(rows, Sequence):
        return lambda: rows  # values computed in the view: nothing left to query
    # A generator made in the view iterates a result of the view's session, which is gone by
    # the time the body is sent.
    raise TypeError("csv_response takes a list of rows or a function that queries them")


def csv_response(filename: str, header: Sequence[str], rows: RowSource) -> Response:
    """A CSV download. `rows` is a list of plain values, or a function that queries the rows
    (e.g. with `yield_per`) and is called while the body is sent, so memory stays bounded."""
    produce = _row_source(rows)
    response = Response(
        streamed_body(lambda: _chunks(csv_rows(header, produce()))), mimetype="text/csv"
    )
    response.headers["Content-Disposition"] = content_disposition(filename)
    return response
