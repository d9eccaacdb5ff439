"""The OpenAPI document agrees with the app's routes, and both of its URLs answer."""
from __future__ import annotations

import re

from webapp.openapi import document

PREFIX = "/api/v1"
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _rule_to_path(rule: str) -> str:
    """/api/v1/topics/<int:topic_id> -> /topics/{topic_id}"""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule[len(PREFIX):])


def test_the_document_lists_exactly_the_api_routes(app):
    routes = {(_rule_to_path(r.rule), m.lower())
              for r in app.url_map.iter_rules() if r.rule.startswith(PREFIX + "/")
              for m in r.methods - IGNORED_METHODS}
    documented = {(path, method) for path, item in document()["paths"].items()
                  for method in item if method != "parameters"}
    assert routes - documented == set(), "routes missing from webapp/openapi.py"
    assert documented - routes == set(), "documented operations the app does not have"


def test_every_path_parameter_is_declared_with_the_apps_bounds(app):
    int_params = {name for r in app.url_map.iter_rules() if r.rule.startswith(PREFIX)
                  for name, conv in r._converters.items() if type(conv).__name__ == "IdConverter"}
    for path, item in document()["paths"].items():
        names = re.findall(r"{([^}]+)}", path)
        declared = {p["name"]: p for p in item.get("parameters", []) if p["in"] == "path"}
        assert sorted(declared) == sorted(names), path
        for name in names:
            if name in int_params:
                assert declared[name]["schema"] == {"type": "integer", "minimum": 0, "maximum": 2147483647}


def test_every_operation_shares_the_error_schema():
    doc = document()
    assert doc["openapi"] == "3.1.0"
    error = doc["components"]["schemas"]["Error"]
    assert error["required"] == ["error", "message"] and error["additionalProperties"] is False
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            assert operation["summary"], (method, path)
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert response == {"$ref": f"#/components/responses/E{status}"}, (method, path, status)


def test_the_document_is_served_publicly(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_json() == document()


def test_the_docs_page_renders_every_operation_without_a_cdn(client):
    response = client.get("/api/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    for path, item in document()["paths"].items():
        for method in item:
            if method != "parameters":
                assert f"{method.upper()} {path}" in html
    assert "Replace the hidden solution" in html and "submission_ids" in html
    assert "/api/v1/openapi.json" in html
    assert not re.search(r"<script(?![^>]*src=\"/static/)", html), "no inline or third-party script"
    assert not re.search(r"(?:src|href)=\"(?:https?:)?//", html), "nothing from another origin"
