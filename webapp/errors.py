"""Error pages for people, JSON errors for /api/, and a request id on every response.

The one error policy for a DomainError (a refusal written for the user):
1. a form with fields shows it next to its field (`show_on_form`) and is
   rendered again with 422, keeping what the user typed;
2. an action button, a view marked `@returns_to(page)`, shows it as a message
   on the page the button was on (303 redirect back there), except a refusal
   of access (403, 404), which no message next to a button could fix;
3. anything else, every GET page and the whole API, reaches the one handler
   below: an error page, or JSON under /api/.
"""
from __future__ import annotations

import logging
import uuid
from functools import wraps

from flask import Flask, Response, flash, g, jsonify, make_response, redirect, render_template, request, url_for
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


def returns_to(endpoint: str, *args: str):
    """Mark an action view: a DomainError goes back to `endpoint` (built from the view's
    own URL arguments named in `args`) as a message, instead of to an error page."""

    def decorator(view):
        @wraps(view)
        def wrapped(*a, **kwargs):
            g.return_to = (endpoint, {name: kwargs[name] for name in args})
            return view(*a, **kwargs)

        return wrapped

    return decorator


def show_on_form(form, exc: DomainError) -> None:
    """Attach a refusal to the form field it names, or above the form when it names none."""
    target = getattr(form, exc.field, None) if exc.field else None
    if target is not None and hasattr(target, "errors"):
        target.errors = list(target.errors) + [exc.message]
    else:
        flash(exc.message, "error")


def _domain_error(exc: DomainError):
    # A use case refused: the message is written for the user, so show it as is.
    session = g.get("db")
    if session is not None:
        session.rollback()
    if not wants_json() and request.method == "POST" and g.get("return_to") and exc.status not in (403, 404):
        endpoint, args = g.return_to
        flash(exc.message, "error")
        return redirect(url_for(endpoint, **args), 303)
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
    # Roll back first: the failed request's work must not leak into later work. The session
    # stays open (teardown closes it) so the page can still read the signed-in user.
    session = g.get("db")
    if session is not None:
        session.rollback()
    if not isinstance(exc, InternalServerError):
        log.exception("unhandled error, request_id=%s", g.get("request_id"), exc_info=exc)
    else:
        log.error("internal error, request_id=%s", g.get("request_id"))
    try:
        return error_response(500, "internal_error", FRIENDLY[500])
    except Exception:  # noqa: BLE001 - the error page must never fail: a plain one, whatever broke
        log.exception("the error page failed, request_id=%s", g.get("request_id"))
        response = make_response(f"{FRIENDLY[500]} (request {g.get('request_id', '')})", 500)
        response.mimetype = "text/plain"
        return response
