"""GET /healthz: whether this node can serve, for load balancers and platform/cluster.sh.

It answers without a session or a template, and touches only the database: a node
whose database is unreachable is taken out of rotation; everything else a page
needs (storage, Redis) fails loudly on its own pages instead.
"""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        with current_app.extensions["holdout.engine"].connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means "not ready", never a traceback
        current_app.logger.warning("health check: database unreachable: %s", exc)
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
