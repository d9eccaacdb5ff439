"""The API's own description: the OpenAPI document (JSON) and a page that renders it, with no script."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template

from ..openapi import document, operations
from .api import bp as api_bp

bp = Blueprint("api_docs", __name__)


@api_bp.get("/openapi.json")
def openapi_json():
    """The OpenAPI 3.1 document of /api/v1 (public)."""
    return jsonify(document())


@bp.get("/api/docs")
def api_docs():
    doc = document()
    return render_template("api/docs.html", doc=doc, operations=operations(doc))
