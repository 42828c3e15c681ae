"""Market development funds at the edge: the pages, the `portal mdf` commands, the proof files."""

from flask import Blueprint

bp = Blueprint("mdf", __name__, url_prefix="/mdf")

from . import activity_routes, fund_routes  # noqa: E402, F401
