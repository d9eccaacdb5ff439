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
    app.add_template_filter(post_markdown)
    app.add_template_filter(score)


def localtime(value: datetime | None) -> Markup:
    """A <time> element in UTC; holdout.js rewrites it in the viewer's time zone."""
    if value is None:
        return Markup("—")
    iso = value.isoformat()
    text = value.strftime("%Y-%m-%d %H:%M UTC")
    return Markup(f'<time datetime="{escape(iso)}">{escape(text)}</time>')


# Pygments marks tokens with classes (styled in holdout.css); classes can only style, never run.
_ALLOWED_ATTRIBUTES = {**nh3.ALLOWED_ATTRIBUTES, "span": {"class"}, "div": {"class"}, "code": {"class"}}
_MD_EXTENSIONS = ["fenced_code", "tables", "codehilite"]
# guess_lang off: an unlabelled block stays plain text rather than being mis-highlighted.
_MD_CONFIG = {"codehilite": {"guess_lang": False, "css_class": "codehilite"}}


def markdown(text: str | None) -> Markup:
    html = md.markdown(text or "", extensions=_MD_EXTENSIONS, extension_configs=_MD_CONFIG)
    # Organizers write this Markdown, learners read it: sanitize so no script can ride along.
    return Markup(nh3.clean(html, tags=_ALLOWED_TAGS, attributes=_ALLOWED_ATTRIBUTES,
                            url_schemes={"http", "https", "mailto"}))


def post_markdown(text: str | None) -> Markup:
    """Markdown anyone who joined can write (posts, write-ups): no images (nothing is attached or
    fetched from elsewhere), and links marked so search engines and opened pages get no credit or handle."""
    html = md.markdown(text or "", extensions=_MD_EXTENSIONS, extension_configs=_MD_CONFIG)
    return Markup(nh3.clean(html, tags=_ALLOWED_TAGS - {"img"}, attributes=_ALLOWED_ATTRIBUTES,
                            url_schemes={"http", "https", "mailto"}, link_rel="nofollow ugc noopener"))


def score(value: float | None, digits: int = 5) -> str:
    if value is None:
        return "—"
    return f"{value:.{digits}f}"
