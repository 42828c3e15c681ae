"""Sales lines: `external_id,partner_code,sku,sold_on,quantity,amount,currency[,deal_ref]`.

Rows stream through the cell checks into a temporary staging table; unknown partners and SKUs
and repeated `external_id`s are then found with set-based SQL, and valid files are merged
with two statements. `external_id` is the identity of a line: re-importing identical content
leaves it "unchanged"; different content is a restatement that updates the stored line (the
next calculation run turns the difference into adjustment lines).

Signs: a sale has quantity and amount >= 0, a return has both <= 0; opposite signs are
refused. Zero is allowed on either side (free units, price-only corrections, and a 0/0
restatement that cancels a line).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import Any

from sqlalchemy import Integer, Select, exists, func, insert, literal, or_, select, text, update

from portal.models import Partner, Product, SaleLine
from workflows import rollups
from workflows.deals.refs import OTHER_PARTNER, deal_refs_of_other_partners

from . import fields
from .base import Counts, Importer, register
from .bulk_indexes import load_then_index, worth_rebuilding
from .bulk_sales import BulkSales, Summary, usable_path
from .errors import (
    DUPLICATE_KEY,
    MIXED_SIGNS,
    TOO_LONG,
    UNKNOWN_PARTNER,
    UNKNOWN_PRODUCT,
    FieldError,
    shown,
)
from .reading import CsvFile, Layout
from .staging import STAGE, Stage

AMOUNT_PLACES = 4
AMOUNT_WHOLE_DIGITS = 14  # 1e14 × 1e4 units still fits a BIGINT
EXTERNAL_ID_LENGTH = 128
DEAL_REF_LENGTH = 64
CACHE_LIMIT = 10_000
parse_external_id = partial(fields.text, max_length=EXTERNAL_ID_LENGTH)
parse_code = partial(fields.text, max_length=fields.CODE_LENGTH)
parse_deal_ref = partial(fields.text, max_length=DEAL_REF_LENGTH, required=False)
parse_units = partial(fields.scaled_int, places=AMOUNT_PLACES, max_whole_digits=AMOUNT_WHOLE_DIGITS)

# What a line says; a re-imported external_id whose content differs is a restatement.
CONTENT = ("partner_id", "product_id", "sold_on", "quantity", "amount", "currency", "deal_ref")
LINES = SaleLine.__table__
# The last of `count` consecutive line ids taken from the lines' sequence at once.
RESERVE_IDS = text(
    """
    SELECT setval(pg_get_serial_sequence('sale_lines', 'id'),
                  nextval(pg_get_serial_sequence('sale_lines', 'id')) + :count - 1)
    """
)
PARTNERS = Partner.__table__
PRODUCTS = Product.__table__
S = STAGE.c


def unknown_partners() -> tuple[str, str, Select]:
    query = select(S.line, S.partner_code.label("value")).where(
        S.partner_code.is_not(None), ~exists().where(PARTNERS.c.code == S.partner_code)
    )
    return "partner_code", UNKNOWN_PARTNER, query


def unknown_products() -> tuple[str, str, Select]:
    query = select(S.line, S.sku.label("value")).where(
        S.sku.is_not(None), ~exists().where(PRODUCTS.c.sku == S.sku)
    )
    return "sku", UNKNOWN_PRODUCT, query


def repeated_external_ids() -> tuple[str, str, Select]:
    firsts = (
        select(S.external_id, func.min(S.line).label("first"))
        .where(S.external_id.is_not(None))
        .group_by(S.external_id)
        .having(func.count() > 1)
        .subquery()
    )
    query = (
        select(S.line, S.external_id.label("value"), firsts.c.first)
        .join(firsts, firsts.c.external_id == S.external_id)
        .where(S.line > firsts.c.first)
    )
    return "external_id", DUPLICATE_KEY, query


# Set-based checks over the staged rows. Each gives the column it reports on, the message, and
# a query of (line, value, further message parameters). A check of another column against the
# database (such as deal_ref against the partner's deal registrations) is one more entry here.
def foreign_deal_refs() -> tuple[str, str, Select]:
    """A line may only reference a deal registration of its own partner."""
    query = deal_refs_of_other_partners(S.line, S.partner_code, S.deal_ref)
    return "deal_ref", OTHER_PARTNER, query


STAGED_CHECKS: list[Callable[[], tuple[str, str, Select]]] = [
    unknown_partners,
    unknown_products,
    repeated_external_ids,
    foreign_deal_refs,
]


def _resolved():
    """Staged rows with partner and product ids: what a sale line should hold."""
    return (
        select(
            S.external_id,
            PARTNERS.c.id.label("partner_id"),
            PRODUCTS.c.id.label("product_id"),
            S.sold_on,
            S.quantity,
            S.amount,
            S.currency,
            S.deal_ref,
        )
        .join(PARTNERS, PARTNERS.c.code == S.partner_code)
        .join(PRODUCTS, PRODUCTS.c.sku == S.sku)
        .subquery("resolved")
    )


@register
class SalesImporter(Importer):
    kind = "sales"
    tables = ("sale_lines",)
    layout = Layout(
        ("external_id", "partner_code", "sku", "sold_on", "quantity", "amount", "currency"),
        ("deal_ref",),
    )

    def __init__(self, context):
        super().__init__(context)
        self.stage = Stage(self.session.connection())
        self.staged = 0
        # what the bulk path learnt of the file in passing (None: read row by row)
        self.summary: Summary | None = None

    def read_file(self, csv_file: CsvFile) -> None:
        """A clean file given by path goes through PostgreSQL's COPY (bulk_sales); any other,
        or one the bulk path declines, row by row."""
        if self.stage.postgres and self.context.work_mem:
            # for the rest of the import's transaction
            self.session.execute(select(func.set_config("work_mem", self.context.work_mem, True)))
        path = usable_path(csv_file.source) if self.stage.postgres else None
        if path is not None:
            bulk = BulkSales(
                self.session, self.stage, self.context.sale_dates, csv_file.progress, csv_file.total
            )
            staged = bulk.stage_file(path, self.layout)
            if staged is not None:
                self.staged, self.summary = staged, bulk.summary
                csv_file.read_in_bulk(staged, bulk.columns)
                return
        self.read(csv_file.rows())

    def read(self, rows: Iterable[tuple[int, list[str]]]) -> None:
        self.stage.create()
        self.staged = self.stage.fill(self._checked(rows))

    def _checked(self, rows: Iterable[tuple[int, list[str]]]) -> Iterator[tuple[Any, ...]]:
        """Cell checks on each row; bad cells are staged as NULL so the set checks still run.

        This loop runs once per line of files with millions of lines: valid dates, currencies
        and repeated numbers are remembered, and the parsers only run for new or bad values.
        """
        errors = self.errors
        good_dates: set[str] = set()
        good_currencies: set[str] = set()
        numbers: dict[str, int] = {}
        sale_date = partial(fields.dated, window=self.context.sale_dates)

        def cell(line: int, column: str, parse: Callable[[str], Any], value: str) -> Any:
            try:
                return parse(value)
            except FieldError as exc:
                errors.add_field(line, column, exc)
                return None

        def number(line: int, column: str, value: str) -> int | None:
            units = numbers.get(value)
            if units is None:
                units = cell(line, column, parse_units, value)
                if units is not None and len(numbers) < CACHE_LIMIT:
                    numbers[value] = units
            return units

        for line, cells in rows:
            external_id, partner_code, sku, sold_on, quantity, amount, currency, deal_ref = cells
            if (
                not external_id
                or len(external_id) > EXTERNAL_ID_LENGTH
                or not external_id.isprintable()
            ):
                external_id = cell(line, "external_id", parse_external_id, external_id)
            if (
                not partner_code
                or len(partner_code) > fields.CODE_LENGTH
                or not partner_code.isprintable()
            ):
                partner_code = cell(line, "partner_code", parse_code, partner_code)
            if not sku or len(sku) > fields.CODE_LENGTH or not sku.isprintable():
                sku = cell(line, "sku", parse_code, sku)
            if sold_on not in good_dates:
                if cell(line, "sold_on", sale_date, sold_on) is None:
                    sold_on = None
                elif len(good_dates) < CACHE_LIMIT:
                    good_dates.add(sold_on)
            q = number(line, "quantity", quantity)
            a = number(line, "amount", amount)
            if q is not None and a is not None and ((q > 0 and a < 0) or (q < 0 and a > 0)):
                errors.add(line, "amount", MIXED_SIGNS, quantity=quantity, amount=amount)
            if currency not in good_currencies:
                if cell(line, "currency", fields.currency, currency) is None:
                    currency = None
                elif len(good_currencies) < CACHE_LIMIT:
                    good_currencies.add(currency)
            if len(deal_ref) > DEAL_REF_LENGTH:
                errors.add(line, "deal_ref", TOO_LONG, length=len(deal_ref), max=DEAL_REF_LENGTH)
            elif not deal_ref.isprintable():
                deal_ref = cell(line, "deal_ref", parse_deal_ref, deal_ref) or ""
            yield (
                line,
                external_id,
                partner_code,
                sku,
                sold_on,
                q,
                a,
                currency,
                deal_ref.upper() or None,
            )

    def check(self) -> None:
        clean = self._known_clean()
        for make_check in STAGED_CHECKS:
            if make_check in clean:
                continue  # the usual file: no line to report, known without another pass
            # the query names the stage, which numbering its lines replaces under that name
            column, message, query = make_check()
            if make_check is repeated_external_ids:
                if self.stage.external_ids_distinct():
                    continue  # no line to report, known without grouping the ids
            elif not self.stage.numbered and not self.session.scalar(select(query.exists())):
                continue
            self.stage.number_lines()  # the lines to report need their numbers
            self._report(column, message, query)

    def _known_clean(self) -> tuple[Callable[[], tuple[str, str, Select]], ...]:
        """The checks the bulk path's pass over the file already found nothing for."""
        summary = self.summary
        if summary is None:
            return ()
        clean = {
            unknown_partners: summary.unknown_partners,
            unknown_products: summary.unknown_products,
        }
        return tuple(check for check, found in clean.items() if not found)

    def _report(self, column: str, message: str, query: Select) -> None:
        """Keep the first offending rows the error list has room for, and count all of them."""
        room = self.errors.room
        found = []
        if room:
            found = self.session.execute(query.order_by(S.line).limit(room)).all()
        for row in found:
            params = {k: shown(v) if isinstance(v, str) else v for k, v in row._mapping.items()}
            self.errors.add(params.pop("line"), column, message, **params)
        if len(found) == room:
            total = self.session.scalar(select(func.count()).select_from(query.subquery()))
            self.errors.count_more(total - len(found))

    def _months(self, resolved, same_line, changed, inserted: int, differing: int):
        """The months the merge is about to change: those of the file's lines, and those a
        restated line leaves (read before it is restated); none when nothing will change."""
        if not (inserted or differing):
            return frozenset()
        if self.summary is not None and not differing:
            return self.summary.months
        days = select(S.sold_on).distinct()
        if differing:
            left = select(LINES.c.sold_on).select_from(resolved.join(LINES, same_line))
            days = days.union(left.where(changed).distinct())
        return frozenset(day.replace(day=1) for day in self.session.scalars(days))

    def _new_ids(self, count: int) -> tuple[int, list]:
        """The highest line id before the insert, and what numbers the new lines. On
        PostgreSQL the ids of `count` lines are taken from the sequence at once and the insert
        numbers its rows itself: asking the sequence once per line took a fifth of the
        insert's time. Every writer of sales lines holds the sales lock, so no other takes an
        id in between. On SQLite the table numbers them."""
        if not self.stage.postgres:
            highest = self.session.scalar(select(func.coalesce(func.max(LINES.c.id), 0)))
            return highest, []
        last = self.session.scalar(RESERVE_IDS, {"count": count})
        first = last - count + 1
        return first - 1, [(literal(first - 1) + func.row_number().over()).label("id")]

    def apply(self) -> Counts:
        """One join of the file's lines with the stored ones tells new, changed and unchanged
        lines apart; then the changed ones are restated and the new ones added, each with one
        statement, and only when there are any. A file of new lines only is inserted without
        looking for its lines again, and its sums join the roll-up in the same transaction; a
        file re-imported unchanged writes nothing."""
        resolved = _resolved()
        r, line = resolved.c, LINES.c
        same_line = line.external_id == r.external_id
        changed = or_(*(line[name].is_distinct_from(r[name]) for name in CONTENT))
        if not self.context.dry_run:
            # no other import can insert the same external_id between this join and the commit
            rollups.lock_sales(self.session)
        # every staged line resolves (the checks found no unknown code): the stored ones are
        # those the join finds, which for a file of new lines reads none of their partners
        stored, differing = self.session.execute(
            select(func.count(), func.count().filter(changed)).select_from(
                resolved.join(LINES, same_line)
            )
        ).one()
        inserted, updated = self.staged - stored, differing
        if not self.context.dry_run:
            months = self._months(resolved, same_line, changed, inserted, differing)
            # restated lines leave their months to be rebuilt once the import commits
            self.stale_months = months if differing else frozenset()
            batch_id = literal(self.context.batch_id, Integer())
            content = {name: r[name] for name in CONTENT}
            if differing:
                restate = update(LINES).where(same_line, changed)
                restate = restate.values(**content, import_batch_id=batch_id)
                updated = self.session.execute(restate).rowcount
            if inserted:
                # ids only grow, and the lock keeps other writers out: the new lines are those
                # above the highest id now
                above_id, ids = self._new_ids(inserted)
                fresh = select(*ids, r.external_id, *content.values(), batch_id)
                if stored:  # some lines are known: add only the others
                    fresh = fresh.where(~exists().where(same_line))
                columns = ["id"] if ids else []
                columns += ["external_id", *CONTENT, "import_batch_id"]
                add = insert(LINES).from_select(columns, fresh)
                # SQLAlchemy only keeps an INSERT's row count when asked to
                add = add.execution_options(preserve_rowcount=True)
                if worth_rebuilding(self.session, LINES, inserted):
                    inserted = load_then_index(
                        self.session, LINES, lambda: self.session.execute(add).rowcount
                    )
                else:
                    inserted = self.session.execute(add).rowcount
                if not differing:
                    rollups.add_new_lines(self.session, above_id, months)
        self.stage.drop()
        unchanged = self.staged - inserted - updated
        return Counts(inserted=inserted, updated=updated, unchanged=unchanged)
