"""Charts drawn on the server as inline SVG: no JavaScript, readable by screen readers."""

from __future__ import annotations

from html import escape

PALETTE = ["#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df", "#bf3989", "#0a7ea4", "#57606a"]


def kept_rate_chart(series: dict[str, list[tuple[str, float, int]]], width: int = 720, height: int = 260) -> str:
    """Weekly kept rate per partner as lines; the title and desc describe it in words."""
    weeks = sorted({week for points in series.values() for week, _, _ in points})
    left, right, top, bottom = 44, 150, 16, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    if not weeks:
        return '<p class="empty">No decided promise in this period yet.</p>'

    def x(week: str) -> float:
        return left + (plot_w * weeks.index(week) / max(1, len(weeks) - 1))

    def y(rate: float) -> float:
        return top + plot_h * (1 - rate)

    parts = [f'<svg role="img" aria-labelledby="chart-title chart-desc" viewBox="0 0 {width} {height}" '
             f'class="chart" xmlns="http://www.w3.org/2000/svg">',
             '<title id="chart-title">Kept rate per partner, week by week</title>',
             f'<desc id="chart-desc">{escape(describe(series))}</desc>']
    for tick in (0, 0.25, 0.5, 0.75, 1):
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" class="grid"/>')
        parts.append(f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" class="axis">{int(tick * 100)}%</text>')
    step = max(1, len(weeks) // 6)
    for week in weeks[::step]:
        parts.append(f'<text x="{x(week):.1f}" y="{height - 12}" text-anchor="middle" class="axis">{escape(week)}</text>')
    for index, (partner, points) in enumerate(series.items()):
        color = PALETTE[index % len(PALETTE)]
        path = " ".join(f"{'M' if i == 0 else 'L'}{x(w):.1f},{y(r):.1f}" for i, (w, r, _) in enumerate(points))
        parts.append(f'<path d="{path}" fill="none" stroke="{color}" stroke-width="2.5"/>')
        for week, rate, total in points:
            parts.append(f'<circle cx="{x(week):.1f}" cy="{y(rate):.1f}" r="3.5" fill="{color}">'
                         f'<title>{escape(partner)} {escape(week)}: {rate:.0%} of {total}</title></circle>')
        ly = top + 16 * index + 8
        parts.append(f'<rect x="{left + plot_w + 14}" y="{ly - 8}" width="12" height="12" fill="{color}"/>')
        parts.append(f'<text x="{left + plot_w + 32}" y="{ly + 2}" class="legend">{escape(partner)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def describe(series: dict[str, list[tuple[str, float, int]]]) -> str:
    return "; ".join(f"{partner}: " + ", ".join(f"{w} {r:.0%}" for w, r, _ in points)
                     for partner, points in series.items())
