"""Input the database cannot store is refused with 400 or 404 before any view sees it.

One place for every route:
- ``<int:...>`` in URLs matches only ids a 32-bit INTEGER column can hold (Werkzeug's own converter
  takes any length, and a 20-digit id made SQLite raise OverflowError and PostgreSQL a DataError);
  a larger one is simply no page: 404;
- a NUL byte anywhere in the path, the query string, a form field or an uploaded file's name: 400
  (PostgreSQL text cannot hold NUL);
- JSON bodies (and ``strict_json_loads`` for JSON inside form fields) refuse NUL bytes, NaN and
  Infinity, integers outside 64 bits and nesting deeper than MAX_JSON_DEPTH: 400;
- as a last net, a database refusing a value (``DataError``, SQLite's ``OverflowError``) is a 400,
  never a 500.
"""
from __future__ import annotations

import json
import logging
import math

from flask import Flask, Request, g, request
from sqlalchemy.exc import DataError, StatementError
from werkzeug.routing import IntegerConverter

from .errors import error_response

log = logging.getLogger("holdout")

MAX_ID = 2**31 - 1          # the ids are INTEGER columns (32-bit on PostgreSQL)
MAX_JSON_INT = 2**63 - 1    # BIGINT; anything wider is refused
MAX_JSON_DEPTH = 32
NUL = "\x00"
NUL_MESSAGE = "The request contains a NUL character (\\0), which no text field can hold."


# 0 .. 2147483647 (MAX_ID), leading zeros allowed as Werkzeug's int converter allows them.
_UP_TO_MAX_ID = (r"0*(?:[0-9]{1,9}|1[0-9]{9}|20[0-9]{8}|21[0-3][0-9]{7}|214[0-6][0-9]{6}|2147[0-3][0-9]{5}"
                 r"|21474[0-7][0-9]{4}|214748[0-2][0-9]{3}|2147483[0-5][0-9]{2}|21474836[0-3][0-9]|214748364[0-7])")


class IdConverter(IntegerConverter):
    """``<int:...>`` bounded to what an INTEGER id column holds: a larger number matches no route (404)."""

    # The bound is in the regex too: a converter that refuses in to_python makes Werkzeug answer 405
    # (not 404) when another rule on the same path takes a different method, e.g. DELETE /posts/<huge>.
    regex = _UP_TO_MAX_ID

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002 - Werkzeug's names
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a number JSON may carry here")


def _bounded_int(text: str) -> int:
    # Checked on the digits first, so a 100,000-digit number costs nothing to refuse.
    if len(text.lstrip("-")) > 19 or not -MAX_JSON_INT - 1 <= int(text) <= MAX_JSON_INT:
        raise ValueError("integers must fit in 64 bits")
    return int(text)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("numbers must be finite")
    return value


def _check_tree(value, doc: str) -> None:
    """Depth and NUL bytes, walked without recursion."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise json.JSONDecodeError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels", doc, 0)
        if isinstance(item, str):
            if NUL in item:
                raise json.JSONDecodeError("JSON text contains a NUL character", doc, 0)
        elif isinstance(item, dict):
            for key, child in item.items():
                if NUL in key:
                    raise json.JSONDecodeError("JSON text contains a NUL character", doc, 0)
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)


def strict_json_loads(data, **kwargs):
    """json.loads that refuses what the database cannot store; errors are JSONDecodeError (a ValueError)."""
    doc = data.decode("utf-8", "replace") if isinstance(data, (bytes, bytearray)) else str(data)
    try:
        value = json.loads(data, parse_constant=_reject_constant, parse_int=_bounded_int,
                           parse_float=_finite_float, **kwargs)
    except RecursionError:
        raise json.JSONDecodeError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels", doc, 0) from None
    except json.JSONDecodeError:
        raise
    except ValueError as exc:
        raise json.JSONDecodeError(str(exc), doc, 0) from None
    _check_tree(value, doc)
    return value


class _StrictJSON:
    """What Request.get_json calls: the strict loader; dumps as usual."""

    loads = staticmethod(strict_json_loads)
    dumps = staticmethod(json.dumps)


class GuardedRequest(Request):
    """Request bodies are parsed strictly; the app's own JSON (session cookies, responses) is left alone."""

    @property
    def json_module(self):
        return _StrictJSON

    @json_module.setter
    def json_module(self, value) -> None:
        # Flask's RequestContext sets the app's provider here; request bodies keep the strict loader.
        pass


def init_app(app: Flask) -> None:
    app.request_class = GuardedRequest
    app.url_map.converters["int"] = IdConverter
    app.before_request(_refuse_nul)
    app.register_error_handler(DataError, _unstorable)
    app.register_error_handler(OverflowError, _unstorable)
    app.register_error_handler(StatementError, _statement_error)


def _has_nul(pairs) -> bool:
    return any(NUL in key or NUL in value for key, value in pairs)


def _refuse_nul():
    if NUL in request.path or _has_nul(request.args.items(multi=True)):
        return error_response(400, "bad_request", NUL_MESSAGE)
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        if _has_nul(request.form.items(multi=True)):
            return error_response(400, "bad_request", NUL_MESSAGE)
        if any(NUL in key or NUL in (f.filename or "") for key, f in request.files.items(multi=True)):
            return error_response(400, "bad_request", NUL_MESSAGE)
    return None


def _unstorable(exc: Exception):
    session = g.get("db")
    if session is not None:
        session.rollback()
    log.warning("the database refused a value, request_id=%s: %s", g.get("request_id"), exc)
    return error_response(400, "bad_request", "A value in the request cannot be stored: "
                          "a number too large, a date out of range or a character text cannot hold.")


def _statement_error(exc: StatementError):
    # SQLAlchemy wraps a driver's refusal of a parameter (SQLite: "Python int too large").
    if isinstance(exc.orig, (OverflowError, DataError)) or isinstance(exc, DataError):
        return _unstorable(exc)
    from .errors import _unexpected_error

    return _unexpected_error(exc)
