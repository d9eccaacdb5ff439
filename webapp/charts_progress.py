"""The My submissions chart: a team's public scores over time with the best-so-far line.

Server-rendered SVG (no script, no CDN) that scales to its box (viewBox, width 100% in CSS).
Values are numbers we computed; dates are formatted here and escaped like every label.
"""
from __future__ import annotations

from markupsafe import Markup, escape

from competitions.progress import Point

LEFT, RIGHT, TOP, BOTTOM = 64, 14, 14, 34


def progress_chart(points: list[Point], greater_is_better: bool) -> Markup:
    """The chart twice, drawn for a laptop (640 wide) and for a phone (340 wide): CSS shows the one
    that fits (progress.css), so its text stays readable instead of shrinking with the drawing."""
    if not points:
        return Markup("")
    return (_chart(points, greater_is_better, 640, 220, "chart-wide")
            + _chart(points, greater_is_better, 340, 200, "chart-narrow"))


def _chart(points: list[Point], greater_is_better: bool, width: int, height: int, css: str) -> Markup:
    """Dots for every scored submission (hollow: late or disqualified, not ranked), a step line
    for the best so far, the score axis with its two ends and the first and last dates."""
    scores = [p.score for p in points] + [p.best for p in points]
    low, high = min(scores), max(scores)
    if high == low:
        low, high = low - 0.5 * (abs(low) or 1) * 0.01, high + 0.5 * (abs(high) or 1) * 0.01
    start, end = points[0].at, points[-1].at
    span_t = (end - start).total_seconds()

    def x(i: int, p: Point) -> float:
        # By time; all at one moment (or one point): evenly spaced instead.
        frac = ((p.at - start).total_seconds() / span_t) if span_t > 0 else (i / max(len(points) - 1, 1))
        return LEFT + frac * (width - LEFT - RIGHT)

    def y(v: float) -> float:
        return TOP + (high - v) / (high - low) * (height - TOP - BOTTOM)

    xs = [x(i, p) for i, p in enumerate(points)]
    steps = []
    for i, p in enumerate(points):
        if i:
            steps.append(f"{xs[i]:.1f},{y(points[i - 1].best):.1f}")
        steps.append(f"{xs[i]:.1f},{y(p.best):.1f}")
    dots = "".join(
        f'<circle cx="{xs[i]:.1f}" cy="{y(p.score):.1f}" r="4" class="{"dot" if p.ranked else "dot unranked"}">'
        f"<title>{escape(p.at.strftime('%Y-%m-%d %H:%M UTC'))}: {p.score:.5f}"
        f"{'' if p.ranked else ' (not ranked)'}</title></circle>"
        for i, p in enumerate(points))
    better = "higher is better" if greater_is_better else "lower is better"
    best = points[-1].best
    label = (f"Public score of {len(points)} scored submission{'s' * (len(points) != 1)} over time, {better}; "
             f"best so far {best:.5f}")
    axis_y = height - BOTTOM
    return Markup(
        f'<svg class="progress-chart {css}" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}" '
        f'preserveAspectRatio="xMidYMid meet">'
        f'<line class="axis-line" x1="{LEFT}" x2="{width - RIGHT}" y1="{axis_y}" y2="{axis_y}"/>'
        f'<line class="axis-line" x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{axis_y}"/>'
        f'<text class="axis" x="{(LEFT + width - RIGHT) / 2:.0f}" y="{height - 10}" text-anchor="middle">'
        f'{better}</text>'
        f'<text class="axis" x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end">{high:.4g}</text>'
        f'<text class="axis" x="{LEFT - 6}" y="{axis_y}" text-anchor="end">{low:.4g}</text>'
        f'<text class="axis" x="{LEFT}" y="{height - 10}">{escape(start.strftime("%b %d"))}</text>'
        f'<text class="axis" x="{width - RIGHT}" y="{height - 10}" text-anchor="end">'
        f'{escape(end.strftime("%b %d"))}</text>'
        f'<polyline class="best-line" points="{" ".join(steps)}" fill="none"/>{dots}</svg>')
