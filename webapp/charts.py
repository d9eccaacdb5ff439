"""Small server-rendered SVG charts (no script, no CDN): the standings' sparklines and the
portfolio's percentile chart. Values are numbers we computed; labels are escaped."""
from __future__ import annotations

from markupsafe import Markup, escape


def _points(values: list[float], width: float, height: float, pad: float, low: float, high: float) -> list[tuple]:
    span = (high - low) or 1.0
    step = (width - 2 * pad) / max(len(values) - 1, 1)
    return [(pad + i * step, height - pad - (v - low) / span * (height - 2 * pad)) for i, v in enumerate(values)]


def sparkline(values: list[float], width: int = 120, height: int = 28, label: str = "") -> Markup:
    """Cumulative points over the season; a flat line for a single value."""
    if not values:
        return Markup("")
    series = [0.0, *values]
    pts = _points(series, width, height, 3, 0.0, max(series))
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
    x, y = pts[-1]
    return Markup(
        f'<svg class="sparkline" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(label)}"><polyline points="{path}" fill="none" stroke="currentColor" '
        f'stroke-width="2"/><circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="currentColor"/></svg>')


def percentile_chart(points: list[tuple[str, float]], width: int = 560, height: int = 160) -> Markup:
    """Percentile (100 = first) of each finished competition, oldest first, with a 50% guide line."""
    if not points:
        return Markup("")
    pad = 18
    pts = _points([p for _, p in points], width, height, pad, 0.0, 100.0)
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
    mid = height - pad - 0.5 * (height - 2 * pad)
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4"><title>{escape(name)}: {value:g}</title></circle>'
                   for (x, y), (name, value) in zip(pts, points))
    return Markup(
        f'<svg class="percentile-chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Percentile in each finished competition, oldest first">'
        f'<line x1="{pad}" x2="{width - pad}" y1="{mid:.1f}" y2="{mid:.1f}" class="guide"/>'
        f'<text x="2" y="{pad - 4}" class="axis">100</text><text x="2" y="{height - 4}" class="axis">0</text>'
        f'<polyline points="{path}" fill="none" stroke="currentColor" stroke-width="2"/>{dots}</svg>')
