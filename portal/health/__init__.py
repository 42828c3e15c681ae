from flask import Blueprint

bp = Blueprint("health", __name__, url_prefix="/health")

from . import routes  # noqa: E402, F401
