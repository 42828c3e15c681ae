from flask import Blueprint

bp = Blueprint("onboarding", __name__)

from . import review, routes  # noqa: E402, F401
