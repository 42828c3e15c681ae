from flask import Blueprint

bp = Blueprint("calc", __name__, url_prefix="/calc")

from . import routes  # noqa: E402, F401
