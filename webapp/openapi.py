"""The OpenAPI 3.1 document of /api/v1, served at /api/v1/openapi.json and rendered at /api/docs.

It is written by hand, route by route, next to docs/api.md; tests/api/test_openapi.py keeps it in step
with the app's URL map and tests/api/test_schemathesis.py checks live answers against it. Success bodies
are described loosely (objects and arrays); the Error body, which every refusal shares, exactly.
"""
from __future__ import annotations

from copy import deepcopy

from .input_guard import MAX_ID

OBJ = {"type": "object"}
ARR = {"type": "array", "items": {"type": "object"}}
JSON_OBJ = {"application/json": {"schema": OBJ}}

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "message"],
    "additionalProperties": False,
    "properties": {
        "error": {"type": "string", "description": "A stable machine-readable code, such as `not_found`."},
        "message": {"type": "string", "description": "What went wrong and how to fix it, for a person."},
        "field": {"type": "string", "description": "The input field the refusal is about."},
        "retry_after": {"type": ["integer", "null"], "description": "Seconds to wait (429 only)."},
        "join": {"type": "string", "description": "The join endpoint (403 `join_required`)."},
        "rule": {"type": "string", "description": "The team-merge rule that refused (409 `merge_refused`)."},
        "problems": {"type": "array", "description": "What is wrong with an uploaded file (422)."},
        "submission_id": {"type": "integer", "description": "The recorded invalid submission (422)."},
    },
}

ERROR_TEXT = {
    400: "The request is malformed or a value is refused (`field` names it).",
    401: "No API token, or an unknown or revoked one.",
    403: "Not allowed (`join_required` says how to join).",
    404: "No such thing, or one you may not see.",
    409: "Conflicts with the current state (finalized, taken, not yet allowed…).",
    413: "The upload is larger than this server accepts.",
    422: "The uploaded file is not a valid submission (`problems`).",
    429: "Too many requests or the day's quota is spent (`retry_after`).",
}


def _path_param(name: str) -> dict:
    if name in ("slug", "username", "code", "name"):
        schema = {"type": "string", "minLength": 1, "pattern": "^[^/]+$"}
    else:
        schema = {"type": "integer", "minimum": 0, "maximum": MAX_ID}
    return {"name": name, "in": "path", "required": True, "schema": schema}


INVITE = {"name": "invite", "in": "query", "required": False, "schema": {"type": "string"},
          "description": "The invite token of an unlisted competition."}


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _json_body(properties: dict | None = None, required: list[str] | None = None) -> dict:
    schema: dict = {"type": "object", "properties": properties or {}}
    if required:
        schema["required"] = required
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _multipart(properties: dict, required: list[str]) -> dict:
    return {"required": True, "content": {"multipart/form-data": {
        "schema": {"type": "object", "properties": properties, "required": required}}}}


FILE = {"type": "string", "format": "binary"}
REASON = _json_body({"reason": {"type": "string"}})


def op(summary: str, success: int = 200, body_schema: dict | None = None, *, errors: str = "",
       auth: bool = True, query: tuple = (), request: dict | None = None, content: dict | None = None) -> dict:
    """One operation; `errors` lists the route's own refusals beside 400, 401 and 429, which any can give."""
    codes = {400, 401, 429} | {int(c) for c in errors.split()}
    if request is not None:
        codes.add(413)
    responses: dict = {str(success): {"description": "Success.",
                                      "content": content or {"application/json": {"schema": body_schema or OBJ}}}}
    for code in sorted(codes):
        responses[str(code)] = {"$ref": f"#/components/responses/E{code}"}
    operation: dict = {"summary": summary, "responses": responses,
                       "security": [{"bearerAuth": []}] if auth else [{}, {"bearerAuth": []}]}
    if query:
        operation["parameters"] = list(query)
    if request is not None:
        operation["requestBody"] = request
    return operation


def _accepted(operation: dict) -> dict:
    """Also 202: a large upload is queued for a worker (webapp/jobs.py); `url` and Location name it."""
    operation["responses"]["202"] = {
        "description": "Queued: a worker scores it. Poll `url` (also in the Location header) until its status "
                       "is no longer `queued` or `scoring`.",
        "headers": {"Location": {"schema": {"type": "string"}, "description": "The submission's URL."}},
        "content": {"application/json": {"schema": OBJ}}}
    return operation


C = "/competitions/{slug}"
SEEN = "404"            # a competition, group, topic… the caller may not see, or that does not exist
MEMBER = "403 404"
MANAGE = "403 404 409"

PATHS: dict[str, dict[str, dict]] = {
    "/metrics": {"get": op("The metric menu: built-in metrics and installed plugins.", body_schema=ARR,
                           auth=False)},
    "/competitions": {
        "get": op("Competitions you can see.", body_schema=ARR, auth=False),
        "post": op("Create a competition (organizers, or a group's hosts); it opens at its start, or stays a "
                   "draft until published when the metadata says `\"draft\": true`.", 201, errors="403 404 409",
                   request=_multipart({"metadata": {"type": "string", "description": "The settings, as JSON."},
                                       "solution": FILE, "files": {"type": "array", "items": FILE}},
                                      ["metadata", "solution"])),
    },
    C: {
        "get": op("A competition's detail.", errors=SEEN, auth=False, query=(INVITE,)),
        "patch": op("Change a competition's settings (send only what changes).", errors=MANAGE,
                    query=(INVITE,), request=_json_body()),
    },
    C + "/join": {"post": op("Join (accept the rules).", errors="403 404 409", query=(INVITE,))},
    C + "/files": {"get": op("The data files (never the solution).", body_schema=ARR, errors=SEEN, auth=False,
                             query=(INVITE,))},
    C + "/files/{name}": {"get": op(
        "Download a data file.", errors=MEMBER, auth=False, query=(INVITE,),
        content={"text/csv": {"schema": {"type": "string"}},
                 "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}})},
    C + "/submissions": {
        "get": op("Your team's submissions, or all of them for its organizers.", body_schema=ARR,
                  errors=MEMBER, query=(INVITE,)),
        "post": _accepted(op("Submit predictions.", 201, errors="403 404 409 422", query=(INVITE,),
                             request=_multipart({"file": FILE, "description": {"type": "string"}}, ["file"]))),
    },
    C + "/submissions/{submission_id}": {"get": op(
        "One submission and its status: `queued` or `scoring` (a large file a worker scores), then "
        "`scored`, `invalid` or `error`.", errors=MEMBER, query=(INVITE,))},
    C + "/validate": {"post": op("Check a file as a submission would be checked, without a score or quota.",
                                 errors="403 404 409 422", query=(INVITE,),
                                 request=_multipart({"file": FILE}, ["file"]))},
    C + "/selection": {"put": op("Choose the final submissions (`[]`: the automatic choice).",
                                 errors="403 404 409", query=(INVITE,),
                                 request=_json_body({"submission_ids": {"type": "array",
                                                                        "items": {"type": "integer"}}},
                                                    ["submission_ids"]))},
    C + "/leaderboard": {"get": op("The public or private leaderboard, a page at a time (with `total`). Each entry "
                                   "says whether it is `tied_with_above` (95% paired bootstrap; null: not known) "
                                   "and, on the public board, `rank_change_day` since the end of the previous "
                                   "UTC day (null with `new_today`: not ranked then).",
                                   errors="400 403 404", auth=False, query=(
        INVITE, _query("board", {"type": "string", "enum": ["public", "private"]}, "Which board."),
        _query("page", {"type": "integer", "minimum": 1}, "Page number, from 1 (default 1)."),
        _query("per_page", {"type": "integer", "minimum": 1, "maximum": 1000},
               "Entries a page (default 100, at most 1000).")))},
    C + "/solution": {"post": op("Replace the hidden solution and re-score every submission.", errors=MANAGE,
                                 query=(INVITE,), request=_multipart(
                                     {"solution": FILE, "public_fraction": {"type": "string"},
                                      "seed": {"type": "string"}}, ["solution"]))},
    C + "/submissions/{submission_id}/disqualify": {"post": op(
        "Disqualify a submission.", errors=MANAGE, query=(INVITE,), request=REASON)},
    C + "/submissions/{submission_id}/reinstate": {"post": op(
        "Lift one submission's disqualification (409 after finalize).", errors=MANAGE, query=(INVITE,))},
    C + "/publish": {"post": op("Publish a draft (made with metadata `\"draft\": true`): it opens at its start.",
                                errors=MANAGE, query=(INVITE,))},
    C + "/teams/{team_id}/disqualify": {"post": op("Disqualify a team.", errors=MANAGE, query=(INVITE,),
                                                   request=REASON)},
    C + "/teams/{team_id}/reinstate": {"post": op("Lift a team's disqualification.", errors=MANAGE,
                                                  query=(INVITE,))},
    C + "/finalize": {"post": op("Reveal the private board and freeze the results.", errors=MANAGE,
                                 query=(INVITE,))},
    C + "/close": {"post": op("Close now: the deadline becomes now.", errors=MANAGE, query=(INVITE,))},
    C + "/reopen": {"post": op("Lift the freeze (admins), with a reason.", errors=MANAGE, query=(INVITE,),
                               request=REASON)},
    C + "/audit": {"get": op("The audit log, newest first.", body_schema=ARR, errors=MEMBER, query=(INVITE,))},
    C + "/team": {
        "get": op("Your team, its members and open invitations.", errors=MEMBER, query=(INVITE,)),
        "patch": op("Rename your team.", errors="403 404 409", query=(INVITE,),
                    request=_json_body({"name": {"type": "string"}}, ["name"])),
    },
    C + "/team/invitations": {"post": op("Invite a user, or make a one-time link with `{}`.", 201,
                                         errors="403 404 409", query=(INVITE,),
                                         request=_json_body({"username": {"type": "string"}}))},
    C + "/team/members/me": {"delete": op("Leave your team.", errors="403 404 409", query=(INVITE,))},
    C + "/teams/{team_id}/members/{user_id}": {"delete": op("Take a member out of a team (organizers).",
                                                            errors=MANAGE, query=(INVITE,))},
    "/invitations": {"get": op("Your pending invitations.", body_schema=ARR)},
    "/invitations/{code}/accept": {"post": op("Accept an invitation (merges the teams).", errors="403 404 409")},
    "/invitations/{code}/decline": {"post": op("Decline an invitation.", errors="403 404 409")},
    # --- discussion, write-ups, notifications
    C + "/topics": {
        "get": op("Topics, pinned first.", body_schema=ARR, errors=SEEN, auth=False, query=(
            INVITE, _query("sort", {"type": "string", "enum": ["activity", "votes"]}, "The order."))),
        "post": op("Open a topic.", 201, errors="403 404 409", query=(INVITE,), request=_json_body(
            {"title": {"type": "string"}, "body": {"type": "string"}, "announcement": {"type": "boolean"}},
            ["title", "body"])),
    },
    "/topics/{topic_id}": {"get": op("A topic with its posts.", errors=SEEN, auth=False)},
    "/topics/{topic_id}/replies": {"post": op("Reply.", 201, errors="403 404 409", request=_json_body(
        {"body": {"type": "string"}, "parent_id": {"type": ["integer", "null"]}}, ["body"]))},
    "/topics/{topic_id}/pin": {"put": op("Pin or unpin a topic (organizers).", errors="403 404 409",
                                         request=_json_body({"pinned": {"type": "boolean"}}))},
    "/posts/{post_id}": {
        "patch": op("Edit your post.", errors="403 404 409", request=_json_body(
            {"body": {"type": "string"}, "title": {"type": "string"}}, ["body"])),
        "delete": op("Delete your post.", errors="403 404 409"),
    },
    "/posts/{post_id}/hide": {"post": op("Hide a post (organizers).", errors="403 404 409",
                                         request=_json_body({"reason": {"type": "string"}}))},
    "/posts/{post_id}/vote": {
        "post": op("Vote for a post.", errors="403 404 409"),
        "delete": op("Take your vote back.", errors="403 404 409"),
    },
    C + "/writeups": {"get": op("Write-ups by final rank.", body_schema=ARR, errors=SEEN, auth=False,
                                query=(INVITE,))},
    C + "/writeup": {"put": op("Publish or update your team's write-up.", errors="403 404 409", query=(INVITE,),
                               request=_json_body({"title": {"type": "string"}, "body": {"type": "string"},
                                                   "submission_id": {"type": ["integer", "null"]},
                                                   "links": {"type": "array", "items": OBJ}}, ["body"]))},
    "/notifications": {"get": op("Your notifications.", query=(
        _query("unread", {"type": "string", "enum": ["0", "1", "true", "false"]}, "Only unread ones."),))},
    "/notifications/read": {"post": op("Mark notifications read.", request=_json_body(
        {"ids": {"type": "array", "items": {"type": "integer"}}, "all": {"type": "boolean"}}))},
    # --- groups, seasons, portfolios
    "/groups": {
        "get": op("Groups you can see.", body_schema=ARR, auth=False),
        "post": op("Create a study group.", 201, errors="403 409", request=_json_body(
            {"slug": {"type": "string"}, "name": {"type": "string"}, "description": {"type": "string"},
             "visibility": {"type": "string", "enum": ["public", "private"]}}, ["slug", "name"])),
    },
    "/groups/{slug}": {
        "get": op("A group.", errors=SEEN, auth=False),
        "patch": op("Change a group (its managers).", errors="403 404 409", request=_json_body(
            {"name": {"type": "string"}, "description": {"type": "string"}, "visibility": {"type": "string"},
             "rotate_invite_code": {"type": "boolean"}})),
    },
    "/groups/{slug}/join": {"post": op("Join a group with its invite code.", errors="403 404 409",
                                       request=_json_body({"code": {"type": "string"}}))},
    "/groups/{slug}/members": {"get": op("A group's members.", body_schema=ARR, errors="403 404", auth=False)},
    "/groups/{slug}/members/{username}": {
        "put": op("Set a member's role.", errors="403 404 409",
                  request=_json_body({"role": {"type": "string"}}, ["role"])),
        "delete": op("Remove a member.", errors="403 404 409"),
    },
    "/groups/{slug}/seasons": {
        "get": op("A group's seasons.", body_schema=ARR, errors="403 404", auth=False),
        "post": op("Start a season.", 201, errors="403 404 409", request=_json_body(
            {"name": {"type": "string"}, "start": {"type": "string"}, "end": {"type": "string"}},
            ["name", "start", "end"])),
    },
    "/groups/{slug}/seasons/{season_id}/close": {"post": op("Close a season.", errors="403 404 409")},
    "/groups/{slug}/seasons/{season_id}/standings": {"get": op("A season's standings.", errors="403 404",
                                                               auth=False)},
    "/users/{username}": {"get": op("A user's public portfolio.", errors=SEEN, auth=False)},
    "/openapi.json": {"get": op("This document.", auth=False)},
}


def _with_path_parameters(paths: dict) -> dict:
    out = {}
    for path, item in paths.items():
        names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
        item = deepcopy(item)
        if names:
            item["parameters"] = [_path_param(n) for n in names]
        out[path] = item
    return out


def document(server_url: str = "/api/v1") -> dict:
    """The OpenAPI 3.1 document; its paths are relative to `server_url`."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Holdout API", "version": "1",
                 "description": "The JSON API of Holdout. See docs/api.md for the rules behind each answer."},
        "servers": [{"url": server_url}],
        "paths": _with_path_parameters(PATHS),
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "An API token from your profile page."}},
            "schemas": {"Error": ERROR_SCHEMA},
            "responses": {f"E{code}": {"description": text,
                                       "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
                          for code, text in ERROR_TEXT.items()},
        },
    }


def operations(doc: dict) -> list[dict]:
    """Each operation of `doc` as {path, method, summary, auth, parameters}, for the /api/docs page."""
    rows = []
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            params = list(item.get("parameters", [])) + list(operation.get("parameters", []))
            body = operation.get("requestBody", {}).get("content", {})
            rows.append({"path": path, "method": method.upper(), "summary": operation["summary"],
                         "auth": {} not in operation.get("security", []), "parameters": params,
                         "body": {media: sorted(spec["schema"].get("properties", {}))
                                  for media, spec in body.items()},
                         "responses": sorted(operation["responses"])})
    return rows
