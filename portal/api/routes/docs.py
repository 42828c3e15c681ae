"""The OpenAPI document, a reference page rendered from it, and JSON 404/405 for the rest."""

import re

from flask import jsonify, render_template, request

from .. import bp
from ..errors import ApiError
from ..registry import OPERATIONS, check_declarations, openapi_document

ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE"]

check_declarations()


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@bp.get("/docs")
def docs():
    document = openapi_document()
    return render_template("api/docs.html", doc=document, schemas=document["components"]["schemas"])


def _allowed_methods(path: str) -> list[str]:
    methods = []
    for op in OPERATIONS:
        pattern = "^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(op.path)) + "$"
        if re.match(pattern, path):
            methods.append(op.method)
    return methods


@bp.route("/", endpoint="unknown", methods=ANY_METHOD)
@bp.route("/<path:rest>", endpoint="unknown", methods=ANY_METHOD)
def unknown(rest: str = ""):
    """Routing found no operation: 405 when the path exists with other methods, else 404."""
    path = "/" + rest
    methods = _allowed_methods(path)
    if path in ("/openapi.json", "/docs"):
        methods = ["GET"]
    if methods and request.method not in methods:
        raise ApiError(405, headers={"Allow": ", ".join(sorted(set(methods)))})
    raise ApiError(404)
