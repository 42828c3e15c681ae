"""The API's one error shape: {"error": {"code", "message", "details"}}.

Codes are stable and meant for programs; messages are English and meant for the people
reading logs (the pages translate; the API deliberately does not, so integrations can match
on `code` whatever the caller's language). `details` lists what was wrong, field by field.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from ..constraints import is_conflict
from ..extensions import db
from ..security import Forbidden

STANDARD = {
    400: ("bad_request", "The request could not be understood."),
    401: ("unauthorized", "A valid API token is required: send Authorization: Bearer <token>."),
    403: ("forbidden", "The token's user or scope does not allow this."),
    404: ("not_found", "Nothing here, or nothing this token may see."),
    405: ("method_not_allowed", "This method is not available on this path."),
    409: ("conflict", "The request conflicts with the current state."),
    413: ("payload_too_large", "The request body is larger than allowed."),
    415: ("unsupported_media_type", "Send the body as application/json."),
    422: ("validation_failed", "The request is well-formed but its content is not valid."),
    429: ("rate_limited", "Too many requests for this token; retry after the given seconds."),
    500: ("internal_error", "An unexpected error occurred. It has been logged."),
}


class ApiError(Exception):
    """Raise anywhere under /api/ to answer with the standard error body."""

    def __init__(
        self,
        status: int,
        code: str | None = None,
        message: str | None = None,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ):
        default_code, default_message = STANDARD[status]
        super().__init__(message or default_message)
        self.status = status
        self.code = code or default_code
        self.message = message or default_message
        self.details = details or []
        self.headers = headers or {}


def error_response(error: ApiError):
    body = {"error": {"code": error.code, "message": error.message, "details": error.details}}
    response = jsonify(body)
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


def is_api_path(path: str) -> bool:
    """Everything under /api/ answers in JSON, also where routing found no operation."""
    return path == "/api" or path.startswith("/api/")


def http_error(error: HTTPException):
    """An HTTP error in the standard body; a 405 keeps its Allow header (the declared methods
    of the path, with HEAD and OPTIONS as Flask adds them)."""
    db.session.rollback()
    status = error.code if error.code in STANDARD else 500
    headers = {}
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(sorted(error.valid_methods))
    return error_response(ApiError(status, headers=headers))


def register_api_error_handlers(bp) -> None:
    @bp.errorhandler(ApiError)
    def api_error(error: ApiError):
        db.session.rollback()
        return error_response(error)

    @bp.errorhandler(Forbidden)
    def forbidden(error):
        db.session.rollback()
        return error_response(ApiError(403))

    @bp.errorhandler(IntegrityError)
    def conflict(error: IntegrityError):
        """Two requests wrote the same thing at once: the later one is a 409, not a 500."""
        db.session.rollback()
        if not is_conflict(error):
            return unexpected(error)
        return error_response(ApiError(409))

    # Flask prefers the app's handler for a status code over a blueprint's handler for a
    # class, so each code the pages render as HTML is claimed here by code as well.
    bp.register_error_handler(HTTPException, http_error)
    for status in STANDARD:
        if status != 500:
            bp.register_error_handler(status, http_error)

    @bp.errorhandler(500)
    @bp.errorhandler(Exception)
    def unexpected(error: Exception):
        db.session.rollback()
        current_app.logger.exception("unhandled error in the API")
        return error_response(ApiError(500))
