"""What the API adds to the existing services: turning JSON into their inputs. Everything that
decides (permissions, scoping, validation, state changes) is the pages' own services."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from flask_babel import force_locale
from sqlalchemy import select

from workflows.deals.errors import AlreadyProtected, DealError
from workflows.engine import Refusal
from workflows.imports.base import ImportResult
from workflows.imports.sales import SalesImporter
from workflows.imports.service import import_csv
from workflows.states import IllegalTransition, MakerCheckerRefused

from ..deals.services import DealInput
from ..extensions import db
from ..models import Category, Product
from ..security import Perm, ensure
from .errors import ApiError

SALES_COLUMNS = SalesImporter.layout.columns
FIRST_DATA_LINE = 2  # the in-memory CSV's header is line 1


def english(message) -> str:
    """API messages are English whatever the user's language (codes are the stable part)."""
    with force_locale("en"):
        return str(message)


def deal_error(exc: DealError | Refusal) -> ApiError:
    """Maker-checker is a 403, a state that does not allow the action a 409, the rest 422."""
    status = 422
    if isinstance(exc, MakerCheckerRefused):
        status = 403
    elif isinstance(exc, IllegalTransition | AlreadyProtected):
        status = 409
    details = [{"field": exc.field, "problem": english(exc)}] if exc.field else []
    return ApiError(status, "deal_refused", english(exc), details)


def _ids(model, column, codes: list[str], field: str) -> tuple[int, ...]:
    wanted = list(dict.fromkeys(codes))
    found = dict(db.session.execute(select(column, model.id).where(column.in_(wanted))).all())
    unknown = [c for c in wanted if c not in found]
    if unknown:
        raise ApiError(
            422,
            details=[{"field": field, "problem": f"unknown code {code}"} for code in unknown],
        )
    return tuple(found[c] for c in wanted)


def deal_input(body: dict) -> DealInput:
    """A DealInput from the JSON body (already checked against DealCreate)."""
    try:
        close_on = date.fromisoformat(body["expected_close_on"])
    except ValueError:
        raise ApiError(
            422, details=[{"field": "expected_close_on", "problem": "is not a valid date"}]
        ) from None
    return DealInput(
        customer_name=body["customer_name"],
        country=body["country"],
        estimated_value=Decimal(body["estimated_value"]),
        currency=body["currency"],
        expected_close_on=close_on,
        domain=body.get("domain"),
        category_ids=_ids(Category, Category.code, body.get("categories", []), "categories"),
        product_ids=_ids(Product, Product.sku, body.get("products", []), "products"),
        notes=body.get("notes", ""),
    )


def import_sale_lines(lines: list[dict], *, actor, dry_run: bool) -> ImportResult:
    """The lines go through the sales CSV importer unchanged: the same cell and database
    checks, all-or-nothing, idempotent by external_id. Runs in the caller's transaction."""
    ensure(actor, Perm.IMPORT_DATA)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SALES_COLUMNS)
    writer.writerows([line.get(column) or "" for column in SALES_COLUMNS] for line in lines)
    buffer.seek(0)
    buffer.name = "api-sales.json"
    return import_csv("sales", buffer, dry_run=dry_run, actor=actor)


def import_problems(result: ImportResult) -> list[dict]:
    """Row errors keyed by the index of the line in the request (0-based)."""
    problems = [
        {
            "index": None if error.row is None else error.row - FIRST_DATA_LINE,
            "field": error.column,
            "problem": error.render(),
        }
        for error in result.errors
    ]
    return problems
