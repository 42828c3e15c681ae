from flask import Blueprint

bp = Blueprint("deals", __name__)

from . import routes  # noqa: E402, F401
