"""The administrators' pages of outgoing webhooks: endpoints, their delivery log, redelivery."""

from flask import Blueprint

bp = Blueprint("webhooks", __name__, url_prefix="/admin/webhooks")

from . import routes  # noqa: E402, F401
