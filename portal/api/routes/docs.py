"""The OpenAPI document and a reference page rendered from it."""

from flask import jsonify, render_template

from .. import bp
from ..registry import openapi_document
from ..webhook_docs import VERIFY_RECIPE


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@bp.get("/docs")
def docs():
    document = openapi_document()
    return render_template(
        "api/docs.html",
        doc=document,
        schemas=document["components"]["schemas"],
        verify_recipe=VERIFY_RECIPE,
    )
