"""Claims, payout batches and partner statements: pages."""

from flask import Blueprint

bp = Blueprint("payables", __name__)

from . import batch_routes, routes, statement_routes  # noqa: E402, F401
