"""Error pages that say what happened and leak nothing about why."""

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from ..api.errors import ApiError, error_response, is_api_path
from ..api.errors import http_error as api_http_error
from ..constraints import is_conflict
from ..extensions import db
from ..inputs import InvalidInput
from ..security import Forbidden

MESSAGES = {
    400: (
        _l("Bad request"),
        _l("The request could not be understood. Please go back and try again."),
    ),
    403: (_l("Not allowed"), _l("You do not have permission to see this page.")),
    404: (
        _l("Not found"),
        _l("There is nothing here. It may have moved, or you may not have access."),
    ),
    405: (_l("Not allowed"), _l("This action is not available here.")),
    409: (
        _l("Changed at the same time"),
        _l(
            "Someone else saved the same thing at the same moment, so nothing was changed. "
            "Reload the page to see the current state and try again."
        ),
    ),
    413: (_l("File too large"), _l("The uploaded file is larger than allowed.")),
    429: (_l("Slow down"), _l("Too many requests. Please wait a moment and try again.")),
    500: (_l("Something went wrong"), _l("An unexpected error occurred. It has been logged.")),
}

CSRF_MESSAGE = _l(
    "Your form expired or was not sent from this site. Please reload the page and try again."
)


def _render(code: int, detail=None, headers=None):
    title, message = MESSAGES[code]
    page = render_template("errors/error.html", code=code, title=title, message=detail or message)
    return page, code, headers or {}


def _http_error(error: HTTPException, code: int):
    """Routing errors happen before any blueprint is chosen: paths under /api/ still get the
    API's JSON body. A 405 names the methods the path does have (Allow)."""
    if is_api_path(request.path):
        return api_http_error(error)
    headers = {}
    if code == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(sorted(error.valid_methods))
    return _render(code, headers=headers)


def register_error_handlers(app) -> None:
    for code in MESSAGES:
        app.register_error_handler(code, lambda e, code=code: _http_error(e, code))

    @app.errorhandler(InvalidInput)
    def invalid_input(error):
        db.session.rollback()
        if is_api_path(request.path):
            return api_http_error(error)
        return _render(400, detail=error.message)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render(400, detail=CSRF_MESSAGE)

    @app.errorhandler(IntegrityError)
    def integrity_error(error):
        db.session.rollback()
        if not is_conflict(error):
            raise error
        if is_api_path(request.path):
            return error_response(ApiError(409))
        return _render(409)

    @app.errorhandler(Forbidden)
    def forbidden(error):
        db.session.rollback()
        return _render(403)

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return _render(500)
