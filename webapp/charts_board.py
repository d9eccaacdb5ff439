"""The leaderboard's pictures, server-rendered SVG (no script, no CDN): each score's 95% interval as
an error bar on one scale per page, the distribution of scores, and after finalize the public-rank
versus private-rank chart. Every chart carries a text alternative (role="img" with aria-label, and
<title> tooltips); numbers are ours, names are escaped."""
from __future__ import annotations

import math
from statistics import median

from markupsafe import Markup, escape


def _fmt(value: float) -> str:
    return f"{value:.5g}"


def scale_for(entries) -> tuple[float, float] | None:
    """The common scale of a page's error bars: every shown score and interval fits, with a margin."""
    values = []
    for e in entries:
        if e.score is not None and math.isfinite(e.score):
            values.append(e.score)
        if e.ci:
            values.extend(v for v in e.ci if v is not None and math.isfinite(v))
    if not values:
        return None
    low, high = min(values), max(values)
    pad = (high - low) * 0.04 or abs(high) * 0.01 or 1.0
    return low - pad, high + pad


def error_bar(entry, scale: tuple[float, float] | None, width: int = 120, height: int = 16) -> Markup:
    """A dot at the score and a line across its 95% interval, positioned on the page's scale. What lies
    beyond the scale (a neighbourhood row below the page's rows, say) is drawn to the edge with no cap,
    and a score beyond it as an arrow at that edge, and the text alternative says so."""
    if scale is None or entry.score is None or not math.isfinite(entry.score):
        return Markup("")
    low, high = scale
    span = (high - low) or 1.0

    def x(v: float) -> float:
        return 4 + (min(max(v, low), high) - low) / span * (width - 8)

    def inside(v: float) -> bool:
        return low <= v <= high

    mid = height / 2
    parts = []
    if entry.ci:
        a, b = x(entry.ci[0]), x(entry.ci[1])
        label = f"Score {_fmt(entry.score)}, 95% interval {_fmt(entry.ci[0])} to {_fmt(entry.ci[1])}"
        parts.append(f'<line class="bar" x1="{a:.1f}" x2="{b:.1f}" y1="{mid}" y2="{mid}"/>')
        parts.extend(f'<line class="cap" x1="{e:.1f}" x2="{e:.1f}" y1="{mid - 4}" y2="{mid + 4}"/>'
                     for e, v in ((a, entry.ci[0]), (b, entry.ci[1])) if inside(v))
    else:
        label = f"Score {_fmt(entry.score)}, no interval"
    if inside(entry.score):
        parts.append(f'<circle cx="{x(entry.score):.1f}" cy="{mid}" r="3"/>')
    else:
        left = entry.score < low
        tip, back = (1.0, 8.0) if left else (width - 1.0, width - 8.0)
        parts.append(f'<polygon class="off" points="{tip},{mid} {back},{mid - 5} {back},{mid + 5}"/>')
        label += ", beyond this page's scale"
    return Markup(f'<svg class="ci-bar" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
                  f'role="img" aria-label="{escape(label)}"><title>{escape(label)}</title>{"".join(parts)}</svg>')


def histogram(scores: list[float], greater_is_better: bool, bins: int = 20, width: int = 560,
              height: int = 110, mark: float | None = None) -> Markup:
    """How the teams' scores spread: bars of equal score ranges, the better end labelled.
    ``mark`` (a score) draws a line where it falls, e.g. the viewer's team."""
    scores = [s for s in scores if s is not None and math.isfinite(s)]
    if len(scores) < 2:
        return Markup("")
    low, high = min(scores), max(scores)
    span = high - low
    if span == 0:
        bins = 1
    counts = [0] * bins
    for s in scores:
        counts[min(int((s - low) / span * bins), bins - 1) if span else 0] += 1
    top, pad, base = max(counts), 4, height - 22
    bar_w = (width - 2 * pad) / bins
    bars = []
    for i, n in enumerate(counts):
        if not n:
            continue
        h = n / top * (base - pad)
        a = low + span * i / bins
        b = low + span * (i + 1) / bins
        bars.append(f'<rect x="{pad + i * bar_w + 0.5:.1f}" y="{base - h:.1f}" width="{max(bar_w - 1, 1):.1f}" '
                    f'height="{h:.1f}"><title>{n} team{"s" * (n != 1)} scored {_fmt(a)} to {_fmt(b)}</title></rect>')
    better = "higher is better" if greater_is_better else "lower is better"
    summary = (f"Distribution of {len(scores)} teams' scores, from {_fmt(low)} to {_fmt(high)}, "
               f"median {_fmt(median(scores))} ({better})")
    line = ""
    if mark is not None and math.isfinite(mark) and span:
        mx = pad + (mark - low) / span * (width - 2 * pad)
        line = f'<line class="mark" x1="{mx:.1f}" x2="{mx:.1f}" y1="{pad}" y2="{base}"/>'
    return Markup(
        f'<svg class="score-hist" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(summary)}">'
        f'<title>{escape(summary)}</title>{"".join(bars)}{line}'
        f'<line class="axis" x1="{pad}" x2="{width - pad}" y1="{base}" y2="{base}"/>'
        f'<text x="{pad}" y="{height - 6}" class="axis-label">{_fmt(low)}</text>'
        f'<text x="{width / 2:.0f}" y="{height - 6}" class="axis-label" text-anchor="middle">{better}</text>'
        f'<text x="{width - pad}" y="{height - 6}" class="axis-label" text-anchor="end">{_fmt(high)}</text>'
        f'</svg>')


def rank_scatter(moves, width: int = 360, height: int = 360, highlight: set[int] | None = None) -> Markup:
    """Public rank (x) against private rank (y), one dot per team, #1 at the top left; dots on the
    diagonal kept their place, dots below it fell. ``highlight`` (team ids) draws those dots hollow."""
    points = [m for m in moves if m.public_rank is not None]
    if not points:
        return Markup("")
    highlight = highlight or set()
    n = max(max(m.public_rank for m in points), max(m.private_rank for m in points))
    pad, left = 10, 34
    inner_w, inner_h = width - left - pad, height - pad - 34

    def px(rank: int) -> float:
        return left + (rank - 1) / max(n - 1, 1) * inner_w

    def py(rank: int) -> float:
        return pad + (rank - 1) / max(n - 1, 1) * inner_h

    dots = []
    for m in points:
        moved = "kept its place" if m.drop == 0 else (f"fell {m.drop}" if m.drop > 0 else f"rose {-m.drop}")
        title = f"{m.team}: public #{m.public_rank}, private #{m.private_rank} ({moved})"
        kind = "fell" if m.drop > 0 else ("rose" if m.drop < 0 else "kept")
        noted = " noted" if m.team_id in highlight else ""
        dots.append(f'<circle class="{kind}{noted}" cx="{px(m.public_rank):.1f}" cy="{py(m.private_rank):.1f}" '
                    f'r="{4 if n <= 60 else 2.5}"><title>{escape(title)}</title></circle>')
    fell = sum(1 for m in points if m.drop > 0)
    rose = sum(1 for m in points if m.drop < 0)
    summary = (f"Public rank against private rank for {len(points)} teams: {rose} rose, {fell} fell, "
               f"{len(points) - rose - fell} kept their place")
    bottom = pad + inner_h
    return Markup(
        f'<svg class="rank-scatter" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(summary)}">'
        f'<title>{escape(summary)}</title>'
        f'<line class="diag" x1="{px(1):.1f}" y1="{py(1):.1f}" x2="{px(n):.1f}" y2="{py(n):.1f}"/>'
        f'<line class="axis" x1="{left}" x2="{left + inner_w}" y1="{bottom + 4}" y2="{bottom + 4}"/>'
        f'<line class="axis" x1="{left - 4}" x2="{left - 4}" y1="{pad}" y2="{bottom}"/>'
        f'{"".join(dots)}'
        f'<text class="axis-label" x="{left}" y="{height - 16}">1</text>'
        f'<text class="axis-label" x="{left + inner_w}" y="{height - 16}" text-anchor="end">{n}</text>'
        f'<text class="axis-label" x="{left + inner_w / 2:.0f}" y="{height - 3}" text-anchor="middle">public rank</text>'
        f'<text class="axis-label" x="{left - 8}" y="{pad + 8}" text-anchor="end">1</text>'
        f'<text class="axis-label" x="{left - 8}" y="{bottom}" text-anchor="end">{n}</text>'
        f'<text class="axis-label" transform="translate(12 {pad + inner_h / 2:.0f}) rotate(-90)" '
        f'text-anchor="middle">private rank</text></svg>')
