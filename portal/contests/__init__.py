from flask import Blueprint

bp = Blueprint("contests", __name__, url_prefix="/contests")

from . import routes  # noqa: E402, F401
