"""Charts as SVG markup, drawn on the server: pure functions of plain data.

Readable without colour: every bar carries its value as text, series differ by pattern as
well as shade, and each chart has a `<title>`, a `<desc>` and an `aria-label`. Every label is
escaped, so a proposal's or a sector's name can never become markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from statistics import median

from markupsafe import Markup, escape

PLOT_WIDTH = 310
VALUE_WIDTH = 110
MAX_LABEL = 56  # characters; a longer label is cut, whole in its tooltip
ROW = 26
BAR = 18
# Series fills: solid, diagonal hatching, dots — told apart in greyscale and by pattern.
PATTERNS = ("solid", "hatch", "dots")
_DEFS = (
    '<defs>'
    '<pattern id="{p}-hatch" width="6" height="6" patternUnits="userSpaceOnUse"'
    ' patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
    '<rect width="3" height="6" fill="#444"/></pattern>'
    '<pattern id="{p}-dots" width="6" height="6" patternUnits="userSpaceOnUse">'
    '<rect width="6" height="6" fill="#ddd"/><circle cx="3" cy="3" r="1.6" fill="#222"/>'
    '</pattern></defs>'
)


@dataclass(frozen=True)
class Bar:
    """A labelled value and the text written beside its bar (e.g. a formatted amount)."""

    label: str
    value: float | Decimal | int
    text: str | None = None


def _label_width(labels: Sequence[str]) -> int:
    """Room for the longest label (about 6.5 px a character at 12 px), at least 80 px."""
    longest = max((min(len(label), MAX_LABEL) for label in labels), default=0)
    return max(80, int(longest * 6.5) + 12)


def _label(text: str, x: float, y: float) -> str:
    """A right-aligned label at (x, y), cut with an ellipsis when too long."""
    shown = text if len(text) <= MAX_LABEL else text[:MAX_LABEL - 1] + "…"
    tip = f"<title>{escape(text)}</title>" if shown != text else ""
    return (f'<text x="{x}" y="{y:.0f}" text-anchor="end" font-size="12">{tip}'
            f"{escape(shown)}</text>")


def _fill(prefix: str, pattern: str) -> str:
    return "#1f4e79" if pattern == "solid" else f"url(#{prefix}-{pattern})"


def _open(width: int, height: int, title: str, description: str, prefix: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" style="max-width:100%;height:auto" '
        f'role="img" aria-label="{escape(title)}" '
        f'aria-describedby="{prefix}-desc" class="chart">'
        f"<title>{escape(title)}</title><desc id=\"{prefix}-desc\">{escape(description)}</desc>"
        + _DEFS.format(p=prefix)
    )


def _slug(title: str) -> str:
    return "c" + "".join(ch if ch.isalnum() else "-" for ch in title.lower())[:24]


def bar_chart(title: str, bars: Sequence[Bar], *, description: str = "",
              chart_id: str | None = None) -> Markup:
    """Horizontal bars, one per label, each with its value written at its end."""
    return grouped_bar_chart(title, [b.label for b in bars], [("", list(bars))],
                             description=description, chart_id=chart_id)


def grouped_bar_chart(
    title: str, groups: Sequence[str], series: Sequence[tuple[str, Sequence[Bar]]], *,
    description: str = "", chart_id: str | None = None,
) -> Markup:
    """Horizontal bars grouped by label, one bar per series, told apart by pattern.

    `series` is a list of (name, bars), each bar in the order of `groups`. With more than one
    series a legend names each pattern.
    """
    prefix = chart_id or _slug(title)
    peak = max((float(b.value) for _name, bars in series for b in bars), default=0) or 1
    label_width = _label_width(groups)
    width = label_width + PLOT_WIDTH + VALUE_WIDTH
    plot = PLOT_WIDTH
    per_group = len(series) * BAR + (ROW - BAR)
    legend = 24 if len(series) > 1 else 0
    height = legend + len(groups) * per_group + 8
    parts = [_open(width, height, title, description or title, prefix)]
    if len(series) > 1:
        x = label_width
        for i, (name, _bars) in enumerate(series):
            pattern = PATTERNS[i % len(PATTERNS)]
            parts.append(
                f'<rect x="{x}" y="4" width="14" height="14" fill="{_fill(prefix, pattern)}" '
                f'stroke="#000"/><text x="{x + 18}" y="16" font-size="12">{escape(name)}</text>'
            )
            x += 30 + 8 * len(name)
    for g, group in enumerate(groups):
        top = legend + g * per_group + 4
        parts.append(_label(group, label_width - 8, top + len(series) * BAR / 2 + 4))
        for i, (name, bars) in enumerate(series):
            bar = bars[g]
            y = top + i * BAR
            length = plot * float(bar.value) / peak
            pattern = PATTERNS[i % len(PATTERNS)]
            text = bar.text if bar.text is not None else str(bar.value)
            label = f"{group} — {name}: {text}" if name else f"{group}: {text}"
            parts.append(
                f'<g><title>{escape(label)}</title>'
                f'<rect x="{label_width}" y="{y + 1}" width="{length:.1f}" height="{BAR - 3}" '
                f'fill="{_fill(prefix, pattern)}" stroke="#000" stroke-width="0.5"/>'
                f'<text x="{label_width + length + 4:.1f}" y="{y + BAR - 5}" font-size="11">'
                f"{escape(text)}</text></g>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def strip_plot(
    title: str, rows: Sequence[tuple[str, Sequence[float | Decimal]]], *, low: float,
    high: float, description: str = "", chart_id: str | None = None,
    summary: str = "n={n} · median {median}",
) -> Markup:
    """One row per label: a dot per value on a shared low..high scale, the range as a line
    and the median as a tick, with the count and the median written out."""
    prefix = chart_id or _slug(title)
    label_width = _label_width([label for label, _values in rows])
    width = label_width + PLOT_WIDTH + VALUE_WIDTH
    plot = PLOT_WIDTH - 10
    span = (high - low) or 1
    axis = 22
    height = len(rows) * ROW + axis + 8

    def x(value: float) -> float:
        return label_width + plot * (min(max(value, low), high) - low) / span

    parts = [_open(width, height, title, description or title, prefix)]
    for tick in (low, (low + high) / 2, high):
        parts.append(
            f'<line x1="{x(tick):.1f}" y1="4" x2="{x(tick):.1f}" y2="{height - axis}" '
            f'stroke="#bbb" stroke-dasharray="2 2"/>'
            f'<text x="{x(tick):.1f}" y="{height - 6}" text-anchor="middle" font-size="11">'
            f"{_plain(tick)}</text>"
        )
    for r, (label, values) in enumerate(rows):
        mid = 4 + r * ROW + ROW / 2
        numbers = sorted(float(v) for v in values)
        parts.append(_label(label, label_width - 8, mid + 4))
        if not numbers:
            continue
        middle = median(numbers)
        parts.append(
            f'<line x1="{x(numbers[0]):.1f}" y1="{mid}" x2="{x(numbers[-1]):.1f}" y2="{mid}" '
            f'stroke="#666"/><line x1="{x(middle):.1f}" y1="{mid - 8}" x2="{x(middle):.1f}" '
            f'y2="{mid + 8}" stroke="#000" stroke-width="2"/>'
        )
        for value in numbers:
            parts.append(
                f'<circle cx="{x(value):.1f}" cy="{mid}" r="4" fill="#fff" stroke="#000">'
                f"<title>{escape(label)}: {_plain(value)}</title></circle>"
            )
        text = summary.format(n=len(numbers), median=_plain(middle))
        parts.append(
            f'<text x="{width - VALUE_WIDTH + 4}" y="{mid + 4:.0f}" font-size="11">'
            f"{escape(text)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _plain(value: float) -> str:
    """2, 7.5, 7.25: no trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".")
