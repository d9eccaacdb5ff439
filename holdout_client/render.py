"""Text for people: tables, scores with intervals, problems, durations."""
from __future__ import annotations

import json
import sys
from datetime import datetime, timezone


def out(line: str = "") -> None:
    sys.stdout.write(line + "\n")


def err(line: str) -> None:
    sys.stderr.write(line + "\n")


def print_json(data) -> None:
    out(json.dumps(data, indent=2))


def table(headers: list[str], rows: list[list], empty: str = "(none)", indent: str = "") -> None:
    if not rows:
        out(indent + empty)
        return
    cells = [[str(c) for c in headers]] + [["-" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    for r in cells:
        out(indent + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())


def when(value: str | None) -> str:
    """ISO 8601 from the server as 'YYYY-MM-DD HH:MM UTC'; naive times are UTC on this server."""
    if not value:
        return "-"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def number(value) -> str:
    return "-" if value is None else f"{value:.6g}"


def interval(ci) -> str:
    return "-" if not ci else f"[{number(ci[0])}, {number(ci[1])}]"


def score(value, ci) -> str:
    if value is None:
        return "-"
    return number(value) + (f" (95% interval {number(ci[0])} to {number(ci[1])})" if ci else "")


def duration(seconds) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m" if minutes else f"{seconds}s"


def size(n) -> str:
    """Bytes in decimal units (812 B, 4.2 kB, 13 MB), as the web pages show them (webapp/filters.py)."""
    if n is None:
        return "-"
    if n < 1000:
        return f"{n} B"
    value = float(n)
    for unit in ("kB", "MB", "GB", "TB"):
        value /= 1000
        if round(value, 1) < 10:
            return f"{value:.1f} {unit}"
        if round(value) < 1000 or unit == "TB":
            return f"{value:.0f} {unit}"
    return str(n)


def problem(p: dict) -> str:
    """'  row 15, column target [not_numeric]: message' (row and column only when known)."""
    where = []
    if p.get("row") is not None:
        where.append(f"row {p['row']}")
    if p.get("column") is not None:
        where.append(f"column {p['column']}")
    place = (", ".join(where) + " ") if where else ""
    return f"  {place}[{p.get('code', '?')}]: {p.get('message', '')}"
