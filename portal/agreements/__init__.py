from flask import Blueprint

bp = Blueprint("agreements", __name__)

from . import routes  # noqa: E402, F401
