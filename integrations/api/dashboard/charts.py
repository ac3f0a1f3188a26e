"""Charts drawn on the server as inline SVG: no JavaScript, readable by screen readers.

The legend is HTML next to the SVG (it wraps and stays legible on a phone, where the SVG
scales down); the SVG's title and desc say in words what the lines show.
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

# Colour-blind-friendly (Okabe-Ito), each with at least 3:1 contrast on white.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#8a6d00", "#56B4E9", "#000000", "#7f7f7f"]
DASHES = ["", "6 3", "2 3", "8 3 2 3", "", "6 3", "2 3", "8 3 2 3"]


def kept_rate_chart(series: dict[str, list[tuple[str, float, int]]], width: int = 640, height: int = 280) -> str:
    """Weekly kept rate per partner as lines (colour and dash per partner), then an HTML legend."""
    weeks = sorted({week for points in series.values() for week, _, _ in points})
    if not weeks:
        return '<p class="empty">No decided promise in this period yet.</p>'
    left, right, top, bottom = 52, 40, 14, 40  # room for the last week label, centred on its point
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(week: str) -> float:
        if len(weeks) == 1:
            return left + plot_w / 2
        return left + plot_w * weeks.index(week) / (len(weeks) - 1)

    def y(rate: float) -> float:
        return top + plot_h * (1 - rate)

    parts = [
        f'<svg role="img" aria-labelledby="chart-title chart-desc" viewBox="0 0 {width} {height}" '
        f'class="chart" xmlns="http://www.w3.org/2000/svg">',
        '<title id="chart-title">Kept rate per partner, week by week</title>',
        f'<desc id="chart-desc">{escape(describe(series))}</desc>',
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1):
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" class="grid"/>')
        parts.append(f'<text x="{left - 8}" y="{y(tick) + 5:.1f}" text-anchor="end" class="axis">{int(tick * 100)}%</text>')
    step = max(1, -(-len(weeks) // 6))
    for week in weeks[::step]:
        parts.append(f'<text x="{x(week):.1f}" y="{height - 12}" text-anchor="middle" class="axis">{escape(week)}</text>')
    legend = []
    for index, (partner, points) in enumerate(series.items()):
        color, dash = PALETTE[index % len(PALETTE)], DASHES[index % len(DASHES)]
        path = " ".join(f"{'M' if i == 0 else 'L'}{x(w):.1f},{y(r):.1f}" for i, (w, r, _) in enumerate(points))
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<path d="{path}" fill="none" stroke="{color}" stroke-width="2.5"{dashed}/>')
        for week, rate, total in points:
            parts.append(
                f'<circle cx="{x(week):.1f}" cy="{y(rate):.1f}" r="4" fill="{color}">'
                f"<title>{escape(partner)} {escape(week)}: {rate:.0%} of {total}</title></circle>"
            )
        kept = sum(rate * total for _, rate, total in points)
        decided = sum(total for _, _, total in points)
        legend.append(
            f'<li><svg width="28" height="10" aria-hidden="true"><line x1="0" x2="28" y1="5" y2="5" '
            f'stroke="{color}" stroke-width="3"{dashed}/></svg> {escape(partner)} '
            f'<span class="muted">{kept / decided:.0%} of {decided:,}</span></li>'
        )
    parts.append("</svg>")
    return "".join(parts) + f'<ul class="chart-legend" aria-label="Legend">{"".join(legend)}</ul>'


SMALL_MULTIPLES_FROM = 5  # more partners than this: one small chart each, not one tangle of lines


def kept_rate_charts(series: dict[str, list[tuple[str, float, int]]]) -> str:
    """A few partners share one chart; many get one small chart each, in a grid that wraps (one
    per row on a phone), sorted from the lowest kept rate, each titled with a link to its stuck list."""
    if len(series) < SMALL_MULTIPLES_FROM:
        return kept_rate_chart(series)
    weeks = sorted({week for points in series.values() for week, _, _ in points})

    def overall(points: list[tuple[str, float, int]]) -> float:
        decided = sum(total for _, _, total in points)
        return sum(rate * total for _, rate, total in points) / decided if decided else 0.0

    cells = []
    for partner, points in sorted(series.items(), key=lambda item: (overall(item[1]), item[0])):
        cells.append(
            f'<li class="small-chart"><h3><a href="/?{urlencode({"partner": partner})}">{escape(partner)}</a> '
            f'<span class="muted">{overall(points):.0%} of {sum(t for _, _, t in points):,}</span></h3>'
            f"{sparkline(partner, points, weeks)}</li>"
        )
    return (
        f'<p class="muted">{len(series)} partners, lowest kept rate first; weeks {escape(weeks[0])} to '
        f'{escape(weeks[-1])}; the dashed line is 80%.</p><ul class="small-charts">{"".join(cells)}</ul>'
    )


def sparkline(partner: str, points: list[tuple[str, float, int]], weeks: list[str], width: int = 240, height: int = 90) -> str:
    left, right, top, bottom = 34, 8, 8, 8
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(week: str) -> float:
        return left + (plot_w * weeks.index(week) / (len(weeks) - 1) if len(weeks) > 1 else plot_w / 2)

    def y(rate: float) -> float:
        return top + plot_h * (1 - rate)

    words = ", ".join(f"{w} {r:.0%}" for w, r, _ in points)
    parts = [
        f'<svg role="img" viewBox="0 0 {width} {height}" class="spark" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(partner)}: kept rate by week: {escape(words)}</title>"
    ]
    for tick in (0, 1):
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" class="grid"/>'
            f'<text x="{left - 4}" y="{y(tick) + 4:.1f}" text-anchor="end" class="axis">{tick * 100}%</text>'
        )
    parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(0.8):.1f}" y2="{y(0.8):.1f}" class="target"/>')
    path = " ".join(f"{'M' if i == 0 else 'L'}{x(w):.1f},{y(r):.1f}" for i, (w, r, _) in enumerate(points))
    parts.append(f'<path d="{path}" fill="none" stroke="{PALETTE[0]}" stroke-width="2"/>')
    for week, rate, total in points:
        parts.append(
            f'<circle cx="{x(week):.1f}" cy="{y(rate):.1f}" r="2.5" fill="{PALETTE[0]}">'
            f"<title>{escape(week)}: {rate:.0%} of {total}</title></circle>"
        )
    return "".join(parts) + "</svg>"


def describe(series: dict[str, list[tuple[str, float, int]]]) -> str:
    return "; ".join(f"{partner}: " + ", ".join(f"{w} {r:.0%}" for w, r, _ in points) for partner, points in series.items())
