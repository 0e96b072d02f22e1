"""Charts for the documents, drawn as SVG in Python: WeasyPrint draws them as vectors, no
browser nor image library is needed, and the PDF stays searchable (labels are text).

A chart is a list of groups (a label and one value per series), drawn as horizontal bars,
one line per group, so that long labels (a measure's name, a country) stay readable."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape

COLOURS = ("#1d3a6e", "#e0a100", "#2e7d32", "#a4161a")


@dataclass(frozen=True)
class Group:
    label: str
    values: Sequence[Decimal]


def bar_chart(
    groups: Sequence[Group],
    *,
    series: Sequence[str],
    title: str,
    value_label: Callable[[Decimal], str],
    width: int = 680,
) -> str:
    """An accessible SVG (``role="img"``, a ``<title>``) of ``groups`` as horizontal bars,
    one bar per series in each group, scaled on the largest value, each bar labelled with
    its value by ``value_label`` (amounts in the document's language)."""
    label_width, bar_height, gap, legend_height = 200, 12, 10, 22
    plot_width = width - label_width - 110
    largest = max((value for group in groups for value in group.values), default=Decimal(0))
    group_height = bar_height * len(series) + gap
    height = legend_height + max(len(groups), 1) * group_height + 6
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" font-family="Portail Sans" font-size="10">',
        f"<title>{escape(title)}</title>",
    ]
    x = label_width
    for index, name in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        parts.append(f'<rect x="{x}" y="4" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{x + 14}" y="13">{escape(name)}</text>')
        x += 24 + 7 * len(name)
    y = legend_height
    for group in groups:
        parts.append(
            f'<text x="{label_width - 6}" y="{y + group_height / 2}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(_short(group.label))}</text>'
        )
        for index, value in enumerate(group.values):
            length = float(value / largest) * plot_width if largest else 0.0
            colour = COLOURS[index % len(COLOURS)]
            top = y + index * bar_height
            parts.append(
                f'<rect x="{label_width}" y="{top}" width="{length:.1f}" '
                f'height="{bar_height - 2}" fill="{colour}"/>'
            )
            parts.append(
                f'<text x="{label_width + length + 4:.1f}" y="{top + bar_height - 3}" '
                f'font-size="8.5">{escape(value_label(value))}</text>'
            )
        y += group_height
    if not groups:
        parts.append(f'<text x="{label_width}" y="{y + 12}">—</text>')
    parts.append("</svg>")
    return "".join(parts)


def _short(label: str, limit: int = 34) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
