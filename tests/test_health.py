"""GET /healthz tells a load balancer (and platform/cluster.sh) whether a node can serve."""
from __future__ import annotations

import socket


def test_a_node_with_its_database_is_healthy(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok", "database": "ok"}


def test_a_node_without_its_database_answers_503_not_a_traceback(tmp_path):
    from webapp import create_app

    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app({"DATABASE_URL": f"postgresql+psycopg://nobody@127.0.0.1:{port}/none?connect_timeout=2",
                      "SECRET_KEY": "x", "DATA_DIR": str(tmp_path), "TESTING": True, "RATELIMIT_ENABLED": False,
                      "REDIS_URL": None})
    resp = app.test_client().get("/healthz")
    assert resp.status_code == 503
    assert resp.get_json() == {"status": "unavailable", "database": "unreachable"}
    assert b"Traceback" not in resp.data
