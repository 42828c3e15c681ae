from flask import Blueprint

bp = Blueprint("contest_trips", __name__)

from . import routes  # noqa: E402, F401
