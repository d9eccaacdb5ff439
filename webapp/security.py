"""Response security headers and CSRF protection."""
from __future__ import annotations

from flask import Flask, current_app
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()

# No inline script or style anywhere: every asset is a file under /static.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    app.after_request(_add_headers)


def _add_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    # Production only (HOLDOUT_ENV=production, served over HTTPS): browsers then refuse plain HTTP.
    hsts = current_app.config.get("HSTS")
    if hsts:
        response.headers.setdefault("Strict-Transport-Security", hsts)
    return response
