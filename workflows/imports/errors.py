"""Row errors of an import: English templates with named placeholders, translated by the web layer.

Each error is stored as {row, column, message, params}. `row` is the line number in the file,
counting the header as line 1 (so it matches the row number a spreadsheet shows); it is None for
problems with the file as a whole. `message` is the English template, the catalog key the pages
translate with `gettext(message, **params)`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from workflows import validators
from workflows.engine.i18n import N_, render_message
from workflows.validators import InvalidValue

shown = validators.shown

EMPTY_FILE = N_("The file is empty: the first line must be the header row.")
NOT_UTF8 = N_("The file is not UTF-8 text (line %(line)s cannot be decoded). Save it as CSV UTF-8.")
UNREADABLE = N_("The file cannot be read: %(reason)s.")
MALFORMED = N_("The CSV structure is broken: %(reason)s.")
MISSING_COLUMNS = N_("Missing column(s): %(columns)s. The header must have: %(expected)s.")
UNKNOWN_COLUMNS = N_("Unknown column(s): %(columns)s. Allowed columns: %(expected)s.")
DUPLICATE_COLUMN = N_("The column %(name)s appears more than once in the header.")
FIELD_COUNT = N_("This row has %(found)s values but the header has %(expected)s columns.")

REQUIRED = N_("A value is required.")
TOO_LONG = N_("The value has %(length)s characters; at most %(max)s are allowed.")
BAD_DATE = N_("%(value)s is not a date: use YYYY-MM-DD, for example 2026-07-01.")
BAD_NUMBER = N_("%(value)s is not a number: use digits and a dot, for example 1234.50.")
TOO_PRECISE = N_("%(value)s has more than %(places)s decimal places.")
TOO_LARGE = N_("%(value)s is too large.")
NOT_POSITIVE = N_("%(value)s must be greater than zero.")
MIXED_SIGNS = N_(
    "Quantity %(quantity)s and amount %(amount)s have opposite signs: "
    "a sale has both positive, a return both negative."
)
BAD_CURRENCY = validators.BAD_CURRENCY
BAD_COUNTRY = validators.BAD_COUNTRY
TOO_EARLY = validators.TOO_EARLY
TOO_LATE = validators.TOO_LATE
BAD_CHARACTER = validators.BAD_CHARACTER
BASE_CURRENCY = N_("%(value)s is the base currency: its rate is always 1.")
UNKNOWN_TIER = N_("Unknown tier %(value)s: use one of %(choices)s.")
UNKNOWN_TERRITORY = N_("No territory has the code %(value)s.")
UNKNOWN_CATEGORY = N_("No product category has the code %(value)s.")
UNKNOWN_PARTNER = N_("No partner has the code %(value)s.")
UNKNOWN_PRODUCT = N_("No product has the SKU %(value)s.")
UNKNOWN_PARENT = N_("No row of this file and no existing record has the code %(value)s.")
DUPLICATE_KEY = N_("%(value)s already appears on row %(first)s of this file.")
CYCLE = N_("The parent %(value)s makes a loop: %(chain)s.")
MORE_ERRORS = N_("%(count)s more errors are not listed.")


@dataclass(frozen=True)
class RowError:
    """One problem: where (file line and column) and what (template + parameters)."""

    row: int | None
    column: str | None
    message: str
    params: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def render(self) -> str:
        """The message in English, its placeholders filled."""
        return render_message(self.message, self.params)

    def __str__(self) -> str:
        where = [f"row {self.row}"] if self.row is not None else []
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.render()}" if where else self.render()


# A cell value is invalid: the shared check's error, carrying its template and parameters.
FieldError = InvalidValue


class ErrorList:
    """Every error is counted; the first `limit` are kept (in file order) for the report."""

    def __init__(self, limit: int):
        self.limit = limit
        self.total = 0
        self._kept: list[RowError] = []

    def __bool__(self) -> bool:
        return self.total > 0

    def __len__(self) -> int:
        return self.total

    @property
    def room(self) -> int:
        """How many more errors would still be kept."""
        return max(0, self.limit - len(self._kept))

    def add(self, row: int | None, column: str | None, message: str, /, **params: Any) -> None:
        self.total += 1
        if len(self._kept) < self.limit:
            # Kept as JSON with the batch; a date reads as the file writes it (YYYY-MM-DD).
            kept = {k: v.isoformat() if isinstance(v, date) else v for k, v in params.items()}
            self._kept.append(RowError(row, column, message, kept))

    def add_field(self, row: int, column: str, error: FieldError) -> None:
        self.add(row, column, error.template, **error.params)

    def count_more(self, count: int) -> None:
        """Count errors found by a query that only fetched the first few of them."""
        self.total += count

    def listed(self, columns: tuple[str, ...] = ()) -> list[RowError]:
        """The kept errors by line (then in `columns` order), and how many more were found."""
        order = {column: i for i, column in enumerate(columns)}

        def position(error: RowError) -> tuple[int, int]:
            return (-1 if error.row is None else error.row, order.get(error.column, -1))

        kept = sorted(self._kept, key=position)
        hidden = self.total - len(kept)
        if hidden > 0:
            kept.append(RowError(None, None, MORE_ERRORS, {"count": hidden}))
        return kept
