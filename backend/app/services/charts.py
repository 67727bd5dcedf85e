"""Charts drawn on the server as inline SVG (no JavaScript, nothing downloaded).

Pure functions returning SVG text. Every label is escaped. Styling uses presentation attributes only
(fill, stroke), never `style=`, so the page's Content-Security-Policy needs no 'unsafe-inline'.
Bar lengths are proportional to the values (the longest bar is the largest value).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

BAR_COLOR = "#a3181b"
LINE_COLOR = "#1f5fa8"
TEXT_COLOR = "#1d2733"
GRID_COLOR = "#d9d6cf"


def _fmt(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def bar_chart(items: Sequence[tuple[str, int]], title: str, *, width: int = 640, bar_height: int = 22,
              gap: int = 8, label_width: int = 230) -> str:
    """Horizontal bars, one per (label, value), with the value written after each bar."""
    items = list(items)
    top = 8
    height = top + max(1, len(items)) * (bar_height + gap) + 4
    plot = width - label_width - 60
    largest = max((v for _, v in items), default=0)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
             f'width="100%" role="img" aria-label="{escape(title, quote=True)}">',
             f"<title>{escape(title)}</title>"]
    if not items or largest == 0:
        parts.append(f'<text x="0" y="{top + 16}" fill="{TEXT_COLOR}" font-size="14">Không có dữ liệu</text>')
    for i, (label, value) in enumerate(items):
        y = top + i * (bar_height + gap)
        length = plot * value / largest if largest else 0
        shown = label if len(label) <= 34 else label[:33] + "…"
        parts.append(f'<text x="{label_width - 8}" y="{_fmt(y + bar_height * 0.7)}" text-anchor="end" '
                     f'fill="{TEXT_COLOR}" font-size="13">{escape(shown)}<title>{escape(label)}</title></text>')
        parts.append(f'<rect class="bar" x="{label_width}" y="{y}" width="{_fmt(length)}" height="{bar_height}" '
                     f'fill="{BAR_COLOR}" data-value="{int(value)}"/>')
        parts.append(f'<text x="{_fmt(label_width + length + 6)}" y="{_fmt(y + bar_height * 0.7)}" '
                     f'fill="{TEXT_COLOR}" font-size="13">{int(value)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def line_chart(points: Sequence[tuple[str, int]], title: str, *, width: int = 640, height: int = 160) -> str:
    """A small line of daily volumes; x labels are shown for the first, every 5th and the last point."""
    points = list(points)
    left, right, top, bottom = 36, 10, 10, 24
    plot_w, plot_h = width - left - right, height - top - bottom
    largest = max((v for _, v in points), default=0)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
             f'width="100%" role="img" aria-label="{escape(title, quote=True)}">',
             f"<title>{escape(title)}</title>",
             f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="{GRID_COLOR}"/>',
             f'<text x="{left - 6}" y="{top + 10}" text-anchor="end" fill="{TEXT_COLOR}" font-size="11">'
             f"{largest}</text>",
             f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end" fill="{TEXT_COLOR}" font-size="11">0</text>']
    if not points:
        parts.append("</svg>")
        return "".join(parts)
    step = plot_w / max(1, len(points) - 1)
    coords = []
    for i, (_, value) in enumerate(points):
        x = left + i * step
        y = top + plot_h - (plot_h * value / largest if largest else 0)
        coords.append((x, y))
    polyline = " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in coords)
    parts.append(f'<polyline class="line" points="{polyline}" fill="none" stroke="{LINE_COLOR}" stroke-width="2"/>')
    for i, ((label, value), (x, y)) in enumerate(zip(points, coords)):
        parts.append(f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="2.5" fill="{LINE_COLOR}">'
                     f"<title>{escape(label)}: {int(value)}</title></circle>")
        if i == 0 or i == len(points) - 1 or (i + 1) % 5 == 0:
            parts.append(f'<text x="{_fmt(x)}" y="{height - 6}" text-anchor="middle" fill="{TEXT_COLOR}" '
                         f'font-size="11">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)
