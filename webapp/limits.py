"""Rate limits (Flask-Limiter): failed sign-ins, sign-ups, API tokens, uploads and bad API tokens.

Each app gets a Limiter of its own (tests build many apps); its store is memory, or Redis when
HOLDOUT_REDIS_URL is set so that every process and host counts together. The limits are the
LIMIT_* settings (webapp/config.py); RATELIMIT_ENABLED=False turns them all off.
"""
from __future__ import annotations

import math
import time

from flask import Flask, current_app, g, request
from flask_limiter import Limiter, RateLimitExceeded
from flask_login import current_user

from .errors import error_response

EXTENSION = "holdout.limiter"

SIGNIN_MESSAGE = "Too many failed sign-in attempts. Wait a while before trying again, or ask an admin for a reset link."
SIGNUP_MESSAGE = "Too many sign-ups from your address. Please wait before trying again."
TOKENS_MESSAGE = "You have made many API tokens recently. Please wait before making another."
UPLOADS_MESSAGE = "Too many uploads in a short time. Please wait before sending another file."
API_AUTH_MESSAGE = "Too many requests with an unknown or revoked API token from your address. Please wait."


def remote_address() -> str:
    return request.remote_addr or "unknown"


def _username_key() -> str:
    # Per account, whatever address the attempts come from. Empty usernames are not counted here
    # (Flask-Limiter skips an empty key); the per-address limit still counts them.
    username = (request.form.get("username") or "").strip().lower()
    return f"account:{username}" if username else ""


def _user_key() -> str:
    user = g.get("api_user") if request.path.startswith("/api/") else None
    if user is None and current_user and current_user.is_authenticated:
        user = current_user
    return f"user:{user.id}" if user is not None else f"ip:{remote_address()}"


def _failed(status: int):
    return lambda response: response.status_code == status


def _setting(name: str):
    return lambda: current_app.config[name]


# endpoint -> [(setting, key function, methods, deduct_when or None, message)]
ROUTE_LIMITS = {
    "auth.signin": [("LIMIT_SIGNIN_ACCOUNT", _username_key, ["POST"], _failed(401), SIGNIN_MESSAGE),
                    ("LIMIT_SIGNIN_IP", remote_address, ["POST"], _failed(401), SIGNIN_MESSAGE)],
    "auth.signup": [("LIMIT_SIGNUP_IP", remote_address, ["POST"], None, SIGNUP_MESSAGE)],
    "auth.create_token": [("LIMIT_TOKENS", _user_key, ["POST"], None, TOKENS_MESSAGE)],
    "competitions.submit": [("LIMIT_UPLOADS", _user_key, ["POST"], None, UPLOADS_MESSAGE)],
    "api.submit": [("LIMIT_UPLOADS", _user_key, ["POST"], None, UPLOADS_MESSAGE)],
    "api.validate": [("LIMIT_UPLOADS", _user_key, ["POST"], None, UPLOADS_MESSAGE)],
}
# Uploads share one budget, whichever of the three ways a file arrives.
SHARED_SCOPE = {"competitions.submit": "uploads", "api.submit": "uploads", "api.validate": "uploads"}


def init_app(app: Flask) -> None:
    """Call after every blueprint is registered: the limits wrap the app's view functions."""
    limiter = Limiter(key_func=remote_address, app=app)
    app.extensions[EXTENSION] = limiter
    for endpoint, rules in ROUTE_LIMITS.items():
        view = app.view_functions.get(endpoint)
        if view is None:
            continue
        for setting, key_func, methods, deduct_when, message in rules:
            scope = SHARED_SCOPE.get(endpoint)
            if scope:
                decorator = limiter.shared_limit(_setting(setting), scope=scope, key_func=key_func, methods=methods,
                                                 deduct_when=deduct_when, error_message=message)
            else:
                decorator = limiter.limit(_setting(setting), key_func=key_func, methods=methods,
                                          deduct_when=deduct_when, error_message=message)
            view = decorator(view)
        app.view_functions[endpoint] = view
    app.register_error_handler(RateLimitExceeded, _too_many)


def limiter_of(app: Flask) -> Limiter:
    return app.extensions[EXTENSION]


def refuse_bad_api_token():
    """Counts a request with an unknown or revoked API token against its address.

    Returns the 429 response once the address is over LIMIT_API_AUTH_IP, else None.
    """
    limiter = current_app.extensions.get(EXTENSION)
    if limiter is None or not limiter.enabled:
        return None
    from limits import parse_many

    key = (current_app.config.get("RATELIMIT_KEY_PREFIX", ""), "api-auth", remote_address())
    for item in sorted(parse_many(current_app.config["LIMIT_API_AUTH_IP"])):
        if not limiter.limiter.hit(item, *key):
            reset_at, _ = limiter.limiter.get_window_stats(item, *key)
            return error_response(429, "too_many_requests", API_AUTH_MESSAGE, retry_after=_seconds_until(reset_at))
    return None


def _seconds_until(reset_at: float) -> int:
    return max(1, math.ceil(reset_at - time.time()))


def _too_many(exc: RateLimitExceeded):
    limiter = current_app.extensions.get(EXTENSION)
    current = limiter.current_limit if limiter is not None else None
    retry_after = _seconds_until(current.reset_at) if current is not None else 60
    session = g.get("db")
    if session is not None:
        session.rollback()
    return error_response(429, "too_many_requests", exc.description, retry_after=retry_after)
