"""The versioned JSON API for integrations (/api/v1): bearer tokens, one error shape, OpenAPI.

Every call acts as the token's user through the same permission table and scoping as the
pages; the operations are declared once (registry.operation) for both routing and the
OpenAPI document.
"""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import routes  # noqa: E402, F401
