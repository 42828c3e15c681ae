from flask import Blueprint

bp = Blueprint("banking", __name__)

from . import routes  # noqa: E402, F401
