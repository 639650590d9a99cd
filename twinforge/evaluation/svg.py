"""Small inline-SVG charts for the offline HTML report (no JavaScript, no CDN).

plotly.js alone is ~4.5 MB and needs a browser to draw; these charts are a few
kilobytes each and render anywhere, including headless Chromium.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

REAL_COLOUR, SYNTHETIC_COLOUR, HOLDOUT_COLOUR = "#4c72b0", "#dd8452", "#55a868"
SERIES_COLOURS = (REAL_COLOUR, SYNTHETIC_COLOUR, HOLDOUT_COLOUR, "#8172b3")
_W, _H, _PAD = 340, 180, 24


def e(v: Any) -> str:
    return html.escape(str(v))


def svg(content: str, width: int = _W, height: int = _H, label: str = "") -> str:
    aria = f' aria-label="{e(label)}"' if label else ""
    return (
        f'<svg viewBox="0 0 {width} {height}" width="100%" role="img"{aria} '
        f'xmlns="http://www.w3.org/2000/svg">{content}</svg>'
    )


def overlaid_histogram(
    edges: Sequence[float], series: Sequence[tuple[Sequence[float], str]], axis: Callable[[float], str] = str
) -> str:
    """Bin shares of several samples on shared bins: the first as filled bars, the others as step outlines."""
    n = len(series[0][0])
    top = max(max(values) for values, _ in series) or 1.0
    width, height = (_W - 2 * _PAD) / n, _H - 2 * _PAD
    base = _PAD + height
    parts = []
    for k, v in enumerate(series[0][0]):
        h = height * v / top
        parts.append(
            f'<rect x="{_PAD + k * width:.1f}" y="{base - h:.1f}" width="{width:.1f}" height="{h:.1f}" '
            f'fill="{series[0][1]}" fill-opacity="0.45"/>'
        )
    for values, colour in series[1:]:
        points = [f"{_PAD:.1f},{base:.1f}"]
        for k, v in enumerate(values):
            y = base - height * v / top
            points += [f"{_PAD + k * width:.1f},{y:.1f}", f"{_PAD + (k + 1) * width:.1f},{y:.1f}"]
        points.append(f"{_PAD + n * width:.1f},{base:.1f}")
        parts.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" stroke-width="1.6"/>')
    parts.append(f'<line x1="{_PAD}" y1="{base}" x2="{_W - _PAD}" y2="{base}" stroke="#999" stroke-width="0.5"/>')
    labels = (
        f'<text x="{_PAD}" y="{_H - 6}" font-size="10">{e(axis(edges[0]))}</text>'
        f'<text x="{_W - _PAD}" y="{_H - 6}" font-size="10" text-anchor="end">{e(axis(edges[-1]))}</text>'
    )
    return svg("".join(parts) + labels)


def paired_bars(
    labels: Sequence[str],
    series: Sequence[tuple[Sequence[float], str]],
    *,
    top: float | None = None,
    value_text: Callable[[float], str] | None = None,
    label_width: int = 110,
) -> str:
    """Horizontal bars, one row per label, one bar per series (thicker when there is one series)."""
    bar = 6 if len(series) > 1 else 11
    row = 8 + (bar + 1) * len(series)
    top = top or max([max(values) for values, _ in series if len(values)] + [1e-12])
    span = _W - label_width - (40 if value_text else 8)
    max_chars = max(6, label_width // 6)
    parts = []
    for k, label in enumerate(labels):
        y = 4 + k * row
        short = label if len(label) <= max_chars else label[: max_chars - 1] + "…"
        parts.append(
            f'<text x="{label_width - 4}" y="{y + 3 + (bar + 1) * len(series) / 2 + 3:.1f}" font-size="10" '
            f'text-anchor="end"><title>{e(label)}</title>{e(short)}</text>'
        )
        for s, (values, colour) in enumerate(series):
            w = span * max(values[k], 0.0) / top
            parts.append(
                f'<rect x="{label_width}" y="{y + (bar + 1) * s}" width="{w:.1f}" height="{bar}" fill="{colour}"/>'
            )
            if value_text:
                parts.append(
                    f'<text x="{label_width + w + 3:.1f}" y="{y + (bar + 1) * s + bar - 1}" '
                    f'font-size="{min(10, bar + 2)}">{e(value_text(values[k]))}</text>'
                )
    return svg("".join(parts), height=max(row * len(labels) + 8, 30))


def heatmap(
    names: Sequence[str],
    matrix: Sequence[Sequence[float | None]],
    *,
    low: float = 0.0,
    high: float = 1.0,
    diverging: bool = False,
) -> str:
    """A square matrix as coloured cells (hover shows the value); grey where undefined."""
    n = len(names)
    label_w = 90
    cell = max(6.0, min(22.0, (_W - label_w) / max(n, 1)))
    size = label_w + cell * n
    parts = []
    for i, name in enumerate(names):
        short = name if len(name) <= 14 else name[:13] + "…"
        parts.append(
            f'<text x="{label_w - 3}" y="{label_w + cell * i + cell * 0.7:.1f}" font-size="{min(9, cell):.0f}" '
            f'text-anchor="end">{e(short)}</text>'
        )
        x = label_w + cell * i + cell * 0.7
        parts.append(
            f'<text x="{x:.1f}" y="{label_w - 3}" font-size="{min(9, cell):.0f}" '
            f'transform="rotate(-60 {x:.1f} {label_w - 3})">{e(short)}</text>'
        )
        for j in range(n):
            v = matrix[i][j]
            colour = "#dddddd" if v is None else _colour(v, low, high, diverging)
            tip = f"{names[i]} × {names[j]}: " + ("undefined" if v is None else f"{v:.3f}")
            parts.append(
                f'<rect x="{label_w + cell * j:.1f}" y="{label_w + cell * i:.1f}" width="{cell:.1f}" '
                f'height="{cell:.1f}" fill="{colour}"><title>{e(tip)}</title></rect>'
            )
    return svg("".join(parts), width=int(size) + 50, height=int(size) + 4)  # room for the last rotated label


def _colour(v: float, low: float, high: float, diverging: bool) -> str:
    t = min(1.0, max(0.0, (v - low) / (high - low))) if high > low else 0.0
    if diverging:  # blue - white - red
        if t < 0.5:
            k = t / 0.5
            r, g, b = 59 + (255 - 59) * k, 76 + (255 - 76) * k, 192 + (255 - 192) * k
        else:
            k = (t - 0.5) / 0.5
            r, g, b = 255 - (255 - 180) * k, 255 - (255 - 4) * k, 255 - (255 - 38) * k
    else:  # white to dark blue
        r, g, b = 255 - (255 - 8) * t, 255 - (255 - 48) * t, 255 - (255 - 107) * t
    return f"rgb({r:.0f},{g:.0f},{b:.0f})"


def legend(items: Sequence[tuple[str, str]]) -> str:
    return (
        '<p class="legend">' + "".join(f'<span style="background:{c}"></span>{e(label)}' for label, c in items) + "</p>"
    )
