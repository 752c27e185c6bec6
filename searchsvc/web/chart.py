"""When things were said: a query's hits per year as a small bar chart.

Server-rendered SVG, so it shows without JavaScript: one bar per year
with hits on a continuous axis (gaps are years without any), its first
and last year named, each bar a link that filters to its year, the
chosen range drawn in the accent colour. Each bar's link has a title
(year, paragraphs, documents) for screen readers and on hover; the
caption says the same in one sentence.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT, AXIS = 240, 56, 14  # px: the sidebar's width; bar area; labels below


@dataclass(frozen=True)
class YearBar:
    year: int
    paragraphs: int
    documents: int | None
    url: str
    chosen: bool


def bars(years, documents, url: Callable[[str], str], date_from: str,
         date_to: str) -> list[YearBar]:
    """The year facet (value, paragraphs) and its documents per year as
    bars, oldest first."""
    low, high = (date_from or "")[:4], (date_to or "")[:4]
    documents = dict(documents)
    out = []
    for f in sorted(years, key=lambda f: f.value):
        if not f.value.isdigit():
            continue
        chosen = bool(low or high) and (not low or f.value >= low) and (not high or f.value <= high)
        out.append(YearBar(int(f.value), f.count, documents.get(f.value), url(f.value), chosen))
    return out


def describe(shown: list[YearBar]) -> str:
    """The chart in one sentence (its text alternative)."""
    if not shown:
        return ""
    top = max(shown, key=lambda b: (b.paragraphs, b.year))
    span = f"{shown[0].year}—{shown[-1].year} 年" if len(shown) > 1 else f"{shown[0].year} 年"
    return (f"{span}，{len(shown)} 个年份有结果；最多的是 {top.year} 年，{_counts(top)}。")


def _counts(bar: YearBar) -> str:
    docs = f"，{bar.documents} 篇" if bar.documents is not None else ""
    return f"{bar.paragraphs} 段{docs}"


def svg(shown: list[YearBar]) -> Markup:
    if not shown:
        return Markup("")
    first, last = shown[0].year, shown[-1].year
    slots = last - first + 1
    slot = WIDTH / slots
    peak = max(b.paragraphs for b in shown)
    parts = [f'<svg class="years" viewBox="0 0 {WIDTH} {HEIGHT + AXIS}" width="{WIDTH}" '
             f'height="{HEIGHT + AXIS}" aria-label="{escape(describe(shown))}">']
    for b in shown:
        x = (b.year - first) * slot
        h = max(2.0, HEIGHT * math.sqrt(b.paragraphs / peak))
        width = max(1.0, slot - (1 if slot > 3 else 0))
        parts.append(
            f'<a href="{escape(b.url)}" class="bar{" chosen" if b.chosen else ""}" '
            f'data-year="{b.year}"><title>{b.year} 年：{_counts(b)}</title>'
            f'<rect class="hit-area" x="{x:.2f}" y="0" width="{slot:.2f}" height="{HEIGHT}"/>'
            f'<rect x="{x:.2f}" y="{HEIGHT - h:.2f}" width="{width:.2f}" height="{h:.2f}"/></a>')
    parts.append(f'<text x="0" y="{HEIGHT + AXIS - 2}" class="axis">{first}</text>')
    if last != first:
        parts.append(f'<text x="{WIDTH}" y="{HEIGHT + AXIS - 2}" class="axis" '
                     f'text-anchor="end">{last}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
