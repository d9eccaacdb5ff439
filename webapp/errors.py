"""Error pages for people, JSON errors for /api/, and a request id on every response."""
from __future__ import annotations

import logging
import uuid

from flask import Flask, Response, g, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from competitions.errors import DomainError

log = logging.getLogger("holdout")

FRIENDLY = {
    400: "The request could not be understood.",
    403: "You do not have permission to see this page.",
    404: "There is nothing at this address.",
    405: "This address does not accept that method.",
    413: "The file is larger than this server accepts.",
    429: "Too many requests. Please wait and try again.",
    500: "Something went wrong on our side. It has been logged.",
}


def init_app(app: Flask) -> None:
    app.before_request(_assign_request_id)
    app.after_request(_echo_request_id)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, code: str, message: str, retry_after: int | None = None, **extra) -> Response:
    """The one place that shapes an error for either audience."""
    if wants_json():
        body = {"error": code, "message": message, **extra}
        if status == 429:
            body["retry_after"] = retry_after
        response = jsonify(body)
    else:
        response = make_response(render_template("error.html", status=status, message=message,
                                                 request_id=g.get("request_id")))
    response.status_code = status
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _assign_request_id() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if incoming.isalnum() and len(incoming) <= 64 else uuid.uuid4().hex


def _echo_request_id(response):
    if "request_id" in g:
        response.headers["X-Request-ID"] = g.request_id
    return response


def _csrf_error(exc: CSRFError):
    return error_response(400, "csrf_failed",
                          "The form had expired or was sent from elsewhere. Reload the page and try again.")


def _domain_error(exc: DomainError):
    # A use case refused: the message is written for the user, so show it as is.
    session = g.get("db")
    if session is not None:
        session.rollback()
    return error_response(exc.status, exc.code, exc.message, **exc.details())


def _http_error(exc: HTTPException):
    status = exc.code or 500
    if status >= 500:
        return _unexpected_error(exc)
    # Werkzeug's stock descriptions are generic; ours say more. A view's own
    # description (abort(403, "...")) is kept as written.
    custom = exc.description and exc.description != type(exc).description
    message = exc.description if custom else FRIENDLY.get(status, exc.description or "")
    code = (exc.name or "error").lower().replace(" ", "_")
    return error_response(status, code, message, retry_after=getattr(exc, "retry_after", None))


def _unexpected_error(exc: BaseException):
    # Roll back first: the failed request's session must not leak into logging or later work.
    session = g.pop("db", None)
    if session is not None:
        session.rollback()
        session.close()
    if not isinstance(exc, InternalServerError):
        log.exception("unhandled error, request_id=%s", g.get("request_id"), exc_info=exc)
    else:
        log.error("internal error, request_id=%s", g.get("request_id"))
    return error_response(500, "internal_error", FRIENDLY[500])
