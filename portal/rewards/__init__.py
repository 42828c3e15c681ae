"""Loyalty points, the reward catalog and redemptions: pages and CLI."""

from flask import Blueprint

bp = Blueprint("rewards", __name__, url_prefix="/points")

from . import routes  # noqa: E402, F401
