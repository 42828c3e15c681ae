from flask import Blueprint

bp = Blueprint("onboarding", __name__)

from . import checklist, review, routes  # noqa: E402, F401
