"""Running heads, footers and page numbers: the lines a PDF repeats on
its pages' edges, which are no part of the text."""

from __future__ import annotations

import re
from collections import Counter
from statistics import median
from typing import TYPE_CHECKING

from .model import Dropped

if TYPE_CHECKING:
    from .pdfline import Line

_ROMAN = r"(?:m{0,3}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3}))"
# a page number alone on its line, in any numbering: 5, - 5 -, 第 5 页, 5/20,
# 第5页 共20页, Page 5 of 20, iv, [5]
PAGE_NUMBER = re.compile(
    rf"^[\s\-–—·|\[\]()（）]*(?:(?:page|p\.)\s*)?(?:第\s*)?(?:\d+|(?=[ivxlcdm]){_ROMAN})\s*页?"
    r"(?:\s*(?:/|of|共)\s*\d+\s*页?)?[\s\-–—·|\[\]()（）]*$", re.IGNORECASE)
_NUMBERS = re.compile(rf"\d+|\b(?=[ivxlcdm]){_ROMAN}\b", re.IGNORECASE)
MARGIN = 0.12  # share of the page height where running heads and footers sit
RECUR = 0.3  # a margin line on this share of the pages (or of the odd or even ones) is furniture


def without_furniture(lines: list[Line], dropped: list[Dropped] | None = None) -> list[Line]:
    """Lines that are not running heads, footers or page numbers.

    A margin line (top or bottom eighth of the text's extent) is furniture
    when it is a page number in any numbering, or when its text, numbers
    aside, recurs at the same height on at least 30% of the pages (three at
    least, of a document of five or more) or of the odd or the even pages
    alone (a thesis's head on the pages of one side); a margin line at the
    height where such heads sit is furniture too when it recurs on two
    pages (a chapter's name as running head).
    Body text at the page's edge recurs on few pages and stays. What is
    left out is added to ``dropped`` with its rule."""
    if not lines:
        return lines
    top = max(line.top for line in lines)
    bottom = min(line.bottom for line in lines)
    band = (top - bottom) * MARGIN

    def in_margin(line):
        return line.top >= top - band or line.bottom <= bottom + band

    def key(line):
        return re.sub(r"\s+", "", _NUMBERS.sub("#", line.text))

    pages = sorted({line.page for line in lines})
    parity = Counter(p % 2 for p in pages)
    least = 2 if len(pages) <= 4 else 3  # two pages of a short document can share a line
    seen: dict[str, dict[int, float]] = {}
    for line in lines:
        if in_margin(line):
            seen.setdefault(key(line), {})[line.page] = line.bottom
    heights: list[float] = []
    repeated: dict[str, float] = {}  # text -> the height it recurs at
    for k, on in seen.items():
        at = median(on.values())
        same = [p for p, y in on.items() if abs(y - at) <= 3]
        sides = Counter(p % 2 for p in same)
        if len(same) >= max(least, RECUR * len(pages)) or any(
                n >= max(2, RECUR * 2 * parity[side]) and n == len(same)
                for side, n in sides.items()):
            repeated[k] = at
            heights.append(at)
    kept = []
    for line in lines:
        if in_margin(line):
            k = key(line)
            rule = ("page number" if PAGE_NUMBER.match(line.text) else
                    "running head or foot: recurs at this height on the pages"
                    if abs(line.bottom - repeated.get(k, -1e9)) <= 3 else
                    "running head: at the height of the running heads, on two pages or more"
                    if len(seen[k]) >= 2 and any(abs(line.bottom - y) <= 2 for y in heights)
                    else "")
            if rule:
                if dropped is not None:
                    dropped.append(Dropped(rule, line.text, line.page))
                continue
        kept.append(line)
    return kept
