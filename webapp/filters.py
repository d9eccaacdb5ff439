"""Jinja filters: times in the viewer's zone, countdowns, file sizes, sanitized Markdown, score formatting."""
from __future__ import annotations

from datetime import datetime

import markdown as md
import nh3
from flask import Flask
from markupsafe import Markup, escape

from . import clock

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
    app.add_template_filter(countdown)
    app.add_template_filter(filesize)


def _utc_text(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")


def localtime(value: datetime | None, relative: bool = False) -> Markup:
    """A <time> element reading in UTC; holdout.js rewrites it in the viewer's time zone, keeps the UTC
    text as its tooltip, and with relative=True adds how long ago or how soon ("3 h ago")."""
    if value is None:
        return Markup("—")
    text = _utc_text(value)
    extra = ' data-relative=""' if relative else ""
    return Markup(f'<time datetime="{escape(value.isoformat())}" title="{escape(text)}"{extra}>'
                  f"{escape(text)}</time>")


def countdown(value: datetime | None) -> Markup:
    """Time left until a deadline ("2 d 4 h left"), with the UTC time as its tooltip. The server writes it
    as of this request, so it reads right without script; holdout.js keeps it ticking."""
    if value is None:
        return Markup("—")
    return Markup(f'<time class="countdown" datetime="{escape(value.isoformat())}" '
                  f'title="{escape(_utc_text(value))}" data-countdown="">{escape(time_left(value, clock.now()))}</time>')


def time_left(deadline: datetime, now: datetime) -> str:
    """The same words holdout.js writes: days and hours, then minutes, then seconds in the last hour."""
    seconds = int((deadline - now).total_seconds())
    if seconds <= 0:
        return "deadline passed"
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    if days:
        return f"{days} d {hours} h left"
    if hours:
        return f"{hours} h {minutes} min left"
    return f"{minutes} min {seconds} s left"


_UNITS = ("kB", "MB", "GB", "TB")


def filesize(value: int | None) -> str:
    """Bytes as people read them: 812 B, 4.2 kB, 13 MB (decimal units, as browsers and OSes show them),
    with a no-break space so a number never parts from its unit in a narrow table cell."""
    if value is None:
        return "—"
    if value < 1000:
        return f"{value}\u00a0B"
    size = float(value)
    for unit in _UNITS:
        size /= 1000
        if round(size, 1) < 10:
            return f"{size:.1f}\u00a0{unit}"
        if round(size) < 1000 or unit == _UNITS[-1]:
            return f"{size:.0f}\u00a0{unit}"
    raise AssertionError("unreachable")


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
