"""Jinja filters: times in the viewer's zone, sanitized Markdown, score formatting."""
from __future__ import annotations

from datetime import datetime

import markdown as md
import nh3
from flask import Flask
from markupsafe import Markup, escape

_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "th", "thead", "tr", "ul",
}


def init_app(app: Flask) -> None:
    app.add_template_filter(localtime)
    app.add_template_filter(markdown)
    app.add_template_filter(score)


def localtime(value: datetime | None) -> Markup:
    """A <time> element in UTC; holdout.js rewrites it in the viewer's time zone."""
    if value is None:
        return Markup("—")
    iso = value.isoformat()
    text = value.strftime("%Y-%m-%d %H:%M UTC")
    return Markup(f'<time datetime="{escape(iso)}">{escape(text)}</time>')


def markdown(text: str | None) -> Markup:
    html = md.markdown(text or "", extensions=["fenced_code", "tables"])
    # Organizers write this Markdown, learners read it: sanitize so no script can ride along.
    return Markup(nh3.clean(html, tags=_ALLOWED_TAGS, url_schemes={"http", "https", "mailto"}))


def score(value: float | None, digits: int = 5) -> str:
    if value is None:
        return "—"
    return f"{value:.{digits}f}"
