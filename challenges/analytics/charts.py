"""Bar charts as server-rendered SVG: the geometry is computed here, the template
(``templates/analytics/_chart.html``) only draws it.

No script and no style attribute, so the charts render under the strict Content-Security-Policy
and without JavaScript; colours are SVG presentation attributes (``fill``), each with at least
3:1 contrast against the white page (WCAG 1.4.11). Every chart has a ``<title>`` and a ``<desc>``
(``role="img"``, ``aria-labelledby``) and sits beside its data table, which is the accessible
and no-JavaScript reading of the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# Purple, teal and amber: 7.4:1, 5.5:1 and 5.0:1 against white.
PALETTE = ("#5b3cc4", "#0f766e", "#b45309")
TEXT = "#333333"
GRID = "#d0d0d0"


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    fill: str
    label: str  # what a pointer hover shows (the bar's own <title>)
    value: str = ""  # written above the bar (charts of a few bars: a short bar stays readable)


@dataclass(frozen=True)
class Tick:
    position: float
    text: str


@dataclass(frozen=True)
class LegendItem:
    x: float
    fill: str
    name: str


@dataclass(frozen=True)
class BarChart:
    """A drawn chart: the SVG's size, its bars, axes and legend."""

    id: str
    title: str
    description: str
    width: int
    height: int
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    bars: list[Bar]
    y_ticks: list[Tick]
    x_labels: list[Tick]
    legend: list[LegendItem]


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above ``value`` (at least 1)."""
    if value <= 1:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)  # pragma: no cover (the loop always returns)


def _number(value: float) -> str:
    return f"{value:g}"


def bar_chart(chart_id: str, title: str, description: str, categories: Sequence[str],
              series: Sequence[Series], *, label_every: int = 1, width: int = 720,
              height: int = 280, show_values: bool = False) -> BarChart:
    """Grouped vertical bars: one group per category, one bar per series in it; an empty
    category label draws no label (e.g. only each day's first hour is named)."""
    left, right, top, bottom = 48.0, width - 12.0, 34.0, height - 36.0
    count = max(1, len(categories))
    # Four gridline steps of a whole, round size: counts never get a "2.5" gridline.
    top_value = 4 * nice_ceiling(max((v for s in series for v in s.values), default=0) / 4)
    group = (right - left) / count
    gap = group * 0.2 if group > 6 else 0.0
    bar_width = (group - gap) / max(1, len(series))
    scale = (bottom - top) / top_value
    bars = []
    for index, category in enumerate(categories):
        for number, serie in enumerate(series):
            value = float(serie.values[index])
            bar_height = value * scale
            bars.append(Bar(
                x=round(left + index * group + gap / 2 + number * bar_width, 2),
                y=round(bottom - bar_height, 2), width=round(max(bar_width - 1, 0.5), 2),
                height=round(bar_height, 2), fill=PALETTE[number % len(PALETTE)],
                label=f"{category} · {serie.name}: {_number(value)}",
                value=_number(value) if show_values else "",
            ))
    y_ticks = [Tick(round(bottom - (top_value * i / 4) * scale, 2), _number(top_value * i / 4))
               for i in range(5)]
    x_labels = [Tick(round(left + i * group + group / 2, 2), category)
                for i, category in enumerate(categories) if i % label_every == 0]
    legend = [LegendItem(left + i * 170, PALETTE[i % len(PALETTE)], s.name)
              for i, s in enumerate(series)]
    return BarChart(chart_id, title, description, width, height, left, right, top, bottom, bars,
                    y_ticks, x_labels, legend)
