"""Personal API tokens: the profile page where users create and revoke them."""

from flask import Blueprint

bp = Blueprint("tokens", __name__)

from . import routes  # noqa: E402, F401
