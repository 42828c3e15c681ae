from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import routes, sso_routes  # noqa: E402, F401
