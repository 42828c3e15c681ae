"""Request handling shared by every API route, then the routes themselves."""

from flask import request

from ...extensions import csrf
from .. import bp
from ..access import authenticate_request, rate_headers
from ..errors import register_api_error_handlers

PUBLIC_ENDPOINTS = {"api.openapi", "api.docs"}

csrf.exempt(bp)  # bearer tokens, not cookies, authenticate here: cross-site forms cannot
register_api_error_handlers(bp)


@bp.before_request
def authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS or request.method == "OPTIONS":
        return  # OPTIONS only lists the path's methods (Flask answers it, no view runs)
    authenticate_request()


@bp.after_request
def api_headers(response):
    response.headers["Cache-Control"] = "no-store"
    return rate_headers(response)


from . import (  # noqa: E402, F401
    balances,
    calc,
    claims,
    contests,
    deals,
    docs,
    mdf,
    payouts,
    points,
    reference,
    sales,
)
