"""The one description of the API: each operation is declared once, next to its view, and that
declaration both registers the Flask route and produces its entry in the OpenAPI document.

`operation()` also does what every operation shares: the permission check (through the one
permission table), path and query parameters, the JSON body checked against its published
schema, `Idempotency-Key` on POST, and the JSON response.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import wraps
from typing import Any

from flask import Response, jsonify, request
from flask_login import current_user

from workflows.engine.loading import json_depth

from ..extensions import db
from ..security import Perm, can
from . import bp, idempotency
from .errors import STANDARD, ApiError, error_response
from .schemas import MAX_ID, SCHEMAS
from .validation import body_problems, check_schema, value_problems
from .webhook_docs import webhook_schemas, webhooks_section

PATH_PARAM = re.compile(r"\{(\w+)\}")
MAX_PAGE = 500
MAX_JSON_DEPTH = 32  # the deepest schema needs 4; the parser itself recurses per level


@dataclass(frozen=True)
class Param:
    name: str
    location: str  # "path" or "query"
    schema: dict[str, Any]
    description: str = ""

    @property
    def required(self) -> bool:
        return self.location == "path"


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str
    summary: str
    tag: str
    perm: Perm
    response: str | None = None  # the JSON schema of the answer, or:
    files: tuple[str, ...] = ()  # the media types of a file download (attachment)
    status: int = 200
    params: tuple[Param, ...] = ()
    body: str | None = None
    conflicts: bool = False  # the operation itself may answer 409
    description: str = ""
    extra_errors: tuple[int, ...] = field(default=())

    @property
    def error_statuses(self) -> list[int]:
        codes = {401, 403, 429, 500, *self.extra_errors}
        if any(p.location == "query" for p in self.params):
            codes.add(400)
        if any(p.location == "path" for p in self.params):
            codes.add(404)
        if self.body:
            codes |= {400, 413, 415, 422}
        if self.method == "POST":
            codes |= {400, 409}  # Idempotency-Key misuse
        if self.conflicts:
            codes.add(409)
        return sorted(codes)


OPERATIONS: list[Operation] = []


def _id_schema() -> dict[str, Any]:
    return {"type": "integer", "minimum": 1, "maximum": MAX_ID}


def path_id(name: str, what: str) -> Param:
    return Param(name, "path", _id_schema(), f"The {what}'s id.")


def query_id(name: str, description: str) -> Param:
    """An optional filter by a record's id (`?fund_id=7`)."""
    return Param(name, "query", _id_schema(), description)


def one_of(name: str, values, description: str) -> Param:
    """An optional filter by one of a fixed set of values (`?state=approved`)."""
    return Param(name, "query", {"type": "string", "enum": list(values)}, description)


def where_given(stmt, *conditions):
    """`stmt` narrowed by each (column, value) whose value was given."""
    for column, value in conditions:
        if value is not None and value != "":
            stmt = stmt.where(column == value)
    return stmt


PAGING = (
    Param(
        "limit",
        "query",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 50},
        "Items per page.",
    ),
    Param(
        "cursor",
        "query",
        {"type": "string", "maxLength": 200},
        "The next_cursor of the previous page.",
    ),
)


def operation(method: str, path: str, operation_id: str, **kwargs) -> Callable:
    """Declare an operation and register its view under the API blueprint."""
    op = Operation(method=method, path=path, operation_id=operation_id, **kwargs)
    OPERATIONS.append(op)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def endpoint(**raw_path: str):
            return _run(op, view, raw_path)

        rule = PATH_PARAM.sub(r"<\1>", path)
        bp.add_url_rule(rule, endpoint=operation_id, view_func=endpoint, methods=[method])
        return view

    return decorator


def _run(op: Operation, view: Callable, raw_path: dict[str, str]) -> Response:
    if not can(current_user, op.perm):
        raise ApiError(403)
    kwargs: dict[str, Any] = {}
    for param in op.params:
        if param.location == "path":
            kwargs[param.name] = _path_int(raw_path[param.name])
        else:
            kwargs[param.name] = _query_value(param)
    if op.body:
        kwargs["body"] = _json_body(op.body)
    reservation = None
    if op.method == "POST":
        try:
            reservation = idempotency.replay_or_reserve()
        except idempotency.Replay as replay:
            stored = replay.stored
            response = Response(stored["body"], stored["status"], mimetype="application/json")
            response.headers.update(stored.get("headers") or {})
            response.headers["Idempotent-Replayed"] = "true"
            return response
    try:
        response = _respond(op, view, kwargs)
    except ApiError as error:
        if reservation is not None:  # refusals are replayed too, like successes
            db.session.rollback()
            response = error_response(error)
            idempotency.remember(
                reservation, response.status_code, response.get_data(), error.headers
            )
            return response
        raise
    except BaseException:
        if reservation is not None:
            idempotency.release(reservation)
        raise
    if reservation is not None:
        location = (
            {"Location": response.headers["Location"]} if "Location" in response.headers else {}
        )
        idempotency.remember(reservation, response.status_code, response.get_data(), location)
    return response


def _respond(op: Operation, view: Callable, kwargs: dict[str, Any]) -> Response:
    result = view(**kwargs)
    if isinstance(result, Response):  # a file download (op.files)
        return result
    headers: dict[str, str] = {}
    if isinstance(result, tuple):
        result, headers = result
    response = jsonify(result)
    response.status_code = op.status
    response.headers.update(headers)
    return response


def _path_int(value: str) -> int:
    if not re.fullmatch(r"[0-9]{1,10}", value) or not 0 < int(value) <= MAX_ID:
        raise ApiError(404)
    return int(value)


def _query_value(param: Param) -> Any:
    raw = request.args.get(param.name)
    if raw is None:
        return param.schema.get("default")
    value: Any = raw
    if param.schema.get("type") == "integer":
        if not re.fullmatch(r"-?[0-9]{1,18}", raw):
            raise _bad_params([{"field": param.name, "problem": "must be an integer"}])
        value = int(raw)
    problems = value_problems(value, param.schema, param.name)
    if problems:
        raise _bad_params(problems)
    if param.schema.get("format") == "date-time":
        value = datetime.fromisoformat(raw)
    elif param.schema.get("format") == "date":
        value = date.fromisoformat(raw)
    return value


def _bad_params(problems: list[dict]) -> ApiError:
    return ApiError(400, "invalid_parameter", "A query parameter is not valid.", problems)


def _json_body(schema_name: str) -> Any:
    if not request.is_json:
        raise ApiError(415)
    if json_depth(request.get_data(cache=True)) > MAX_JSON_DEPTH:
        raise ApiError(
            400,
            "invalid_json",
            f"The body is nested more than {MAX_JSON_DEPTH} levels deep.",
        )
    body = request.get_json(silent=True)
    if body is None:
        raise ApiError(400, "invalid_json", "The body is not valid JSON.")
    problems = body_problems(body, schema_name)
    if problems:
        raise ApiError(422, details=problems)
    return body


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    match = re.fullmatch(r"id:([0-9]{1,10})", text)
    if match is None or int(match[1]) > MAX_ID:
        raise _bad_params([{"field": "cursor", "problem": "is not a cursor this API returned"}])
    return int(match[1])


def cursor_page(
    stmt,
    model,
    *,
    limit: int,
    cursor: str | None,
    serialize: Callable | None = None,
    serialize_rows: Callable | None = None,
) -> dict:
    """One page in id order; `next_cursor` is null on the last page. `serialize` shows one
    row; `serialize_rows` a whole page at once (for set-based look-ups)."""
    after = decode_cursor(cursor)
    stmt = stmt.order_by(None).order_by(model.id)
    if after is not None:
        stmt = stmt.where(model.id > after)
    rows = list(db.session.scalars(stmt.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": serialize_rows(rows) if serialize_rows else [serialize(row) for row in rows],
        "next_cursor": encode_cursor(rows[-1].id) if more else None,
    }


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _header(description: str) -> dict[str, Any]:
    return {"description": description, "schema": {"type": "integer", "minimum": 0}}


RATE_LIMIT_HEADERS = {
    "RateLimit-Limit": _header("Requests allowed per window (IETF draft RateLimit fields)."),
    "RateLimit-Remaining": _header("Requests left in the current window."),
    "RateLimit-Reset": _header("Seconds until the window ends."),
}
REFUSAL_HEADERS = {"Retry-After": _header("Seconds to wait."), **RATE_LIMIT_HEADERS}


def _success_document(op: Operation) -> dict[str, Any]:
    if not op.files:
        return {
            "description": "Success.",
            "headers": RATE_LIMIT_HEADERS,
            "content": {"application/json": {"schema": _ref(op.response)}},
        }
    return {
        "description": "The file, as an attachment under its original name.",
        "headers": {
            "Content-Disposition": {
                "description": "attachment; filename=...",
                "schema": {"type": "string"},
            },
            **RATE_LIMIT_HEADERS,
        },
        "content": {media_type: {} for media_type in op.files},  # any bytes of that type
    }


def _operation_document(op: Operation) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": [op.tag],
        "description": (op.description + "\n\n" if op.description else "")
        + f"Requires the permission `{op.perm.value}`.",
        "parameters": [
            {
                "name": p.name,
                "in": p.location,
                "required": p.required,
                "description": p.description,
                "schema": p.schema,
            }
            for p in op.params
        ],
        "responses": {str(op.status): _success_document(op)},
    }
    if op.method == "POST":
        doc["parameters"].append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": "Repeat a POST safely: the same key and body give the same "
                "response for 24 hours; the same key with another body is a 409.",
                "schema": {"type": "string", "minLength": 1, "maxLength": 255},
            }
        )
    if op.body:
        doc["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(op.body)}},
        }
    for status in op.error_statuses:
        doc["responses"][str(status)] = {
            "description": STANDARD[status][1],
            **({"headers": REFUSAL_HEADERS} if status == 429 else {}),
            "content": {"application/json": {"schema": _ref("Error")}},
        }
    return doc


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document, built from the declared operations and schemas."""
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation_document(op)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Channel Partner Portal API",
            "version": "1.0.0",
            "description": (
                "Every call acts as the user who owns the bearer token, with that user's "
                "permissions and visibility: objects outside it answer 404. Errors have the "
                'shape {"error": {"code", "message", "details"}}; `code` is stable, '
                "`message` is English. Lists page by cursor: pass `next_cursor` back as "
                "`cursor` until it is null. Money and quantities are exact decimal strings."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "webhooks": webhooks_section(),
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token from Profile › API tokens.",
                }
            },
            "schemas": {**SCHEMAS, **webhook_schemas()},
        },
    }


def check_declarations() -> None:
    """Fail at start-up on a schema that is not valid JSON Schema, or on an operation that
    names a schema that does not exist."""
    for name, schema in SCHEMAS.items():
        check_schema(schema, name)
    for op in OPERATIONS:
        if (op.response is None) == (not op.files):
            raise TypeError(f"{op.operation_id} needs exactly one of response= and files=")
        if op.response is not None and op.response not in SCHEMAS:
            raise TypeError(f"{op.operation_id} answers with an unknown schema {op.response}")
        for param in op.params:
            check_schema(param.schema, f"{op.operation_id}.{param.name}")
        if op.body is not None and op.body not in SCHEMAS:
            raise TypeError(f"{op.operation_id} takes an unknown schema {op.body}")
    json.dumps(openapi_document())
