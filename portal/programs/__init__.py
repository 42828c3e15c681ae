from flask import Blueprint

bp = Blueprint("programs", __name__, url_prefix="/programs")

from . import build_routes, routes  # noqa: E402, F401
